package dev.tiered.runtime.observe;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.slf4j.Logger;

import dev.tiered.runtime.CachedMethod;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.stats.FaultReporter;

/**
 * What watches a running engine, attached to it from outside (the agent attaches it at start-up): MBeans for the
 * runtime, each namespace and each cached method; the Prometheus endpoint with {@code tiered.metrics.port}; the
 * application's Micrometer registry, if it has one; the log summary with {@code tiered.metrics.logInterval}.
 * Everything is registered on tiered's maintenance thread and unregistered when the engine closes.
 */
public final class Observation implements TieredRuntime.Observer {
    private static final Logger LOG = FaultReporter.LOG;

    private final TieredRuntime runtime;
    /** What is registered, by name; touched on the maintenance thread, and by {@link #close()} once it has stopped. */
    private final Map<ObjectName, Object> mbeans = new LinkedHashMap<>();
    /** The Prometheus endpoint, or {@code null} without {@code tiered.metrics.port}. */
    private final MetricsEndpoint metrics;
    /** The application's Micrometer registries, found through the loaders of its cached classes. */
    private final MicrometerMeters micrometer;
    /** The application's OpenTelemetry, found the same way. */
    private final OpenTelemetryMeters openTelemetry;
    /** Whether a retry of {@link #openTelemetry} is scheduled; touched on the maintenance thread only. */
    private boolean openTelemetryRetrying;

    private Observation(TieredRuntime runtime) {
        this.runtime = runtime;
        TieredConfig config = runtime.config();
        this.metrics = config.metricsPort() >= 0
                ? new MetricsEndpoint(runtime, config.metricsHost(), config.metricsPort()) : null;
        this.micrometer = new MicrometerMeters(runtime);
        this.openTelemetry = new OpenTelemetryMeters(runtime);
    }

    /** Attaches what the configuration asks for to {@code runtime}; returns at once. */
    public static Observation attach(TieredRuntime runtime) {
        Observation o = new Observation(runtime);
        runtime.maintenance().execute(() -> o.register("dev.tiered:type=Runtime", new DescribedMBean(
                new RuntimeView(runtime), TieredMXBean.class, RuntimeView.OPERATIONS), false));
        if (o.metrics != null) {
            runtime.maintenance().execute(o.metrics::start); // a daemon thread, which the server's thread inherits
        }
        if (runtime.config().metricsLogInterval() != null) {
            long every = runtime.config().metricsLogInterval().toNanos();
            runtime.maintenance().scheduleAtFixedRate(new MetricsLog(runtime), every, every, TimeUnit.NANOSECONDS);
        }
        runtime.observe(o);
        return o;
    }

    @Override
    public void namespaceAdded(Namespace ns) {
        register("dev.tiered:type=Namespace,name=" + ns.name, new DescribedMBean(new NamespaceView(
                runtime.operations(), ns, runtime::health, runtime::hitRatioTarget, runtime::loadTimeTarget),
                NamespaceMXBean.class, NamespaceView.OPERATIONS), false);
        micrometer.namespaceAdded(ns);
    }

    @Override
    public void methodAdded(CachedMethod method) {
        // a redeployed application's method has the name of the one it replaces, whose loader may not be gone yet
        MethodView view = new MethodView(method);
        ObjectName name = register(MethodView.objectName(method), view, true);
        if (name != null) {
            runtime.classLoaders().whenGone(method, () -> {
                try {
                    runtime.maintenance().execute(() -> unregister(name, view));
                } catch (RejectedExecutionException closed) {
                    // the runtime closed, and unregistered everything
                }
            });
        }
        micrometer.loaderSeen(method.classLoader());
        openTelemetry.loaderSeen(method.classLoader());
        if (!openTelemetryRetrying && openTelemetry.waiting()) {
            openTelemetryRetrying = true;
            retryOpenTelemetry();
        }
    }

    /** Looks again, every little while, at loaders whose OpenTelemetry has no global instance yet. */
    private void retryOpenTelemetry() {
        try {
            runtime.maintenance().schedule(() -> {
                if (openTelemetry.retry()) {
                    retryOpenTelemetry();
                } else {
                    openTelemetryRetrying = false;
                }
            }, OpenTelemetryMeters.RETRY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // the engine closed
        }
    }

    /** Unregisters the MBean of a method that is gone, unless a method of the same name took the name since. */
    private void unregister(ObjectName name, Object view) {
        if (mbeans.get(name) != view) {
            return;
        }
        mbeans.remove(name);
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (JMException | RuntimeException e) {
            LOG.debug("cannot unregister MBean {}: {}", name, e.toString());
        }
    }

    /** Where the Prometheus endpoint listens, or {@code null} when it does not (yet). */
    InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.address();
    }

    /**
     * Registers an MBean under {@code name}; returns the name, or {@code null} if nothing was registered. Told twice
     * of the same name (a namespace that came while this attached), the first stays, unless {@code replace}.
     */
    private ObjectName register(String name, Object mbean, boolean replace) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName objectName = new ObjectName(name);
            if (mbeans.containsKey(objectName) && !replace) {
                return null;
            }
            if (server.isRegistered(objectName)) {
                server.unregisterMBean(objectName); // a previous runtime in this JVM (tests): the latest wins
            }
            server.registerMBean(mbean, objectName);
            mbeans.put(objectName, mbean);
            return objectName;
        } catch (JMException | RuntimeException e) {
            LOG.debug("cannot register MBean {}: {}", name, e.toString());
            return null;
        }
    }

    /** Stops the endpoint and unregisters the MBeans. */
    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
        micrometer.close();
        openTelemetry.close();
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (ObjectName name : mbeans.keySet()) {
            try {
                server.unregisterMBean(name);
            } catch (JMException e) {
                // already replaced
            }
        }
    }
}
