package dev.tiered.sample;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The tiered agent's counters, read from the platform MBean server as any monitoring tool would: the service has
 * no compile-time link to the agent, and runs the same whether the agent is there or not.
 *
 * <p>The agent registers {@code dev.tiered:type=Runtime} shortly after start-up, and a
 * {@code dev.tiered:type=Namespace,name=<namespace>} the first time a namespace is used, both from a background
 * thread; until then they are simply absent from the report.
 */
final class CacheMetrics {
    /** The namespace counters reported, by their JMX attribute names; the last four should stay at zero. */
    static final List<String> COUNTERS = List.of("Version", "Calls", "L1Hits", "L2Hits", "Coalesced", "Loads",
            "Misses", "LoadFailures", "Uncached", "InvalidationsSent", "InvalidationsReceived", "L2Errors",
            "NotStored", "DecodeFailures", "Faults");

    private static final ObjectName RUNTIME = objectName("dev.tiered:type=Runtime");
    private static final ObjectName NAMESPACES = objectName("dev.tiered:type=Namespace,name=*");

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    /**
     * The members of the {@code /stats} object that describe the cache: {@code "agent":false} alone when the agent
     * is absent; otherwise its Redis, whether its invalidation bus is connected, and each namespace's counters.
     */
    String jsonMembers() {
        if (!server.isRegistered(RUNTIME)) {
            return "\"agent\":false";
        }
        StringBuilder json = new StringBuilder("\"agent\":true");
        try {
            json.append(",\"redis\":").append(Json.string(String.valueOf(server.getAttribute(RUNTIME, "Redis"))))
                    .append(",\"busConnected\":").append(server.getAttribute(RUNTIME, "BusConnected"));
        } catch (JMException e) {
            // unregistered in between: the agent is shutting down; its namespaces say the rest
        }
        json.append(",\"namespaces\":{");
        String separator = "";
        for (ObjectName namespace : namespaces()) {
            AttributeList values;
            try {
                values = server.getAttributes(namespace, COUNTERS.toArray(String[]::new));
            } catch (JMException e) {
                continue;
            }
            json.append(separator).append(Json.string(namespace.getKeyProperty("name"))).append(":{");
            String comma = "";
            for (Attribute value : values.asList()) {
                json.append(comma).append(Json.string(value.getName())).append(':').append(value.getValue());
                comma = ",";
            }
            json.append('}');
            separator = ",";
        }
        return json.append('}').toString();
    }

    private Set<ObjectName> namespaces() {
        return new TreeSet<>(server.queryNames(NAMESPACES, null));
    }

    private static ObjectName objectName(String name) {
        try {
            return new ObjectName(name);
        } catch (JMException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
