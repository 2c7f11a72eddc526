package dev.tiered.runtime.observe;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
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
    /** Touched on the maintenance thread, and by {@link #close()} once it has stopped. */
    private final List<ObjectName> mbeans = new ArrayList<>();
    /** The Prometheus endpoint, or {@code null} without {@code tiered.metrics.port}. */
    private final MetricsEndpoint metrics;
    /** The application's Micrometer registries, found through the loaders of its cached classes. */
    private final MicrometerMeters micrometer;

    private Observation(TieredRuntime runtime) {
        this.runtime = runtime;
        TieredConfig config = runtime.config();
        this.metrics = config.metricsPort() >= 0
                ? new MetricsEndpoint(runtime, config.metricsHost(), config.metricsPort()) : null;
        this.micrometer = new MicrometerMeters(runtime);
    }

    /** Attaches what the configuration asks for to {@code runtime}; returns at once. */
    public static Observation attach(TieredRuntime runtime) {
        Observation o = new Observation(runtime);
        runtime.maintenance().execute(() -> o.register("dev.tiered:type=Runtime", new RuntimeView(runtime)));
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
        register("dev.tiered:type=Namespace,name=" + ns.name, new NamespaceView(runtime.operations(), ns));
        micrometer.namespaceAdded(ns);
    }

    @Override
    public void methodAdded(CachedMethod method) {
        register(MethodView.objectName(method), new MethodView(method));
        micrometer.loaderSeen(method.classLoader());
    }

    /** Where the Prometheus endpoint listens, or {@code null} when it does not (yet). */
    InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.address();
    }

    private void register(String name, Object mbean) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName objectName = new ObjectName(name);
            if (mbeans.contains(objectName)) {
                return; // told twice: a namespace that came while this attached
            }
            if (server.isRegistered(objectName)) {
                server.unregisterMBean(objectName); // a previous runtime in this JVM (tests): the latest wins
            }
            server.registerMBean(mbean, objectName);
            mbeans.add(objectName);
        } catch (JMException | RuntimeException e) {
            LOG.debug("cannot register MBean {}: {}", name, e.toString());
        }
    }

    /** Stops the endpoint and unregisters the MBeans. */
    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
        micrometer.close();
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (ObjectName name : mbeans) {
            try {
                server.unregisterMBean(name);
            } catch (JMException e) {
                // already replaced
            }
        }
    }
}
