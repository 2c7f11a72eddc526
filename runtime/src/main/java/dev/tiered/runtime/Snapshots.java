package dev.tiered.runtime;

import java.util.List;

import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.stats.LagHistogram;
import dev.tiered.runtime.stats.MethodStats;
import dev.tiered.runtime.stats.NamespaceStats;

/** Snapshots of counters, summed over the methods of a namespace or of one method, as views and exporters read them. */
public final class Snapshots {
    private Snapshots() {}

    /** The cached methods of a namespace: its members, which only cached methods are. */
    static List<CachedMethod> methods(Namespace ns) {
        return ns.members().stream().map(CachedMethod.class::cast).toList();
    }

    /** A snapshot of one namespace's counters, summed over its methods. */
    public static NamespaceStats of(Namespace ns) {
        return snapshot(ns, methods(ns), true);
    }

    /** A snapshot of one method's counters: those of its namespace's own operations are left out. */
    public static NamespaceStats of(CachedMethod method) {
        return snapshot(method.namespace, List.of(method), false);
    }

    private static NamespaceStats snapshot(Namespace ns, List<CachedMethod> methods, boolean namespaceCounters) {
        long l1 = 0, l2 = 0, coalesced = 0, loads = 0, failures = 0, uncached = 0, nanos = 0;
        long l2Errors = 0, decode = 0, notStored = 0, faults = 0, entries = 0, refreshes = 0, leaseWaits = 0;
        long bytes = 0, stale = 0, verified = 0, mismatches = 0, bySize = 0, expired = 0, staleDrops = 0;
        long l2Reads = 0, l2ReadNanos = 0, l2Timeouts = 0;
        if (namespaceCounters) {
            l2Errors += ns.versionErrors.sum();
            l2Timeouts += ns.versionTimeouts.sum();
        }
        long[] loadTimes = loadTimes(methods);
        long[] l2Times = new long[LagHistogram.BUCKETS];
        for (CachedMethod m : methods) {
            MethodStats s = m.stats;
            l1 += m.l1Hits();
            l2 += s.l2Hits.sum();
            coalesced += s.coalesced.sum();
            loads += s.loads.sum();
            failures += s.loadFailures.sum();
            uncached += s.uncached.sum();
            nanos += s.loadNanos.sum();
            l2Errors += s.l2Errors.sum();
            decode += s.decodeFailures.sum();
            notStored += s.notStored.sum();
            faults += s.faults.sum();
            entries += m.l1Size();
            bytes += Math.max(0, m.l1WeightedBytes());
            refreshes += s.refreshes.sum();
            leaseWaits += s.leaseWaits.sum();
            stale += s.staleServed.sum();
            verified += s.verified.sum();
            mismatches += s.verifyMismatches.sum();
            bySize += s.evictedBySize.sum();
            expired += s.expired.sum();
            staleDrops += s.staleDrops.sum();
            l2Timeouts += s.l2Timeouts.sum();
            l2Reads += s.l2Times.count();
            l2ReadNanos += s.l2Times.sum();
            s.l2Times.addCountsTo(l2Times);
        }
        LagHistogram lag = namespaceCounters ? ns.propagationLag : null;
        return new NamespaceStats(ns.name, ns.version(), l1 + l2 + coalesced + loads + failures + uncached, l1, l2,
                coalesced, loads, failures, uncached, nanos, l2Errors, decode, notStored, faults,
                namespaceCounters ? ns.invalidationsSent.sum() : 0,
                namespaceCounters ? ns.invalidationsReceived.sum() : 0, entries, bytes, refreshes, leaseWaits, stale,
                lag == null ? 0 : lag.quantile(0.5), lag == null ? 0 : lag.quantile(0.99),
                lag == null ? 0 : lag.quantile(1),
                LagHistogram.quantile(loadTimes, 0.5), LagHistogram.quantile(loadTimes, 0.99),
                LagHistogram.quantile(loadTimes, 1), verified, mismatches, bySize, expired, staleDrops, l2Reads,
                l2ReadNanos, LagHistogram.quantile(l2Times, 0.5), LagHistogram.quantile(l2Times, 0.99),
                LagHistogram.quantile(l2Times, 1), l2Timeouts);
    }

    /** The load times of a namespace's methods merged, as bucket counts of a {@link LagHistogram}. */
    public static long[] loadTimes(Namespace ns) {
        return loadTimes(methods(ns));
    }

    private static long[] loadTimes(List<CachedMethod> methods) {
        long[] counts = new long[LagHistogram.BUCKETS];
        for (CachedMethod m : methods) {
            m.stats.loadTimes.addCountsTo(counts);
        }
        return counts;
    }
}
