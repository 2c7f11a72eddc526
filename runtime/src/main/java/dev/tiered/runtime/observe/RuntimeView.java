package dev.tiered.runtime.observe;

import java.time.Instant;
import java.util.Map;

import dev.tiered.runtime.Health;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.l2.CircuitBreaker;
import dev.tiered.runtime.stats.FaultReporter;

/** The runtime in JMX, as {@code dev.tiered:type=Runtime}: a live view, computed when an attribute is read. */
final class RuntimeView implements TieredMXBean {
    /** The operation as JMX clients show it. */
    static final Map<String, DescribedMBean.Operation> OPERATIONS = Map.of("detach", new DescribedMBean.Operation(
            "Takes tiered out of this JVM: every rewritten method gets its original bytecode back, tiered's threads "
            + "stop and its connections close; the application runs on uncached. Returns what was done."),
            "reloadRules", new DescribedMBean.Operation("Reads the tiered.rules file again and rewrites the classes "
            + "whose rules changed (their cached methods start with an empty L1). Returns what was done."),
            "advise", new DescribedMBean.Operation("Starts the advisor on the classes of a pattern, as tiered.advise "
            + "would have at start-up: their loaded classes are rewritten to be observed, nothing is cached. One "
            + "pattern per JVM.", "pattern", "com.acme.** (a package and those below it), com.acme.* (one package) "
            + "or com.acme.Catalog (one class), comma-separated."),
            "adviceTable", new DescribedMBean.Operation("The advisor's ranked table of the methods tiered.advise "
            + "observes: calls, distinct arguments, hit ratio and stale results at three lifetimes, time saved."),
            "adviceRules", new DescribedMBean.Operation("The advisor's proposed rules file for the methods worth "
            + "caching and the writes that change their results, to review and use as tiered.rules."));
    private final TieredRuntime runtime;

    RuntimeView(TieredRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public String getRedis() {
        return runtime.config().redis() == null ? "none" : runtime.config().redis().toString();
    }

    @Override
    public String getHealth() {
        return runtime.health().state().label();
    }

    @Override
    public String getHealthReason() {
        Health h = runtime.health();
        return h.detail() + (h.wayOut().isEmpty() ? "" : "; " + h.wayOut());
    }

    @Override
    public String getHealthSince() {
        return Instant.ofEpochMilli(runtime.healthSinceMillis()).toString();
    }

    @Override
    public long getL1Budget() {
        return runtime.l1Budget();
    }

    @Override
    public boolean isL1HeapPressure() {
        return runtime.l1HeapPressure();
    }

    @Override
    public long getL1PressureEpisodes() {
        return runtime.l1PressureEpisodes();
    }

    @Override
    public long getL1BudgetUsed() {
        return runtime.l1BudgetUsed();
    }

    @Override
    public boolean isBusConnected() {
        return runtime.busConnected();
    }

    @Override
    public boolean isCutOff() {
        return runtime.cutOff();
    }

    @Override
    public long getReportedProblems() {
        return runtime.reportedProblems();
    }

    @Override
    public String[] getNamespaces() {
        return runtime.namespaces().toArray(new String[0]);
    }

    @Override
    public String getL2Breaker() {
        CircuitBreaker breaker = runtime.breaker();
        return breaker == null ? "none" : breaker.isOpen() ? "open" : "closed";
    }

    @Override
    public long getL2BreakerOpenings() {
        CircuitBreaker breaker = runtime.breaker();
        return breaker == null ? 0 : breaker.openings.sum();
    }

    @Override
    public long getL2CallsSkipped() {
        CircuitBreaker breaker = runtime.breaker();
        return breaker == null ? 0 : breaker.skipped.sum();
    }

    @Override
    public boolean isWritesRefused() {
        return runtime.writesRefused() != null;
    }

    @Override
    public String getWriteRefusal() {
        String refusal = runtime.writesRefused();
        return refusal == null ? "" : refusal;
    }

    @Override
    public long getWriteRefusals() {
        return runtime.writeRefusals();
    }

    @Override
    public String detach() {
        FaultReporter.LOG.info("detach requested by {}", JmxCaller.describe());
        return runtime.detach();
    }

    @Override
    public String advise(String pattern) {
        FaultReporter.LOG.info("advisor requested by {} for {}", JmxCaller.describe(), pattern);
        return runtime.startAdvising(pattern);
    }

    @Override
    public String adviceTable() {
        return runtime.adviceTable();
    }

    @Override
    public String adviceRules() {
        return runtime.adviceRules();
    }

    @Override
    public String reloadRules() {
        FaultReporter.LOG.info("rules reload requested by {}", JmxCaller.describe());
        return runtime.reloadRules();
    }

    @Override
    public long getClassLoadersLive() {
        return runtime.classLoaders().live();
    }

    @Override
    public long getClassLoadersReleased() {
        return runtime.classLoaders().released();
    }

    @Override
    public long getBusMessagesRejected() {
        return runtime.rejectedBusMessages();
    }
}
