package dev.tiered.runtime;

/**
 * One namespace in JMX, as {@code dev.tiered:type=Namespace,name=<namespace>}. Attributes are live counters since
 * start-up; see {@link NamespaceStats}.
 */
public interface NamespaceMXBean {
    String getName();

    /** The current version; positive when read from Redis, zero or negative when local only. */
    long getVersion();

    boolean isEnabled();

    /**
     * Enables or disables caching of the namespace in this JVM, at once: disabled, its methods run uncached and its
     * L1 entries are dropped.
     */
    void setEnabled(boolean enabled);

    /** Invalidates every entry of the namespace, in every JVM and both tiers (a version bump, as a write does). */
    void flush();

    /**
     * Sets the {@code ttl} of the namespace's methods in this JVM, for entries stored from now on; an {@code l1Ttl}
     * longer than it is cut to it. A duration as in the annotation ({@code "30s"}, {@code "10m"}).
     */
    void changeTtl(String ttl);

    /** Sets the {@code l1Ttl} of the namespace's methods in this JVM (at most each one's {@code ttl}). */
    void changeL1Ttl(String l1Ttl);

    /**
     * Sets the tier of the namespace's methods in this JVM: {@code L1}, {@code L2} or {@code L1_L2}. L1 starts
     * empty; a tier with L2 is refused if a method's arguments cannot make L2 keys.
     */
    void changeTier(String tier);

    /** Sets every counter of the namespace in this JVM back to zero. */
    void resetCounters();

    /** The cached methods of this namespace with their tier and TTL. */
    String[] getMethods();

    long getRequests();

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

    long getInvalidationsSent();

    long getInvalidationsReceived();

    long getL1Entries();
    /** Estimated bytes of the L1 entries of this namespace's methods bounded by {@code tiered.l1.maxBytes}. */
    long getL1EstimatedBytes();

    /** Loads that refreshed an entry ahead of its expiry (part of {@code Loads}). */
    long getRefreshes();

    /** Calls that waited for another JVM computing the same entry and were served its result (part of L2Hits). */
    long getLeaseWaits();

    /**
     * Median time from a write returning in another JVM (its clock) to its invalidation arriving here, over every
     * invalidation received since start-up; to within 12.5%.
     */
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

    double getPropagationLagMillisP50();

    double getPropagationLagMillisP99();

    double getPropagationLagMillisMax();

    /** Median time of a load or failed load of the namespace's methods, since start-up; to within 12.5%. */
    double getLoadMillisP50();

    /** 99th percentile of the time of a load or failed load, since start-up; to within 12.5%. */
    double getLoadMillisP99();

    /** Longest load or failed load since start-up, to within 12.5%. */
    double getLoadMillisMax();
}
