package dev.tiered.runtime.observe;

/**
 * One namespace in JMX, as {@code dev.tiered:type=Namespace,name=<namespace>}: its methods' counters summed, the
 * namespace's own (version, invalidations), and operations that steer it. Attributes are live counters since
 * start-up; see {@link NamespaceStats}.
 */
public interface NamespaceMXBean extends CallMetrics {
    String getName();

    /** The current version; positive when read from Redis, zero or negative when local only. */
    long getVersion();

    boolean isEnabled();

    /**
     * Whether the namespace caches in this JVM: {@code caching}, {@code degraded} or {@code uncached}; the JVM's
     * state, unless the namespace has a reason of its own (disabled, its version unknown).
     */
    String getHealth();

    /** Why the namespace is in its health state, and what ends it. */
    String getHealthReason();

    /** {@code tiered.ns.<namespace>.target.hitRatio}; -1 without one. */
    double getHitRatioTarget();

    /**
     * How far the namespace's hit ratio (both tiers) is below its target: positive below, negative above; over the
     * L1 budget's last window under {@code tiered.l1.budget}, else since start-up. 0 without a target.
     */
    double getHitRatioTargetDistance();

    /** {@code tiered.ns.<namespace>.target.loadTime}: milliseconds of load time per second; -1 without one. */
    double getLoadTimeTargetMillis();

    /**
     * How far the namespace's load time per second is above its target, in milliseconds per second: positive above,
     * negative below; over the L1 budget's last window under {@code tiered.l1.budget}, else since start-up. 0 without
     * a target.
     */
    double getLoadTimeTargetDistanceMillis();

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

    long getInvalidationsSent();

    long getInvalidationsReceived();

    /**
     * Median time from a write returning in another JVM (its clock) to its invalidation arriving here, over every
     * invalidation received since start-up; to within 12.5%.
     */
    double getPropagationLagMillisP50();

    double getPropagationLagMillisP99();

    double getPropagationLagMillisMax();
}
