package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static dev.tiered.runtime.Fixtures.serve;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import redis.clients.jedis.util.JedisClusterCRC16;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisCluster;
import dev.tiered.testkit.RedisServer;

/**
 * {@code redis-cluster://}: runtimes find every master from seed nodes, spread a namespace's entries and versions
 * over all of them, hear invalidations published on any node, follow {@code MOVED}, and go on through
 * a master's failover (graceful and {@code kill -9}) under load with no exception and no read stale beyond the bound.
 * One cluster of three masters with a replica each serves every test; the failovers come last.
 */
@TestMethodOrder(OrderAnnotation.class)
class ClusterTest {
    private static RedisCluster cluster;

    @RegisterExtension
    final RedisRuntimes runtimes = new RedisRuntimes("c");

    @BeforeAll
    static void start() {
        cluster = RedisCluster.start(3, 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private long entriesOn(RedisServer master) {
        return ((List<?>) master.command("KEYS", runtimes.prefix() + ":e:*")).size();
    }

    @Test
    @Order(1)
    void twoRuntimesShareL2AndInvalidationsWithEntriesSpreadOverEveryMaster() throws Exception {
        // a replica's confirmation is awaited half tiered.redis.timeout: the tests' 250 ms leave a busy CI machine
        // 125 ms, which a healthy replica can miss (the bump is then sent again, counted as an L2 error)
        TieredRuntime ra = runtimes.start(cluster.uri(), "tiered.redis.timeout", "2s");
        TieredRuntime rb = runtimes.start(cluster.uri(), "tiered.redis.timeout", "2s");
        CachedMethod a = RedisRuntimes.find(ra);
        CachedMethod b = RedisRuntimes.find(rb);
        for (long id = 0; id < 30; id++) {
            String value = "v" + id;
            assertEquals(value, call(a, () -> value, id));
        }
        for (long id = 0; id < 30; id++) {
            assertEquals("v" + id, call(b, () -> "unexpected", id), "served from L2");
        }
        assertEquals(30, b.stats.l2Hits.sum());
        for (RedisServer master : cluster.masters()) {
            assertTrue(entriesOn(master) > 0, "entities spread over the masters: none on port " + master.port());
        }
        RedisRuntimes.update(ra).run(new Object[] {1L});
        Await.until("the other runtime to hear the write", RedisRuntimes.WAIT,
                () -> rb.stats("catalog").invalidationsReceived() == 1);
        assertEquals("new one", call(b, () -> "new one", 1L));
        assertEquals("v2", call(b, () -> "unexpected", 2L), "other entities stay cached");
        assertEquals(0, ra.stats("catalog").l2Errors() + rb.stats("catalog").l2Errors(),
                "every bump was confirmed by a replica");
    }

    @Test
    @Order(2)
    void entriesOfAMethodWithoutAnEntityKeySpreadOverEveryMasterAndAKeyedWriteReachesThemAll() throws Exception {
        TieredRuntime ra = runtimes.start(cluster.uri());
        TieredRuntime rb = runtimes.start(cluster.uri());
        CachedMethod a = ra.register(Fixtures.spec("find", "10m"));
        CachedMethod b = rb.register(Fixtures.spec("find", "10m"));
        L2FuzzTest.awaitSynced(ra, a, -1L);
        L2FuzzTest.awaitSynced(rb, b, -1L);
        for (long id = 0; id < 40; id++) {
            String value = "v" + id;
            assertEquals(value, call(a, () -> value, id));
        }
        for (RedisServer master : cluster.masters()) {
            assertTrue(entriesOn(master) > 0, "the namespace's shards spread over the masters: none on port "
                    + master.port());
        }
        for (long id = 0; id < 40; id++) {
            assertEquals("v" + id, call(b, () -> "unexpected", id), "served from L2");
        }
        // a keyed write: entries of a method without an entity key may depend on entity 7
        RedisRuntimes.update(ra).run(new Object[] {7L});
        Await.until("the other runtime to hear the write", RedisRuntimes.WAIT,
                () -> rb.stats("catalog").invalidationsReceived() == 1);
        for (long id = 0; id < 40; id++) {
            String fresh = "fresh " + id;
            assertEquals(fresh, call(b, () -> fresh, id), "every shard was bumped");
        }
    }

    @Test
    @Order(3)
    void noCallWaitsForSeedNodesThatDoNotAnswer() throws Exception {
        runtimes.assertNoCallWaitsForSilence("redis-cluster://127.0.0.1:%d");
    }

    @Test
    @Order(4)
    void aSlotMigratedToAnotherMasterIsFollowedThroughMovedAndNoCallFailsMidMigration() throws Exception {
        // a replica's confirmation is awaited half tiered.redis.timeout: the tests' 250 ms leave a busy CI machine
        // 125 ms, which a healthy replica can miss (the bump is then sent again, counted as an L2 error)
        TieredRuntime ra = runtimes.start(cluster.uri(), "tiered.redis.timeout", "2s");
        TieredRuntime rb = runtimes.start(cluster.uri(), "tiered.redis.timeout", "2s");
        CachedMethod a = RedisRuntimes.find(ra);
        CachedMethod b = RedisRuntimes.find(rb);
        assertEquals("nine", call(a, () -> "nine", 9L));
        int slot = JedisClusterCRC16.getSlot("catalog:9"); // the hash tag of entity 9: {catalog:9}
        RedisServer source = cluster.masterOf(slot);
        RedisServer target = cluster.masters().stream().filter(m -> m != source).findFirst().orElseThrow();
        // mid-migration, as redis-cli --cluster reshard leaves a slot: its keys moved, the slot still the source's
        cluster.beginMigration(slot, source, target);
        try {
            // the source answers ASK; the target, TRYAGAIN to a script whose keys are not all there (no lease)
            assertEquals("computed", serve(b, () -> "computed", 9L), "L2 failed, the method ran");
            assertEquals(1, b.stats.l2Errors.sum());
        } finally {
            cluster.endMigration(slot, target);
        }
        b.clearL1();
        assertEquals("nine", call(b, () -> "unexpected", 9L), "served from L2 on the target, through MOVED");
        RedisRuntimes.update(ra).run(new Object[] {9L});
        Await.until("the other runtime to hear the write", RedisRuntimes.WAIT,
                () -> rb.stats("catalog").invalidationsReceived() == 1);
        assertEquals("ten", call(b, () -> "ten", 9L));
        assertEquals(1, b.stats.l2Hits.sum());
        assertEquals(1, b.stats.l2Errors.sum());
        assertEquals(0, ra.stats("catalog").l2Errors());
    }

    @Test
    @Order(5)
    void aBumpNoReplicaConfirmedStaysPendingAndIsSentAgainUntilOneDoes() throws Exception {
        TieredRuntime writer = runtimes.start(cluster.uri());
        RedisRuntimes.find(writer);
        RedisServer master = cluster.masterOf(JedisClusterCRC16.getSlot("catalog:3"));
        RedisServer replica = cluster.replicasOf(master).get(0);
        replica.freeze(); // for less than cluster-node-timeout: nobody fails it over
        try {
            RedisRuntimes.update(writer).run(new Object[] {3L});
            assertTrue(writer.stats("catalog").l2Errors() > 0, "the master took the bump, no replica confirmed it");
            assertEquals(1, writer.pendingNamespaces(), "kept, to send again: a failover to the replica would lose it");
        } finally {
            replica.thaw();
        }
        Await.until("the bump sent again and confirmed", RedisRuntimes.WAIT, () -> writer.pendingNamespaces() == 0);
    }

    @Test
    @Order(6)
    void aMasterKilledUnderLoadIsFailedOverWithoutAnExceptionOrAStaleReadBeyondTheBound() throws Exception {
        Traffic load = new Traffic(runtimes, cluster.uri(), true);
        RedisServer master = cluster.masters().get(0);
        load.during(() -> cluster.killMaster(master), "the failover", r -> true, () -> {
            master.restart(); // it rejoins as a replica of the one promoted
            cluster.awaitHealthy();
        });
        load.assertSurvived();
    }

    @Test
    @Order(7)
    void aGracefulFailoverUnderLoadLeavesNoExceptionAndNoStaleReadBeyondTheBound() throws Exception {
        Traffic load = new Traffic(runtimes, cluster.uri(), false);
        RedisServer master = cluster.masters().get(1);
        RedisServer replica = cluster.replicasOf(master).get(0);
        load.during(() -> cluster.failover(replica), "the failover", r -> true, () -> { });
        load.assertSurvived();
    }
}
