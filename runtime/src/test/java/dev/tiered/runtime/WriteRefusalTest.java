package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;

/**
 * A Redis that refuses writes but still serves reads and pub/sub: the breaker stays closed and the bus stays
 * healthy, while a write it refused bumped nothing and told nobody. Every other JVM must stop trusting what it has
 * cached within {@code tiered.l1.maxStaleness} (plus a heartbeat to notice), and cache again, the refused write
 * delivered, once Redis takes writes again.
 */
class WriteRefusalTest {
    private static final String[] SETTINGS = {"tiered.bus.heartbeat", "200ms", "tiered.l1.maxStaleness", "1s"};
    /** maxStaleness, a heartbeat for the probe to notice, the staleness check's period, and a busy machine. */
    private static final long BOUND_NANOS = TimeUnit.MILLISECONDS.toNanos(1000 + 200 + 100 + 500);

    @RegisterExtension
    final RedisRuntimes runtimes = new RedisRuntimes("r");

    /** How each state makes Redis refuse writes, and how it ends. */
    enum Refusal {
        /** {@code min-replicas-to-write} not met: NOREPLICAS. */
        MIN_REPLICAS {
            @Override
            void start(RedisServer redis) {
                redis.command("CONFIG", "SET", "min-replicas-to-write", "1");
            }

            @Override
            void end(RedisServer redis) {
                redis.command("CONFIG", "SET", "min-replicas-to-write", "0");
            }
        },
        /** {@code maxmemory} reached with {@code noeviction}: OOM. */
        NO_EVICTION_AT_MAXMEMORY {
            @Override
            void start(RedisServer redis) {
                redis.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
                redis.command("CONFIG", "SET", "maxmemory", "1");
            }

            @Override
            void end(RedisServer redis) {
                redis.command("CONFIG", "SET", "maxmemory", "0");
            }
        },
        /** An ACL that lost a command a bump needs: here PUBLISH, so that a bump's SET lands and its message not. */
        ACL_WITHOUT_PUBLISH {
            @Override
            void start(RedisServer redis) {
                redis.command("ACL", "SETUSER", "default", "-publish");
            }

            @Override
            void end(RedisServer redis) {
                redis.command("ACL", "SETUSER", "default", "+publish");
            }
        };

        abstract void start(RedisServer redis);

        abstract void end(RedisServer redis);
    }

    @ParameterizedTest
    @EnumSource(Refusal.class)
    void otherJvmsStopTrustingTheirCachesWithinTheBoundAndResumeWhenRedisTakesWritesAgain(Refusal refusal)
            throws Exception {
        RedisServer redis = runtimes.own(RedisServer.start());
        TieredRuntime writer = runtimes.start(redis, SETTINGS);
        TieredRuntime reader = runtimes.start(redis, SETTINGS);
        CachedMethod written = writer.register(Fixtures.spec("find", "10m"));
        CachedMethod read = reader.register(Fixtures.spec("find", "10m"));
        Invalidation update = writer.registerInvalidation(InvalidationSpec.ofNamespaces("x.W", "update", List.of(),
                List.of("catalog")));
        L2FuzzTest.awaitSynced(reader, read, -1L);
        L2FuzzTest.awaitSynced(writer, written, -1L);
        assertEquals("old", call(read, () -> "old", 1L));
        assertEquals("old", call(read, () -> "unexpected", 1L), "cached");

        refusal.start(redis);
        update.run(); // refused: Redis bumps nothing, nobody hears of it
        long wrote = System.nanoTime();
        assertEquals("new", call(written, () -> "new", 1L), "the writing JVM never serves the old value");
        String served;
        do {
            served = (String) call(read, () -> "new", 1L);
        } while (served.equals("old") && System.nanoTime() - wrote < BOUND_NANOS + 1_000_000_000L);
        long stale = System.nanoTime() - wrote;
        assertEquals("new", served, refusal + ": still served the old value " + stale / 1_000_000 + " ms after");
        assertTrue(stale <= BOUND_NANOS, refusal + ": served the old value for " + stale / 1_000_000
                + " ms; bound " + BOUND_NANOS / 1_000_000 + " ms");
        assertTrue(reader.writesRefused() != null && reader.writeRefusals() > 0, refusal + ": told as such");
        assertTrue(reader.cutOff(), "calls run uncached");
        Health health = reader.health();
        assertEquals(Health.State.UNCACHED, health.state(), health.toString());
        assertEquals("writes refused", health.cause(), health.toString());
        assertTrue(health.detail().contains(reader.writesRefused()), "names what Redis answered: " + health);
        assertEquals(health, reader.health(reader.namespacesInUse().get(0)), "the namespace's is the JVM's");
        assertEquals(0, reader.breaker().openings.sum() + writer.breaker().openings.sum(), refusal + ": a refusal "
                + "of writes is an answer, not a failure: the breaker stays closed (it used to flap every second)");
        assertTrue(writer.writesRefused() != null, "the writer knows its bump was refused");

        refusal.end(redis);
        Await.until("the reader to cache again", RedisRuntimes.WAIT, () -> !reader.cutOff()
                && reader.writesRefused() == null && reader.health().state() == Health.State.CACHING);
        Await.until("the writer's refused bump to reach Redis", RedisRuntimes.WAIT,
                () -> writer.stats("catalog").version() > 0);
        assertEquals("newer", call(read, () -> "newer", 1L));
        assertEquals("newer", call(read, () -> "unexpected", 1L), "cached again");
        assertFalse(reader.breaker().isOpen(), "the breaker has nothing to do with it");
        assertNull(writer.writesRefused());
    }
}
