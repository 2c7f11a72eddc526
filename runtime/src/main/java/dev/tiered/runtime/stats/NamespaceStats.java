package dev.tiered.runtime.stats;

/**
 * A snapshot of one namespace's counters, summed over its cached methods since start-up, or of one method's (whose
 * invalidation and propagation counters are then zero). See the README's metrics table for the meaning of each;
 * every call is counted in exactly one of {@code l1Hits}, {@code l2Hits}, {@code coalesced}, {@code loads},
 * {@code loadFailures} and {@code uncached}.
 */
public record NamespaceStats(
        String namespace,
        long version,
        long calls,
        long l1Hits,
        long l2Hits,
        long coalesced,
        long loads,
        long loadFailures,
        long uncached,
        long loadNanos,
        long l2Errors,
        long decodeFailures,
        long notStored,
        long faults,
        long invalidationsSent,
        long invalidationsReceived,
        long l1Entries,
        long l1EstimatedBytes,
        long refreshes,
        long leaseWaits,
        long staleServed,
        long propagationLagP50Micros,
        long propagationLagP99Micros,
        long propagationLagMaxMicros,
        long loadP50Nanos,
        long loadP99Nanos,
        long loadMaxNanos,
        long verified,
        long verifyMismatches,
        long evictedBySize,
        long expired,
        long staleDrops,
        long l2Reads,
        long l2ReadNanos,
        long l2P50Nanos,
        long l2P99Nanos,
        long l2MaxNanos,
        long l2Timeouts,
        long l1MaxEntries) {

    /** Calls that ran the method because no tier had the entry. */
    public long misses() {
        return loads + loadFailures;
    }
}
