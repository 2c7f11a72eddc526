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

    /**
     * Sums the counters of {@code methods}; with {@code namespaceCounters}, also those of the namespace's own
     * operations and of its methods that are gone (with their class loaders), so that its totals never go back.
     */
    private static NamespaceStats snapshot(Namespace ns, List<CachedMethod> methods, boolean namespaceCounters) {
        MethodStats s = new MethodStats();
        long l1 = 0, entries = 0, bytes = 0, bound = 0;
        for (CachedMethod m : methods) {
            s.add(m.stats);
            bound += m.l1MaxEntries();
            l1 += m.l1Hits();
            entries += m.l1Size();
            bytes += Math.max(0, m.l1WeightedBytes());
        }
        long l2Errors = s.l2Errors.sum();
        long l2Timeouts = s.l2Timeouts.sum();
        if (namespaceCounters) {
            s.add(ns.retired);
            l1 += ns.retiredL1Hits.sum();
            l2Errors = s.l2Errors.sum() + ns.versionErrors.sum();
            l2Timeouts = s.l2Timeouts.sum() + ns.versionTimeouts.sum();
        }
        long l2 = s.l2Hits.sum(), coalesced = s.coalesced.sum(), loads = s.loads.sum();
        long failures = s.loadFailures.sum(), uncached = s.uncached.sum();
        long[] loadTimes = new long[LagHistogram.BUCKETS];
        s.loadTimes.addCountsTo(loadTimes);
        long[] l2Times = new long[LagHistogram.BUCKETS];
        s.l2Times.addCountsTo(l2Times);
        LagHistogram lag = namespaceCounters ? ns.propagationLag : null;
        return new NamespaceStats(ns.name, ns.version(), l1 + l2 + coalesced + loads + failures + uncached, l1, l2,
                coalesced, loads, failures, uncached, s.loadNanos.sum(), l2Errors, s.decodeFailures.sum(),
                s.notStored.sum(), s.faults.sum(),
                namespaceCounters ? ns.invalidationsSent.sum() : 0,
                namespaceCounters ? ns.invalidationsReceived.sum() : 0, entries, bytes, s.refreshes.sum(),
                s.leaseWaits.sum(), s.staleServed.sum(),
                lag == null ? 0 : lag.quantile(0.5), lag == null ? 0 : lag.quantile(0.99),
                lag == null ? 0 : lag.quantile(1),
                LagHistogram.quantile(loadTimes, 0.5), LagHistogram.quantile(loadTimes, 0.99),
                LagHistogram.quantile(loadTimes, 1), s.verified.sum(), s.verifyMismatches.sum(),
                s.evictedBySize.sum(), s.expired.sum(), s.staleDrops.sum(), s.l2Times.count(), s.l2Times.sum(),
                LagHistogram.quantile(l2Times, 0.5), LagHistogram.quantile(l2Times, 0.99),
                LagHistogram.quantile(l2Times, 1), l2Timeouts, bound);
    }

    /** The load times of a namespace's methods merged, as bucket counts of a {@link LagHistogram}. */
    public static long[] loadTimes(Namespace ns) {
        long[] counts = new long[LagHistogram.BUCKETS];
        for (CachedMethod m : methods(ns)) {
            m.stats.loadTimes.addCountsTo(counts);
        }
        ns.retired.loadTimes.addCountsTo(counts);
        return counts;
    }
}
