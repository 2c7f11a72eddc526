package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

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

    @Test
    @Order(1)
    void twoRuntimesShareL2AndInvalidationsThroughTheMasterTheSentinelsName() throws Exception {
        // a replica's confirmation is awaited half tiered.redis.timeout: the tests' 250 ms leave a busy CI machine
        // 125 ms, which a healthy replica can miss (the bump is then sent again, counted as an L2 error)
        TieredRuntime ra = runtimes.start(sentinels.uri(), "tiered.redis.timeout", "2s");
        TieredRuntime rb = runtimes.start(sentinels.uri(), "tiered.redis.timeout", "2s");
        CachedMethod a = RedisRuntimes.find(ra);
        CachedMethod b = RedisRuntimes.find(rb);
        assertEquals("one", call(a, () -> "one", 1L));
        assertEquals("one", call(b, () -> "unexpected", 1L), "served from L2");
        assertEquals(1, b.stats.l2Hits.sum());
        RedisRuntimes.update(ra).run(new Object[] {1L});
        Await.until("the other runtime to hear the write", RedisRuntimes.WAIT,
                () -> rb.stats("catalog").invalidationsReceived() == 1);
        assertEquals("new one", call(b, () -> "new one", 1L));
        assertEquals(0, ra.stats("catalog").l2Errors() + rb.stats("catalog").l2Errors(),
                "every bump was confirmed by the replica");
    }

    @Test
    @Order(2)
    void noCallWaitsForSentinelsThatDoNotAnswer() throws Exception {
        runtimes.assertNoCallWaitsForSilence("redis-sentinel://127.0.0.1:%d/" + RedisSentinels.MASTER_NAME);
    }

    @Test
    @Order(3)
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
    @Order(4)
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

    @Test
    @Order(6)
    void connectionsFollowTheMasterTheSentinelsNameEvenWithoutAnAnnouncement() throws Exception {
        TieredRuntime runtime = runtimes.start(sentinels.uri());
        CachedMethod m = RedisRuntimes.find(runtime);
        RedisServer master = current();
        RedisServer other = other(master);
        // the sentinels forget the master and watch the other server: no +switch-master, as for a listener that
        // was reconnecting when it was announced
        other.command("REPLICAOF", "NO", "ONE");
        for (RedisServer sentinel : sentinels.sentinels()) {
            sentinel.command("SENTINEL", "REMOVE", RedisSentinels.MASTER_NAME);
            sentinel.command("SENTINEL", "MONITOR", RedisSentinels.MASTER_NAME, "127.0.0.1",
                    Integer.toString(other.port()), "2");
        }
        long[] arg = {100};
        Await.until("tiered's pooled connections on the server the sentinels name now, and only there", RedisRuntimes.WAIT, () -> {
            try {
                call(m, () -> "v", arg[0]++); // a miss, whose result is written to L2
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return sentinels.sentinels().stream().allMatch(sentinel -> sentinels.masterPort(sentinel) == other.port())
                    && ((String) other.command("CLIENT", "LIST")).contains("name=tiered ")
                    && !((String) master.command("CLIENT", "LIST")).contains("name=tiered ");
        });
    }

    @Test
    @Order(5)
    void aBumpTheReplicaNeverGotIsSentAgainToItOnceItIsPromoted() throws Exception {
        TieredRuntime writer = runtimes.start(sentinels.uri());
        TieredRuntime reader = runtimes.start(sentinels.uri());
        CachedMethod find = RedisRuntimes.find(reader);
        RedisRuntimes.find(writer);
        assertEquals("old", call(find, () -> "old", 7L));
        RedisServer master = current();
        RedisServer replica = other(master);
        master.command("WAIT", "1", "5000"); // the replica has the entry and its version
        // the replica stops copying the master (it follows a server that is not there), and nothing can bring the
        // write's bump to it any more: the master takes it, the replica never confirms it
        replica.command("REPLICAOF", "127.0.0.1", "1");
        RedisRuntimes.update(writer).run(new Object[] {7L});
        assertTrue(writer.stats("catalog").l2Errors() > 0, "the bump was not confirmed");
        master.kill();
        replica.command("REPLICAOF", "NO", "ONE"); // as the sentinels would promote it, without waiting for them
        sentinels.awaitPromoted(replica);
        // the promoted replica holds the entry and the version from before the write: only the bump sent again
        // makes the entry stale
        Await.until("the reader to stop serving the value from before the write", RedisRuntimes.WAIT, () -> {
            try {
                return "new".equals(call(find, () -> "new", 7L));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        master.restart();
        follow(master, replica);
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
