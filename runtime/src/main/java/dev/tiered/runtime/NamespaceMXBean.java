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
    /** Calls whose method threw and that returned an expired L1 value instead ({@code tiered.staleIfError}). */
    long getStaleServed();

    double getPropagationLagMillisP50();

    double getPropagationLagMillisP99();

    double getPropagationLagMillisMax();
}
