package dev.tiered.runtime.observe;

import java.lang.ref.WeakReference;

import javax.management.ObjectName;

import dev.tiered.runtime.CachedMethod;
import dev.tiered.runtime.Snapshots;
import dev.tiered.runtime.config.Durations;
import dev.tiered.runtime.stats.NamespaceStats;

/** One cached method: {@code dev.tiered:type=Method,namespace=<namespace>,name="<method>"}. */
final class MethodView extends CallCounters implements MethodMXBean {
    /** Held weakly: the method goes with its class loader, and its MBean is then unregistered. */
    private final WeakReference<CachedMethod> ref;

    MethodView(CachedMethod method) {
        this.ref = new WeakReference<>(method);
    }

    /** The method; an error for a JMX client that reads the MBean of one that is gone before it is unregistered. */
    private CachedMethod method() {
        CachedMethod m = ref.get();
        if (m == null) {
            throw new IllegalStateException("this method's class loader is gone; its MBean is being unregistered");
        }
        return m;
    }

    static String objectName(CachedMethod method) {
        return "dev.tiered:type=Method,namespace=" + method.namespace() + ",name="
                + ObjectName.quote(method.name());
    }

    @Override
    NamespaceStats s() {
        return Snapshots.of(method());
    }

    @Override
    public String getName() {
        return method().name();
    }

    @Override
    public String getNamespace() {
        return method().namespace();
    }

    @Override
    public String getTier() {
        return method().tier().name();
    }

    @Override
    public String getTtl() {
        return Durations.format(method().ttl());
    }

    @Override
    public String getL1Ttl() {
        return Durations.format(method().l1Ttl());
    }
}
