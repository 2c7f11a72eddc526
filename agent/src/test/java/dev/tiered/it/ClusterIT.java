package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisCluster;
import dev.tiered.testkit.RedisServer;

/**
 * Agent JVMs on {@code redis-cluster://}: the agent's own, isolated Jedis finds every master from the seeds, shares
 * L2 and invalidations over the cluster, and follows the slots of a master through {@code CLUSTER FAILOVER}.
 */
class ClusterIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();

    @Test
    void agentJvmsShareL2AndInvalidationsOverAClusterAndThroughAFailover() {
        RedisCluster cluster = jvms.own(RedisCluster.start(3, 1));
        List<JvmProcess> two = jvms.onRedis(2, "cluster", cluster.uri(), "cluster");
        JvmProcess a = two.get(0);
        JvmProcess b = two.get(1);
        for (int id = 30; id < 40; id++) {
            a.request("call update " + id + " old");
        }
        for (int id = 30; id < 40; id++) {
            assertEquals("ok old", a.request("call find " + id));
        }
        // written behind the calls, to the shards of the namespace, which spread over the masters
        Await.until("the ten entries in L2", WAIT, () -> cluster.masters().stream()
                .mapToInt(m -> ((List<?>) m.command("KEYS", "cluster:e:*.find(long):3?")).size()).sum() == 10);
        for (int id = 30; id < 40; id++) {
            assertEquals("ok old", b.request("call find " + id));
        }
        assertEquals("0", b.request("runs find"), "served from L2, from the master of each entry's slot");
        a.request("call update 30 new");
        Await.until("the other JVM to serve the new value", WAIT, () -> b.request("call find 30").equals("ok new"));

        for (RedisServer master : cluster.masters()) {
            cluster.failover(cluster.replicasOf(master).get(0));
        }
        for (int id = 30; id < 40; id++) {
            a.request("call update " + id + " after");
        }
        for (int id = 30; id < 40; id++) {
            int entity = id;
            Await.until("the other JVM to serve the value written after the failovers", WAIT,
                    () -> b.request("call find " + entity).equals("ok after"));
        }
        for (JvmProcess jvm : two) {
            assertEquals(List.of(), jvm.stderrMatching(l -> l.contains("Error") || l.contains("agent fault")),
                    jvm.transcript());
        }
    }
}
