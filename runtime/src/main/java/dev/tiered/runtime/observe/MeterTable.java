package dev.tiered.runtime.observe;

import java.util.List;
import java.util.function.ToLongFunction;

import dev.tiered.runtime.stats.NamespaceStats;

/**
 * The per-namespace counters and gauges that every exporter publishes, in one table so that the Prometheus
 * endpoint and the application's Micrometer registry cannot drift apart. Names are Prometheus's, without the
 * {@code _total} of counters ({@code tiered_calls}); Micrometer's are the same with dots ({@code tiered.calls}).
 */
final class MeterTable {
    /** One series of a family: the value of its tag ({@code null} for a family without one) and how to read it. */
    record Series(String tagValue, ToLongFunction<NamespaceStats> value) {}

    /** A metric of each namespace: a counter or a gauge, with an optional tag that splits it into series. */
    record Family(String name, boolean counter, String help, String tag, List<Series> series) {
        /** The Micrometer name: {@code tiered.l2.errors}. */
        String dotted() {
            return name.replace('_', '.');
        }
    }

    static final List<Family> NAMESPACE = List.of(
            counter("tiered_calls", "Calls of the namespace's cached methods.", NamespaceStats::calls),
            counterBy("tiered_hits",
                    "Calls served from a tier: l1, this JVM's memory; l2, Redis (lease waits included).",
                    "tier", "l1", NamespaceStats::l1Hits, "l2", NamespaceStats::l2Hits),
            counter("tiered_misses", "Calls that ran the method because no tier had the entry.",
                    NamespaceStats::misses),
            counterBy("tiered_loads", "Runs of the method for a miss, by whether it returned (success) or threw "
                    + "(failure).", "result", "success", NamespaceStats::loads, "failure",
                    NamespaceStats::loadFailures),
            counter("tiered_coalesced",
                    "Calls that waited for another thread's load of the same key and returned its result.",
                    NamespaceStats::coalesced),
            counter("tiered_uncached", "Calls that ran the method without the cache (namespace disabled, cut off "
                    + "from invalidations, read by an open transaction that wrote the namespace, or an agent "
                    + "fault).", NamespaceStats::uncached),
            counter("tiered_refreshes", "Loads that refreshed an entry ahead of its expiry.",
                    NamespaceStats::refreshes),
            counter("tiered_lease_waits", "Calls that waited for another JVM computing the same entry and were "
                    + "served its result.", NamespaceStats::leaseWaits),
            counter("tiered_stale_served", "Calls whose method threw and that returned a recently expired value "
                    + "instead (tiered.staleIfError).", NamespaceStats::staleServed),
            counter("tiered_verified", "L1 hits on which the method ran too, to compare (tiered.verify.rate).",
                    NamespaceStats::verified),
            counter("tiered_verify_mismatches", "Verified hits whose cached value differed from the method's "
                    + "result: a write may lack @Invalidates.", NamespaceStats::verifyMismatches),
            counter("tiered_l2_errors", "Redis reads and writes that failed or timed out.",
                    NamespaceStats::l2Errors),
            counter("tiered_l2_timeouts", "Of the L2 errors, those where Redis did not answer in time.",
                    NamespaceStats::l2Timeouts),
            counter("tiered_decode_failures", "L2 values that could not be decoded.",
                    NamespaceStats::decodeFailures),
            counter("tiered_not_stored", "Results kept out of L2 (not serializable, too large, not allowed, or "
                    + "the write-behind queue full).", NamespaceStats::notStored),
            counter("tiered_faults", "Internal failures of tiered.", NamespaceStats::faults),
            counterBy("tiered_invalidations",
                    "Invalidations made by this JVM (sent) and made by other JVMs and received here (received).",
                    "direction", "sent", NamespaceStats::invalidationsSent, "received",
                    NamespaceStats::invalidationsReceived),
            counterBy("tiered_evictions", "L1 entries removed by Caffeine: to keep within the bound (cause size) "
                    + "or at the end of their lifetime (cause expired).",
                    "cause", "size", NamespaceStats::evictedBySize, "expired", NamespaceStats::expired),
            counter("tiered_stale_drops", "L1 entries found to be of an old version (invalidated) and dropped.",
                    NamespaceStats::staleDrops),
            gauge("tiered_l1_entries", "Entries in this JVM's L1 (estimate).", NamespaceStats::l1Entries),
            gauge("tiered_l1_max_entries", "The most entries the namespace's methods keep in L1 (their "
                    + "tiered.l1.maxEntries, summed; 0 for a method with tier L2).", NamespaceStats::l1MaxEntries),
            gauge("tiered_l1_estimated_bytes", "Estimated bytes of the L1 entries of methods bounded by "
                    + "tiered.l1.maxBytes.", NamespaceStats::l1EstimatedBytes),
            gauge("tiered_namespace_version", "The namespace's version (positive: from Redis; zero or negative: "
                    + "local only).", NamespaceStats::version));

    private MeterTable() {}

    private static Family counter(String name, String help, ToLongFunction<NamespaceStats> value) {
        return new Family(name, true, help, null, List.of(new Series(null, value)));
    }

    private static Family gauge(String name, String help, ToLongFunction<NamespaceStats> value) {
        return new Family(name, false, help, null, List.of(new Series(null, value)));
    }

    private static Family counterBy(String name, String help, String tag, String first,
                                    ToLongFunction<NamespaceStats> firstValue, String second,
                                    ToLongFunction<NamespaceStats> secondValue) {
        return new Family(name, true, help, tag, List.of(new Series(first, firstValue),
                new Series(second, secondValue)));
    }
}
