package dev.tiered.runtime.observe;

/**
 * The counters of cached calls, as JMX attributes of a namespace ({@link NamespaceMXBean}, summed over its methods)
 * and of each cached method ({@link MethodMXBean}). Live since start-up (or the last {@code resetCounters}); see the
 * README's metrics table.
 */
public interface CallMetrics {
    /** Calls of the cached methods; each is counted once in exactly one of the next six. */
    long getCalls();

    long getL1Hits();

    long getL2Hits();

    long getCoalesced();

    long getMisses();

    long getLoads();

    long getLoadFailures();

    long getUncached();

    double getAverageLoadMillis();

    long getL2Errors();

    long getDecodeFailures();

    long getNotStored();

    long getFaults();

    long getL1Entries();

    /** The most entries kept in L1: {@code tiered.l1.maxEntries}, summed over methods (0 for tier L2). */
    long getL1MaxEntries();

    /** Estimated bytes of the L1 entries, for methods bounded by {@code tiered.l1.maxBytes} (0 for others). */
    long getL1EstimatedBytes();

    /** Loads that refreshed an entry ahead of its expiry (part of {@code Loads}). */
    long getRefreshes();

    /** Calls that waited for another JVM computing the same entry and were served its result (part of L2Hits). */
    long getLeaseWaits();

    /** L1 entries evicted to keep within the bound ({@code tiered.l1.maxEntries}, {@code tiered.l1.maxBytes}). */
    long getEvictedBySize();

    /** Of the L2 errors, those where Redis did not answer in time (read or connect timeout, no free connection). */
    long getL2Timeouts();

    /** L1 entries removed because their lifetime ended. */
    long getExpired();

    /** L1 entries found to be of an old version (invalidated) and dropped. */
    long getStaleDrops();

    /** Median time of an L2 read (one round trip), to within 12.5%. */
    double getL2MillisP50();

    double getL2MillisP99();

    double getL2MillisMax();

    /** L1 hits on which the method ran too, to compare ({@code tiered.verify.rate}). */
    long getVerified();

    /** Verified hits whose cached value differed from the method's result: a write may lack @Invalidates. */
    long getVerifyMismatches();

    /** Calls whose method threw and that returned an expired L1 value instead ({@code tiered.staleIfError}). */
    long getStaleServed();

    /** Median time of a load or failed load, since start-up; to within 12.5%. */
    double getLoadMillisP50();

    /** 99th percentile of the time of a load or failed load, since start-up; to within 12.5%. */
    double getLoadMillisP99();

    /** Longest load or failed load since start-up, to within 12.5%. */
    double getLoadMillisMax();
}
