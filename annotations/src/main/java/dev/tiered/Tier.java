package dev.tiered;

/**
 * Where the results of a {@link Tiered} method are kept.
 *
 * <p>Whatever the tier, invalidation is shared: an {@link Invalidates} method in any JVM connected to the same
 * Redis invalidates the namespace everywhere, including entries that live only in some other JVM's L1.
 */
public enum Tier {
    /**
     * In-process only: a bounded Caffeine cache per method in each JVM. Results never leave the JVM, so they need
     * no L2 key encoding and no codec; any argument type with a value-based {@code equals} works.
     */
    L1,

    /**
     * Shared only: results are stored in Redis and read from it on every call (one round trip). Useful for large
     * results that should not occupy every JVM's heap.
     */
    L2,

    /**
     * Both: a call is served from L1 when it can, else from Redis (which then fills L1), else by running the method
     * (which fills both). The default.
     */
    L1_L2
}
