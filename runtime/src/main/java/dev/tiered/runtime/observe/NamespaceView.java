package dev.tiered.runtime.observe;

import java.util.function.Function;

import dev.tiered.runtime.Health;
import dev.tiered.runtime.Operations;
import dev.tiered.runtime.Snapshots;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.stats.NamespaceStats;

/** One namespace in JMX, as {@code dev.tiered:type=Namespace,name=<namespace>}: a live view and its operations. */
final class NamespaceView extends CallCounters implements NamespaceMXBean {
    private final Namespace ns;

    private final Operations operations;
    private final Function<Namespace, Health> health;

    NamespaceView(Operations operations, Namespace ns, Function<Namespace, Health> health) {
        this.operations = operations;
        this.ns = ns;
        this.health = health;
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
        operations.enabled(ns, enabled);
    }

    @Override
    public void flush() {
        operations.flush(ns);
    }

    @Override
    public void changeTtl(String ttl) {
        operations.lifetimes(ns, "ttl", ttl, false);
    }

    @Override
    public void changeL1Ttl(String l1Ttl) {
        operations.lifetimes(ns, "l1Ttl", l1Ttl, true);
    }

    @Override
    public void changeTier(String tier) {
        operations.tier(ns, tier);
    }

    @Override
    public void resetCounters() {
        operations.resetCounters(ns);
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
