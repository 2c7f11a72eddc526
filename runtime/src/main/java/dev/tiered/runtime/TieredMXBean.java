package dev.tiered.runtime;

/** The runtime in JMX, as {@code dev.tiered:type=Runtime}. */
public interface TieredMXBean {
    /** The Redis URI without its password, or {@code none} in L1-only mode. */
    String getRedis();

    /** Whether the invalidation bus is subscribed. */
    boolean isBusConnected();

    /** Whether calls run uncached because the bus has been lost for longer than {@code tiered.l1.maxStaleness}. */
    boolean isCutOff();

    /** Problems logged with rate limiting (internal faults, L2 errors, results not stored), all namespaces. */
    long getReportedProblems();

    String[] getNamespaces();

    /** {@code closed}: calls use Redis; {@code open}: they skip it until a probe finds it answering; {@code none}. */
    String getL2Circuit();

    /** Times the circuit to Redis opened since start-up. */
    long getL2CircuitOpenings();

    /** Redis operations skipped at once because the circuit was open. */
    long getL2CallsSkipped();
}
