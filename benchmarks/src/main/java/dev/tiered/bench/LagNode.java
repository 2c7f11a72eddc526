package dev.tiered.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import dev.tiered.Invalidates;
import dev.tiered.Tier;
import dev.tiered.Tiered;
import dev.tiered.testkit.JvmProcess;

/**
 * Case 7: one of two JVMs started with the agent by {@link BenchmarkMain}. The writer bumps the namespace
 * {@code lag} a few thousand times, a millisecond apart; the reader, otherwise idle, reports the propagation lag
 * the agent measured for those bumps (from the writer's clock when it sent the bump, to their arrival here; both
 * JVMs run on one machine, so on one clock).
 *
 * <p>Commands on stdin, one reply each ({@link JvmProcess} protocol): {@code ready}, {@code bump <count>
 * <gapMicros>}, {@code lag}.
 */
public final class LagNode {
    private static final String NAMESPACE = "lag";

    private LagNode() {}

    @Tiered(ttl = "10m", tier = Tier.L1, namespace = NAMESPACE)
    static String read(String key) {
        return key;
    }

    @Invalidates(NAMESPACE)
    static void write() {
        // the write itself is not what is measured
    }

    public static void main(String[] args) throws Exception {
        read("warm"); // registers the namespace, so that its invalidations are received and measured
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName runtime = new ObjectName("dev.tiered:type=Runtime");
        ObjectName namespace = new ObjectName("dev.tiered:type=Namespace,name=" + NAMESPACE);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.trim().split(" ");
            String reply;
            switch (words[0]) {
                case "ready" -> reply = String.valueOf(server.isRegistered(runtime)
                        && (Boolean) server.getAttribute(runtime, "BusConnected"));
                case "bump" -> {
                    int count = Integer.parseInt(words[1]);
                    long gap = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(words[2]));
                    for (int i = 0; i < count; i++) {
                        write();
                        LockSupport.parkNanos(gap);
                    }
                    reply = "done";
                }
                case "lag" -> reply = server.getAttribute(namespace, "InvalidationsReceived") + " "
                        + server.getAttribute(namespace, "PropagationLagMillisP50") + " "
                        + server.getAttribute(namespace, "PropagationLagMillisP99") + " "
                        + server.getAttribute(namespace, "PropagationLagMillisMax");
                default -> reply = "unknown command " + line;
            }
            System.out.println(JvmProcess.REPLY + reply);
        }
    }
}
