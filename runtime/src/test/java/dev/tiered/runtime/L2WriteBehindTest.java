package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;

/** Results reach L2 behind the calls that computed them: batched, bounded, drained on close, never thrown. */
class L2WriteBehindTest {
    private static final Duration WAIT = RedisRuntimes.WAIT;
    private RedisRuntimes runtimes;
    private String prefix;

    @org.junit.jupiter.api.BeforeEach
    void prefix(TestInfo test) {
        runtimes = new RedisRuntimes("w", test);
        prefix = runtimes.prefix;
    }

    @AfterEach
    void stop() {
        runtimes.close();
    }

    private TieredRuntime runtime(RedisServer redis, String... settings) {
        return runtimes.start(redis, settings);
    }

    private int entries(RedisServer redis) {
        return ((List<?>) redis.command("KEYS", prefix + ":e:*")).size();
    }

    private static Redis.Store store(String prefix, int i) {
        return new Redis.Store(prefix + ":e:x:" + i, new byte[100], 60_000, prefix + ":l:x:" + i, "");
    }

    @Test
    void aFullQueueKeepsResultsInL1OnlyAndCountsThem() throws Exception {
        RedisServer redis = RedisServer.start();
        runtimes.own(redis);
        TieredRuntime runtime = runtime(redis, "tiered.l2.writeBehindBytes", "150", "tiered.redis.timeout", "5s");
        CachedMethod method = runtime.register(Fixtures.spec("find", "10m"));
        redis.freeze(); // the first write is taken and waits on Redis; nothing queued behind it is taken
        try {
            runtime.writeL2(store(prefix, 1), method); // alone over the bound: accepted, never starved
            runtime.writeL2(store(prefix, 2), method); // 200 bytes waiting > 150: kept out of L2
            assertEquals(1, method.stats.notStored.sum());
            assertFalse(runtime.awaitL2Writes(Duration.ofMillis(100)), "the first write waits for Redis");
        } finally {
            redis.thaw();
        }
        assertTrue(runtime.awaitL2Writes(WAIT));
        assertEquals(List.of(prefix + ":e:x:1"), redis.command("KEYS", prefix + ":e:*"));
        assertEquals(0, method.stats.l2Errors.sum());
    }

    @Test
    void closingTheRuntimeLandsWhatIsQueued() throws Exception {
        RedisServer redis = RedisServer.shared();
        TieredRuntime runtime = runtime(redis);
        CachedMethod method = runtime.register(Fixtures.spec("find", "10m"));
        for (int i = 0; i < 2000; i++) {
            runtime.writeL2(store(prefix, i), method);
        }
        runtime.close();
        assertEquals(2000, entries(redis));
        assertEquals(0, method.stats.notStored.sum() + method.stats.l2Errors.sum());
    }

    @Test
    void writesSurviveRedisForgettingTheScript() throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod method = runtime(redis).register(Fixtures.spec("find", "10m"));
        call(method, () -> "one", 1L);
        redis.command("SCRIPT", "FLUSH"); // as after a restart or failover
        call(method, () -> "two", 2L);
        assertEquals(2, entries(redis));
        assertEquals(0, method.stats.l2Errors.sum());
    }

    @Test
    void writesThatFailAreCountedAndLaterOnesLand() throws Exception {
        RedisServer redis = RedisServer.start();
        runtimes.own(redis);
        TieredRuntime runtime = runtime(redis);
        CachedMethod method = runtime.register(Fixtures.spec("find", "10m"));
        redis.stop();
        runtime.writeL2(store(prefix, 1), method);
        assertTrue(runtime.awaitL2Writes(WAIT));
        assertEquals(1, method.stats.l2Errors.sum());
        redis.restart();
        runtime.writeL2(store(prefix, 2), method);
        assertTrue(runtime.awaitL2Writes(WAIT));
        assertEquals(List.of(prefix + ":e:x:2"), redis.command("KEYS", prefix + ":e:*"));
    }

    @Test
    void withWriteBehindOffTheCallWritesItself() throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod method = runtime(redis, "tiered.l2.writeBehindBytes", "0").register(Fixtures.spec("find", "10m"));
        Object outcome = method.begin1(1L);
        ((Load) outcome).complete("computed");
        assertEquals(1, entries(redis), "written before the call returned");
    }
}
