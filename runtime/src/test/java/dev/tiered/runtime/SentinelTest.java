package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.Tier;
import dev.tiered.runtime.l2.KeyType;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisSentinels;
import dev.tiered.testkit.RedisServer;

/**
 * {@code redis-sentinel://}: runtimes find the master through three sentinels, share L2 and invalidations there,
 * and go on through a failover to the replica, the bus resubscribed on the new master and no read stale beyond the
 * bound; bumps wait for the replica, so that a failover never brings an old version back.
 */
@TestMethodOrder(OrderAnnotation.class) // the failovers last: they swap the roles
class SentinelTest {
    private static RedisSentinels sentinels;

    @RegisterExtension
    final RedisRuntimes runtimes = new RedisRuntimes("s");

    @BeforeAll
    static void start() {
        sentinels = RedisSentinels.start();
    }

    @AfterAll
    static void stop() {
        sentinels.close();
    }

    private static CachedMethod find(TieredRuntime runtime) throws RejectedException {
        CachedMethod m = runtime.register(Specs.keyed(Fixtures.Catalog.class, "find", "10m", Tier.L1_L2, "catalog",
                0));
        L2FuzzTest.awaitSynced(runtime, m, -1L);
        return m;
    }

    @Test
    @Order(1)
    void twoRuntimesShareL2AndInvalidationsThroughTheMasterTheSentinelsName() throws Exception {
        TieredRuntime ra = runtimes.start(sentinels.uri());
        TieredRuntime rb = runtimes.start(sentinels.uri());
        CachedMethod a = find(ra);
        CachedMethod b = find(rb);
        assertEquals("one", call(a, () -> "one", 1L));
        assertEquals("one", call(b, () -> "unexpected", 1L), "served from L2");
        assertEquals(1, b.stats.l2Hits.sum());
        ra.registerInvalidation(new InvalidationSpec("x.W", "update", List.of("long"), List.of("catalog"), List.of(0),
                KeyType.Scalar.LONG, false)).run(new Object[] {1L});
        Await.until("the other runtime to hear the write", RedisRuntimes.WAIT,
                () -> rb.stats("catalog").invalidationsReceived() == 1);
        assertEquals("new one", call(b, () -> "new one", 1L));
        assertEquals(0, ra.stats("catalog").l2Errors() + rb.stats("catalog").l2Errors(),
                "every bump was confirmed by the replica");
    }

    @Test
    @Order(2)
    void aMasterKilledUnderLoadIsFailedOverWithoutAnExceptionOrAStaleReadBeyondTheBound() throws Exception {
        Traffic load = new Traffic(runtimes, sentinels.uri(), true);
        RedisServer master = current();
        RedisServer replica = other(master);
        load.during(() -> sentinels.killMaster(master, replica), "the failover", r -> true, () -> {
            master.restart();
            follow(master, replica);
        });
        load.assertSurvived();
    }

    @Test
    @Order(3)
    void aGracefulFailoverUnderLoadLeavesNoExceptionAndNoStaleReadBeyondTheBound() throws Exception {
        Traffic load = new Traffic(runtimes, sentinels.uri(), true);
        RedisServer master = current();
        RedisServer replica = other(master);
        // until the old master follows, bumps on the new one go unconfirmed, pending, and writes slow down
        load.during(() -> {
            sentinels.failover(replica);
            follow(master, replica);
        }, "the failover", r -> true, () -> { });
        load.assertSurvived();
    }

    /**
     * Makes the old master a replica of the new one, and waits until it is in sync. The sentinels would too, but only
     * once it has claimed to be master for eight seconds or more.
     */
    private static void follow(RedisServer old, RedisServer master) {
        old.command("REPLICAOF", "127.0.0.1", Integer.toString(master.port()));
        Await.until("the old master to follow the new one, in sync", RedisRuntimes.WAIT,
                () -> ((String) master.command("INFO", "replication")).contains("state=online"));
    }

    private static RedisServer other(RedisServer server) {
        return server == sentinels.master() ? sentinels.replica() : sentinels.master();
    }

    /** The server the sentinels name master now. */
    private static RedisServer current() {
        int port = sentinels.masterPort(sentinels.sentinels().get(0));
        return sentinels.master().port() == port ? sentinels.master() : sentinels.replica();
    }
}
