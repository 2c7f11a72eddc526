package dev.tiered.runtime.observe;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

import org.slf4j.Logger;

import dev.tiered.runtime.Health;
import dev.tiered.runtime.Snapshots;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.NamespaceStats;

/**
 * tiered's metrics through the application's OpenTelemetry API, when its classes see one with a global instance
 * set (by its SDK, its Spring Boot starter, or the OpenTelemetry Java agent): every family of {@link MeterTable}
 * as an asynchronous counter or gauge of the meter {@code dev.tiered}, named with dots ({@code tiered.calls},
 * {@code tiered.l1.entries}), with OpenTelemetry units and the attribute {@code tiered.namespace} (and
 * {@code tiered.tier}, {@code tiered.result}, {@code tiered.direction} or {@code tiered.cause} where the family
 * splits), and the JVM's health as {@code tiered.health} with {@code tiered.state}. The API is found by name and
 * called by reflection: no compile-time dependency, and nothing when the application has none. It never calls
 * {@code GlobalOpenTelemetry.get()}, which would fix a no-op instance for good: until the application sets its
 * own ({@code isSet()}), it looks again every {@link #RETRY_MILLIS}. Touched on tiered's maintenance thread only,
 * except the callbacks, which the application's SDK runs when it collects.
 */
final class OpenTelemetryMeters {
    static final long RETRY_MILLIS = 10_000;
    private static final Logger LOG = FaultReporter.LOG;
    /** How long one collection's snapshots are reused by the other instruments of the same collection. */
    private static final long SNAPSHOT_NANOS = 500_000_000L;

    private final TieredRuntime runtime;
    /** Loaders looked at: {@code true} once bound or without an API, {@code false} while waiting for a global. */
    private final Map<ClassLoader, Boolean> seen = new WeakHashMap<>();
    /** The instruments registered, to close with the engine. */
    private final List<AutoCloseable> instruments = new ArrayList<>();
    /** The {@code GlobalOpenTelemetry} classes already bound, so that one API seen by two loaders is bound once. */
    private final List<Class<?>> bound = new ArrayList<>();
    private Map<String, NamespaceStats> snapshots = Map.of();
    private long snapshotsAt;

    OpenTelemetryMeters(TieredRuntime runtime) {
        this.runtime = runtime;
    }

    /** A class of the application with cached methods was loaded by {@code loader}: bind its OpenTelemetry. */
    void loaderSeen(ClassLoader loader) {
        if (loader == null || seen.containsKey(loader)) {
            return;
        }
        seen.put(loader, tryBind(loader));
    }

    /** Whether a loader's OpenTelemetry has no global instance yet: {@link #retry()} has work to do. */
    boolean waiting() {
        return seen.containsValue(Boolean.FALSE);
    }

    /** Tries again the loaders whose OpenTelemetry had no global instance yet; whether any is still waiting. */
    boolean retry() {
        boolean waiting = false;
        for (Map.Entry<ClassLoader, Boolean> e : seen.entrySet()) {
            if (!e.getValue()) {
                e.setValue(tryBind(e.getKey()));
                waiting |= !e.getValue();
            }
        }
        return waiting;
    }

    /** Whether {@code loader} is done with: bound, or without an OpenTelemetry API. */
    private boolean tryBind(ClassLoader loader) {
        Class<?> global;
        try {
            global = Class.forName("io.opentelemetry.api.GlobalOpenTelemetry", false, loader);
        } catch (ClassNotFoundException | LinkageError absent) {
            return true;
        }
        if (bound.contains(global)) {
            return true;
        }
        try {
            Method isSet;
            try {
                isSet = global.getMethod("isSet");
            } catch (NoSuchMethodException old) {
                LOG.info("metrics not published through the application's OpenTelemetry: its API predates "
                        + "GlobalOpenTelemetry.isSet() (1.52), without which tiered would fix a no-op instance");
                return true;
            }
            if (!(boolean) isSet.invoke(null)) {
                return false;
            }
            Object meter = global.getMethod("getMeter", String.class).invoke(null, "dev.tiered");
            int count = register(new Api(loader), meter);
            bound.add(global);
            LOG.info("metrics also published through the application's OpenTelemetry ({} instruments of meter "
                    + "dev.tiered)", count);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.warn("metrics not published through the application's OpenTelemetry: {}", e.toString());
        }
        return true;
    }

    private int register(Api api, Object meter) throws ReflectiveOperationException {
        int count = 0;
        for (MeterTable.Family f : MeterTable.NAMESPACE) {
            String name = f.dotted();
            String tag = f.tag() == null ? null : "tiered." + f.tag();
            Consumer<Object> callback = measurement -> {
                for (Map.Entry<String, NamespaceStats> e : snapshots().entrySet()) {
                    for (MeterTable.Series series : f.series()) {
                        api.record(measurement, series.value().applyAsLong(e.getValue()), e.getKey(), tag,
                                series.tagValue());
                    }
                }
            };
            instruments.add(api.instrument(meter, f.counter(), name, f.help(), unit(f.name()), callback));
            count++;
        }
        ToLongFunction<Health.State> health = state -> runtime.health().state() == state ? 1 : 0;
        instruments.add(api.instrument(meter, false, "tiered.health", "1 for the JVM's health state (caching, "
                + "degraded, uncached), 0 for the others.", "1", measurement -> {
                    for (Health.State state : Health.State.values()) {
                        api.recordState(measurement, health.applyAsLong(state), state.label());
                    }
                }));
        return count + 1;
    }

