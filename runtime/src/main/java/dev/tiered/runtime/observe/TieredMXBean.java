package dev.tiered.runtime.observe;

/** The runtime in JMX, as {@code dev.tiered:type=Runtime}. */
public interface TieredMXBean {
    /** The Redis URI without its password, or {@code none} in L1-only mode. */
    String getRedis();

    /**
     * Whether this JVM caches: {@code caching}, {@code degraded} (served by L1 and the method; invalidations from
     * other JVMs may be late) or {@code uncached} (calls run the method). {@link #getHealthReason()} says why.
     */
    String getHealth();

    /** Why the JVM is in its health state, since when, and what ends it. */
    String getHealthReason();

    /** When the JVM's health state began, ISO-8601 in UTC. */
    String getHealthSince();

    /**
     * {@code tiered.l1.budget} in bytes as in effect now: what every cached method's L1 shares, a quarter of it while
     * the heap is under pressure; 0 without one.
     */
    long getL1Budget();

    /** Whether L1 is shrunk now because a garbage collection left the heap nearly full. */
    boolean isL1HeapPressure();

    /** Times L1 shrank for heap pressure since start-up. */
    long getL1PressureEpisodes();

    /** The estimated bytes that L1 holds under {@code tiered.l1.budget}, all methods; 0 without one. */
    long getL1BudgetUsed();

    /** Whether the invalidation bus is subscribed. */
    boolean isBusConnected();

    /** Whether calls run uncached because the bus has been lost for longer than {@code tiered.l1.maxStaleness}. */
    boolean isCutOff();

    /** Problems logged with rate limiting (internal faults, L2 errors, results not stored), all namespaces. */
    long getReportedProblems();

    String[] getNamespaces();

    /**
     * The L2 breaker: {@code closed}, calls use Redis; {@code open}, they skip it until a probe finds it answering;
     * {@code none} without Redis.
     */
    String getL2Breaker();

    /** Times the L2 breaker opened since start-up. */
    long getL2BreakerOpenings();

    /**
     * Whether Redis refuses this JVM's writes (an error reply to the heartbeat's probe or to a bump: {@code OOM},
     * {@code MISCONF}, {@code NOREPLICAS}, a missing ACL permission): calls run uncached once that has lasted
     * {@code tiered.l1.maxStaleness}.
     */
    boolean isWritesRefused();

    /** What Redis answered the last write it refused, while it refuses writes; empty while it takes them. */
    String getWriteRefusal();

    /** Writes of this JVM (probes and bumps) that Redis refused since start-up. */
    long getWriteRefusals();

    /** Application class loaders tiered holds state for (their cached methods, L1 entries, MBeans) now. */
    long getClassLoadersLive();

    /** Application class loaders collected since start-up (a redeploy), and tiered's state for them with them. */
    long getClassLoadersReleased();

    /** Messages on the invalidation channel that no tiered JVM sends, ignored since start-up. */
    long getBusMessagesRejected();

    /** Redis operations skipped at once because the breaker was open. */
    long getL2CallsSkipped();

    /**
     * Takes tiered out of this JVM: every rewritten method gets its original bytecode back, tiered's threads stop,
     * its Redis connections close, its MBeans and metrics endpoint go, and its class loader can be collected. The
     * application runs on uncached. Returns what was done, in one line.
     */
    String detach();

    /**
     * Reads the {@code tiered.rules} file again and rewrites the classes whose rules changed (their methods'
     * L1 starts empty). Returns what was done, in one line.
     */
    String reloadRules();

    /** Starts the advisor in this JVM on the classes of {@code pattern}, as {@code tiered.advise} would. */
    String advise(String pattern);

    /** The advisor's ranked table of the methods {@code tiered.advise} observes. */
    String adviceTable();

    /** The advisor's proposed rules file ({@code tiered.rules}) for them, to review and use. */
    String adviceRules();
}
