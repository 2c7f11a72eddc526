package dev.tiered.runtime.observe;

import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

import org.slf4j.Logger;

import dev.tiered.runtime.Health;
import dev.tiered.runtime.Snapshots;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.l2.CircuitBreaker;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.NamespaceStats;

/**
 * tiered's metrics in the application's own Micrometer registry, when its classes see Micrometer: every family of
 * {@link MeterTable} for each namespace (tag {@code namespace}), and the runtime's state as gauges, registered with
 * the {@code Metrics.globalRegistry} of that Micrometer. Spring Boot adds its registry to the global one (unless
 * {@code management.metrics.use-global-registry=false}), so {@code /actuator/metrics} and
 * {@code /actuator/prometheus} show them. Micrometer is found by name through the loader of the application's
 * cached classes and called by reflection: no compile-time dependency, and whatever version the application has.
 * Touched on tiered's maintenance thread only.
 */
final class MicrometerMeters {
    private static final Logger LOG = FaultReporter.LOG;

    private final TieredRuntime runtime;
    /** The loaders already looked at (weakly: an application's loader may go). */
    private final Map<ClassLoader, Boolean> seen = new WeakHashMap<>();
    /**
     * Each Micrometer's registry, kept by that Micrometer's own {@code Metrics} class, so that it goes when the
     * application that brought it is undeployed; and, weakly, the list of them all.
     */
    private final ClassValue<Registry[]> byMetricsClass = new ClassValue<>() {
        @Override
        protected Registry[] computeValue(Class<?> metrics) {
            return new Registry[1];
        }
    };
    private final List<WeakReference<Registry>> registries = new ArrayList<>();

    MicrometerMeters(TieredRuntime runtime) {
        this.runtime = runtime;
    }

    /** A class of the application with cached methods was loaded by {@code loader}: bind its Micrometer, if any. */
    void loaderSeen(ClassLoader loader) {
        if (loader == null || seen.put(loader, Boolean.TRUE) != null) {
            return;
        }
        Registry registry = Registry.of(loader);
        if (registry == null) {
            return;
        }
        Registry[] slot = byMetricsClass.get(registry.metrics);
        if (slot[0] != null) {
            return; // one Micrometer, seen through another loader
        }
        slot[0] = registry;
        registries.removeIf(r -> r.get() == null);
        registries.add(new WeakReference<>(registry));
        try {
            registry.runtimeGauges(runtime);
            for (Namespace ns : runtime.namespacesInUse()) {
                registry.namespace(ns);
            }
            LOG.info("metrics also published to the application's Micrometer ({} meters in its global registry)",
                    registry.meters);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.warn("metrics not published to the application's Micrometer: {}", e.toString());
        }
    }

    void namespaceAdded(Namespace ns) {
        for (Registry r : alive()) {
            try {
                r.namespace(ns);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                LOG.debug("namespace {} not published to Micrometer: {}", ns.name, e.toString());
            }
        }
    }

    /** Removes every meter registered, from every registry. */
    void close() {
        for (Registry r : alive()) {
            r.removeAll();
            byMetricsClass.remove(r.metrics); // the application's class must not keep tiered's objects
        }
        registries.clear();
    }

    private List<Registry> alive() {
        List<Registry> alive = new ArrayList<>();
        for (WeakReference<Registry> ref : registries) {
            Registry r = ref.get();
            if (r != null) {
                alive.add(r);
            }
        }
        return alive;
    }

    /** One Micrometer's global registry and the builders of its meters, found by reflection. */
    private static final class Registry {
        final Class<?> metrics;
        final Object global;
        private final Class<?> registryType;
        private final Method counter;
        private final Method gauge;
        private final Set<String> namespaces = java.util.Collections.newSetFromMap(new java.util.HashMap<>());
        /** The meters registered, for {@link #removeAll()}. */
        private final List<Object> registered = new ArrayList<>();
        int meters;

        private Registry(Class<?> metrics, Object global, Class<?> registryType, Method counter, Method gauge) {
            this.metrics = metrics;
            this.global = global;
            this.registryType = registryType;
            this.counter = counter;
            this.gauge = gauge;
        }

