package dev.tiered.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.runtime.l2.L2Errors;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;

/**
 * Redis dies, stalls or answers slowly while two runtimes (two JVMs that share nothing but Redis) serve a concurrent
 * load of cached calls and writes. Each scenario asserts that no call saw an exception, that none waited on Redis
 * longer than the configured bound, that no read returned a value older than a write it must see, that the circuit
 * breaker opened, and that L2 serves again within 2 s of Redis recovering.
 */
class ChaosTest {
    @RegisterExtension
    final RedisRuntimes runtimes = new RedisRuntimes("c");

    @Test
    void redisKilledMidRunAndRestartedOnTheSamePort() throws Exception {
        RedisServer redis = runtimes.own(RedisServer.start());
        Traffic load = new Traffic(runtimes, redis.uri(), false);
        load.during(redis::kill, redis::restart);
        load.assertSurvived();
    }

    @Test
    void aTimeoutIsToldFromOtherFailures() {
        assertTrue(L2Errors.timedOut(new redis.clients.jedis.exceptions.JedisConnectionException(
                new java.net.SocketTimeoutException("Read timed out"))));
        assertTrue(L2Errors.timedOut(new redis.clients.jedis.exceptions.JedisException(
                "Could not get a resource from the pool", new java.util.NoSuchElementException("Timeout waiting"))));
        assertFalse(L2Errors.timedOut(new redis.clients.jedis.exceptions.JedisConnectionException(
                new java.net.ConnectException("Connection refused"))));
        assertFalse(L2Errors.timedOut(new redis.clients.jedis.exceptions.JedisDataException("WRONGPASS")));
    }

    @Test
    void redisAnsweringSlowly() throws Exception {
        RedisServer redis = runtimes.own(debuggable());
        Traffic load = new Traffic(runtimes, redis.uri(), false);
        AtomicBoolean slow = new AtomicBoolean(true);
        Thread sleeper = new Thread(() -> {
            while (slow.get()) {
                redis.command("DEBUG", "SLEEP", "0.3"); // each command waits behind it: replies 0 to 300 ms late
            }
        }, "debug-sleep");
        load.during(sleeper::start, () -> {
            slow.set(false);
            join(sleeper);
        });
        load.assertSurvived();
    }

    @Test
    void redisAcceptingConnectionsButAnsweringNothing() throws Exception {
        RedisServer redis = runtimes.own(RedisServer.start());
        Traffic load = new Traffic(runtimes, redis.uri(), false);
        load.during(redis::freeze, redis::thaw); // SIGSTOP: the kernel still accepts, nobody reads
        load.assertSurvived();
        assertTrue(load.runtime[0].stats("catalog").l2Timeouts() + load.runtime[1].stats("catalog").l2Timeouts() > 0,
                "a server that answers nothing is counted as timing out");
    }

    @Test
    void redisRestartedEmptyNeverBringsBackAnOldVersion() throws Exception {
        RedisServer redis = runtimes.own(RedisServer.start());
        Traffic load = new Traffic(runtimes, redis.uri(), false);
        String versionKey = runtimes.prefix() + ":v:{catalog}";
        Await.until("a version in Redis", RedisRuntimes.WAIT, () -> redis.command("GET", versionKey) != null);
        long before = Long.parseLong((String) redis.command("GET", versionKey));
        load.during(redis::stop, redis::restart); // stopped until the circuits open, then started empty
        long after = Long.parseLong((String) Await.value("a version in Redis again", RedisRuntimes.WAIT,
                () -> redis.command("GET", versionKey)));
        assertTrue(after > before, "versions never go back: " + before + " before the restart, " + after + " after");
        load.assertSurvived();
    }

    @Test
    void redisRefusingWritesWhileServingReadsAndPubSub() throws Exception {
        RedisServer redis = runtimes.own(RedisServer.start());
        Traffic load = new Traffic(runtimes, redis.uri(), false);
        load.during(() -> redis.command("CONFIG", "SET", "min-replicas-to-write", "1"), "writes refused",
                r -> r.writesRefused() != null, () -> redis.command("CONFIG", "SET", "min-replicas-to-write", "0"));
        load.assertSurvived();
        assertTrue(load.runtime[0].writeRefusals() + load.runtime[1].writeRefusals() > 0);
    }

    @Test
    void redisEvictingKeysUnderMaxmemory() throws Exception {
        RedisServer redis = runtimes.own(RedisServer.start("--maxmemory-policy", "allkeys-random"));
        // other keys, 300 kB of them, so that Redis always has something to evict under the bound below, and never
        // refuses writes instead (which another test covers) when tiered's own keys alone do not reach it
        redis.command("EVAL", "for i = 1, 1500 do redis.call('SET', 'other:' .. i, string.rep('x', 200)) end", "0");
        Traffic load = new Traffic(runtimes, redis.uri(), true); // keyed writes: entity versions among what Redis evicts
        long used = Long.parseLong(info(redis, "memory", "used_memory"));
        // a bound under what Redis holds: every write it takes makes it evict, versions and entries among the rest
        load.during(() -> redis.command("CONFIG", "SET", "maxmemory", Long.toString(used - (100 << 10))),
                "evictions", r -> Long.parseLong(info(redis, "stats", "evicted_keys")) > 100,
                () -> redis.command("CONFIG", "SET", "maxmemory", "0"));
        load.assertSurvived();
    }

    private static String info(RedisServer redis, String section, String field) {
        for (String line : ((String) redis.command("INFO", section)).split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1);
            }
        }
        throw new IllegalStateException("no " + field + " in INFO " + section);
    }

    /** A server that takes DEBUG commands: Redis 7 refuses them unless told otherwise, Redis 6 has no such setting. */
    private static RedisServer debuggable() {
        RedisServer redis = RedisServer.start();
        if (Integer.parseInt(redis.version().split("\\.")[0]) < 7) {
            return redis;
        }
        redis.close();
        return RedisServer.start("--enable-debug-command", "yes");
    }

    private static void join(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
