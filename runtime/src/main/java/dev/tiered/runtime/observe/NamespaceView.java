package dev.tiered.runtime.observe;

import java.util.Map;
import java.util.function.Function;

import dev.tiered.runtime.Health;
import dev.tiered.runtime.Operations;
import dev.tiered.runtime.Snapshots;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.stats.NamespaceStats;

/** One namespace in JMX, as {@code dev.tiered:type=Namespace,name=<namespace>}: a live view and its operations. */
final class NamespaceView extends CallCounters implements NamespaceMXBean {
    /** The operations as JMX clients show them. */
    static final Map<String, DescribedMBean.Operation> OPERATIONS = Map.of(
            "flush", new DescribedMBean.Operation("Invalidates every entry of the namespace, in every JVM and both "
                    + "tiers, as a write does."),
            "changeTtl", new DescribedMBean.Operation("Sets the ttl of the namespace's methods in this JVM, for "
                    + "entries stored from now on; an l1Ttl longer than it is cut to it.", "ttl",
                    "A duration as in @Tiered: 30s, 10m, 1h, 500ms."),
            "changeL1Ttl", new DescribedMBean.Operation("Sets the l1Ttl of the namespace's methods in this JVM (at "
                    + "most each one's ttl), for entries stored from now on.", "l1Ttl",
                    "A duration as in @Tiered: 30s, 10m, 1h, 500ms."),
            "changeTier", new DescribedMBean.Operation("Sets the tier of the namespace's methods in this JVM; L1 "
                    + "starts empty.", "tier", "L1, L2 or L1_L2 (any case)."),
            "resetCounters", new DescribedMBean.Operation("Sets every counter of the namespace in this JVM back to "
                    + "zero."));
    private final Namespace ns;

    private final Operations operations;
    private final Function<Namespace, Health> health;
    private final Function<Namespace, double[]> target;
    private final Function<Namespace, double[]> loadTimeTarget;

    NamespaceView(Operations operations, Namespace ns, Function<Namespace, Health> health,
                  Function<Namespace, double[]> target, Function<Namespace, double[]> loadTimeTarget) {
        this.operations = operations;
        this.ns = ns;
        this.health = health;
        this.target = target;
        this.loadTimeTarget = loadTimeTarget;
    }

    @Override
    public double getHitRatioTarget() {
        double[] t = target.apply(ns);
        return t == null ? -1 : t[0];
    }

    @Override
    public double getHitRatioTargetDistance() {
        double[] t = target.apply(ns);
        return t == null ? 0 : t[1];
    }

    @Override
    public double getLoadTimeTargetMillis() {
        double[] t = loadTimeTarget.apply(ns);
        return t == null ? -1 : t[0] * 1e3;
    }

    @Override
    public double getLoadTimeTargetDistanceMillis() {
        double[] t = loadTimeTarget.apply(ns);
        return t == null ? 0 : t[1] * 1e3;
    }

    @Override
    public String getHealth() {
        return health.apply(ns).state().label();
    }

    @Override
    public String getHealthReason() {
        Health h = health.apply(ns);
        return h.detail() + (h.wayOut().isEmpty() ? "" : "; " + h.wayOut());
    }

    @Override
    public void setEnabled(boolean enabled) {
        operations.enabled(ns, enabled, JmxCaller.describe());
    }

    @Override
    public void flush() {
        operations.flush(ns, JmxCaller.describe());
    }

    @Override
    public void changeTtl(String ttl) {
        operations.lifetimes(ns, "ttl", ttl, false, JmxCaller.describe());
    }

    @Override
    public void changeL1Ttl(String l1Ttl) {
        operations.lifetimes(ns, "l1Ttl", l1Ttl, true, JmxCaller.describe());
    }

    @Override
    public void changeTier(String tier) {
        operations.tier(ns, tier, JmxCaller.describe());
    }

    @Override
    public void resetCounters() {
        operations.resetCounters(ns, JmxCaller.describe());
    }

    @Override
    NamespaceStats s() {
        return Snapshots.of(ns);
    }

    @Override
    public String getName() {
        return ns.name;
    }

    @Override
    public long getVersion() {
        return ns.version();
    }

    @Override
    public boolean isEnabled() {
        return ns.enabled();
    }

    @Override
    public String[] getMethods() {
        return ns.members().stream().map(Object::toString).toArray(String[]::new);
    }

    @Override
    public long getInvalidationsSent() {
        return s().invalidationsSent();
    }

    @Override
    public long getInvalidationsReceived() {
        return s().invalidationsReceived();
    }

    @Override
    public double getPropagationLagMillisP50() {
        return ns.propagationLag.quantile(0.5) / 1000.0;
    }

    @Override
    public double getPropagationLagMillisP99() {
        return ns.propagationLag.quantile(0.99) / 1000.0;
    }

    @Override
    public double getPropagationLagMillisMax() {
        return ns.propagationLag.quantile(1) / 1000.0;
    }
}