        /** The Micrometer {@code loader} sees, or {@code null} if it sees none. */
        static Registry of(ClassLoader loader) {
            try {
                Class<?> metrics = Class.forName("io.micrometer.core.instrument.Metrics", true, loader);
                Class<?> registryType = Class.forName("io.micrometer.core.instrument.MeterRegistry", false, loader);
                Method counter = Class.forName("io.micrometer.core.instrument.FunctionCounter", false, loader)
                        .getMethod("builder", String.class, Object.class, ToDoubleFunction.class);
                Method gauge = Class.forName("io.micrometer.core.instrument.Gauge", false, loader)
                        .getMethod("builder", String.class, Object.class, ToDoubleFunction.class);
                return new Registry(metrics, metrics.getField("globalRegistry").get(null), registryType, counter,
                        gauge);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException absent) {
                return null;
            }
        }

        void removeAll() {
            for (Object meter : registered) {
                try {
                    for (Method remove : registryType.getMethods()) {
                        if (remove.getName().equals("remove") && remove.getParameterCount() == 1
                                && remove.getParameterTypes()[0].isInstance(meter)) {
                            remove.invoke(global, meter);
                            break;
                        }
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    LOG.debug("meter not removed from Micrometer: {}", e.toString());
                }
            }
            registered.clear();
        }

        void namespace(Namespace ns) throws ReflectiveOperationException {
            if (!namespaces.add(ns.name)) {
                return;
            }
            for (MeterTable.Family f : MeterTable.NAMESPACE) {
                for (MeterTable.Series series : f.series()) {
                    List<String> tags = new ArrayList<>(List.of("namespace", ns.name));
                    if (f.tag() != null) {
                        tags.add(f.tag());
                        tags.add(series.tagValue());
                    }
                    ToLongFunction<NamespaceStats> value = series.value();
                    ToDoubleFunction<Namespace> read = n -> value.applyAsLong(Snapshots.of(n));
                    register(f.counter() ? counter : gauge, f.dotted(), f.help(), tags, ns, read);
                }
            }
        }

        void runtimeGauges(TieredRuntime runtime) throws ReflectiveOperationException {
            List<String> none = List.of();
            register(gauge, "tiered.bus.connected", "1 while the invalidation bus is subscribed, else 0.", none,
                    runtime, r -> r.busConnected() ? 1 : 0);
            register(gauge, "tiered.cut.off", "1 while calls run uncached because the invalidation bus was lost "
                    + "for longer than tiered.l1.maxStaleness, else 0.", none, runtime, r -> r.cutOff() ? 1 : 0);
            register(gauge, "tiered.l2.breaker.open", "1 while the L2 breaker is open, else 0.", none, runtime,
                    r -> {
                        CircuitBreaker breaker = r.breaker();
                        return breaker != null && breaker.isOpen() ? 1 : 0;
                    });
            for (Health.State state : Health.State.values()) {
                register(gauge, "tiered.health", "1 for the JVM's health state, 0 for the others.",
                        List.of("state", state.label()), runtime, r -> r.health().state() == state ? 1 : 0);
            }
            register(gauge, "tiered.writes.refused", "1 while Redis refuses this JVM's writes, else 0.", none,
                    runtime, r -> r.writesRefused() != null ? 1 : 0);
        }

        private <T> void register(Method builderOf, String name, String help, List<String> tags, T object,
                                  ToDoubleFunction<T> value) throws ReflectiveOperationException {
            try {
                Object builder = builderOf.invoke(null, name, object, value);
                Class<?> type = builder.getClass();
                type.getMethod("tags", String[].class).invoke(builder, (Object) tags.toArray(String[]::new));
                type.getMethod("description", String.class).invoke(builder, help);
                registered.add(type.getMethod("register", registryType).invoke(builder, global));
                meters++;
            } catch (InvocationTargetException e) {
                throw new IllegalStateException(name + ": " + e.getCause(), e.getCause());
            }
        }
    }
}
