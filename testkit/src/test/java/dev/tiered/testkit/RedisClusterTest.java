package dev.tiered.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The harness's cluster is a real one: three masters with a replica each, and failovers, graceful or by SIGKILL,
 * that really move a master.
 */
class RedisClusterTest {
    @Test
    void sixNodesFormAClusterOfThreeMastersWithAReplicaEachAndFailoversMoveAMaster() {
        try (RedisCluster cluster = RedisCluster.start(3, 1)) {
            List<RedisServer> masters = cluster.masters();
            assertEquals(3, masters.size());
            String info = (String) masters.get(0).command("CLUSTER", "INFO");
            assertTrue(info.contains("cluster_known_nodes:6") && info.contains("cluster_size:3"), info);
            for (RedisServer master : masters) {
                assertEquals(1, cluster.replicasOf(master).size(), "port " + master.port());
            }
            assertTrue(cluster.uri().startsWith("redis-cluster://127.0.0.1:"), cluster.uri());

            RedisServer master = masters.get(0);
            RedisServer replica = cluster.replicasOf(master).get(0);
            cluster.failover(replica);
            assertTrue(cluster.masters().contains(replica));
            assertEquals(List.of(master), cluster.replicasOf(replica), "the old master follows the new one");

            RedisServer promoted = cluster.killMaster(replica);
            assertEquals(master, promoted, "its replica took over when it died");
            replica.restart();
            cluster.awaitHealthy();
            Await.until("the killed node to rejoin as a replica", Duration.ofSeconds(30),
                    () -> cluster.replicasOf(master).contains(replica));
        }
    }
}