    /** One collection reads every instrument at once: the namespaces' snapshots are taken once for all of them. */
    private synchronized Map<String, NamespaceStats> snapshots() {
        long now = System.nanoTime();
        if (now - snapshotsAt > SNAPSHOT_NANOS) {
            Map<String, NamespaceStats> fresh = new HashMap<>();
            for (Namespace ns : runtime.namespacesInUse()) {
                fresh.put(ns.name, Snapshots.of(ns));
            }
            snapshots = fresh;
            snapshotsAt = now;
        }
        return snapshots;
    }

    /** The OpenTelemetry unit of a family (UCUM, with annotations in braces for counts). */
    static String unit(String family) {
        return switch (family) {
            case "tiered_l1_estimated_bytes" -> "By";
            case "tiered_l1_entries", "tiered_l1_max_entries", "tiered_evictions", "tiered_stale_drops" -> "{entry}";
            case "tiered_invalidations" -> "{invalidation}";
            case "tiered_loads", "tiered_refreshes" -> "{load}";
            case "tiered_l2_errors", "tiered_l2_timeouts", "tiered_decode_failures", "tiered_not_stored",
                 "tiered_faults" -> "{error}";
            case "tiered_namespace_version" -> "1";
            default -> "{call}";
        };
    }

    /** Closes every instrument: the application's SDK stops calling tiered. */
    void close() {
        for (AutoCloseable instrument : instruments) {
            try {
                instrument.close();
            } catch (Exception e) {
                LOG.debug("OpenTelemetry instrument not closed: {}", e.toString());
            }
        }
        instruments.clear();
    }

    /** The reflective handles of one OpenTelemetry API. */
    private static final class Api {
        private final Method counterBuilder;
        private final Method gaugeBuilder;
        private final Method record;
        private final Method stringKey;
        private final Method of1;
        private final Method of2;
        private final Object namespaceKey;
        private final Object stateKey;
        private final Map<String, Object> keys = new HashMap<>();

        Api(ClassLoader loader) throws ReflectiveOperationException {
            Class<?> meter = Class.forName("io.opentelemetry.api.metrics.Meter", false, loader);
            counterBuilder = meter.getMethod("counterBuilder", String.class);
            gaugeBuilder = meter.getMethod("gaugeBuilder", String.class);
            Class<?> attributes = Class.forName("io.opentelemetry.api.common.Attributes", false, loader);
            Class<?> key = Class.forName("io.opentelemetry.api.common.AttributeKey", false, loader);
            record = Class.forName("io.opentelemetry.api.metrics.ObservableLongMeasurement", false, loader)
                    .getMethod("record", long.class, attributes);
            stringKey = key.getMethod("stringKey", String.class);
            of1 = attributes.getMethod("of", key, Object.class);
            of2 = attributes.getMethod("of", key, Object.class, key, Object.class);
            namespaceKey = stringKey.invoke(null, "tiered.namespace");
            stateKey = stringKey.invoke(null, "tiered.state");
        }

        /** An asynchronous counter or gauge of longs, its callback handed each collection's measurement. */
        AutoCloseable instrument(Object meter, boolean counter, String name, String description, String unit,
                                 Consumer<Object> callback) throws ReflectiveOperationException {
            Object builder = (counter ? counterBuilder : gaugeBuilder).invoke(meter, name);
            builder = invoke(builder, "setDescription", description);
            builder = invoke(builder, "setUnit", unit);
            if (!counter) {
                builder = publicMethod(builder.getClass(), "ofLongs").invoke(builder);
            }
            Method build = publicMethod(builder.getClass(), "buildWithCallback", Consumer.class);
            Object instrument = build.invoke(builder, callback);
            return instrument instanceof AutoCloseable c ? c : () -> { };
        }

        private static Object invoke(Object target, String method, String argument)
                throws ReflectiveOperationException {
            return publicMethod(target.getClass(), method, String.class).invoke(target, argument);
        }

        /** The method as its public interface declares it: the SDK's classes themselves may not be public. */
        private static Method publicMethod(Class<?> type, String name, Class<?>... parameters)
                throws NoSuchMethodException {
            for (Class<?> face : type.getInterfaces()) {
                try {
                    return face.getMethod(name, parameters);
                } catch (NoSuchMethodException next) {
                    // another interface
                }
            }
            Method m = type.getMethod(name, parameters);
            m.setAccessible(true);
            return m;
        }

        void record(Object measurement, long value, String namespace, String tag, String tagValue) {
            try {
                Object attributes = tag == null ? of1.invoke(null, namespaceKey, namespace)
                        : of2.invoke(null, namespaceKey, namespace, key(tag), tagValue);
                record.invoke(measurement, value, attributes);
            } catch (ReflectiveOperationException e) {
                LOG.debug("OpenTelemetry measurement not recorded: {}", e.toString());
            }
        }

        void recordState(Object measurement, long value, String state) {
            try {
                record.invoke(measurement, value, of1.invoke(null, stateKey, state));
            } catch (ReflectiveOperationException e) {
                LOG.debug("OpenTelemetry measurement not recorded: {}", e.toString());
            }
        }

        private synchronized Object key(String name) throws ReflectiveOperationException {
            Object k = keys.get(name);
            if (k == null) {
                k = stringKey.invoke(null, name);
                keys.put(name, k);
            }
            return k;
        }
    }
}
