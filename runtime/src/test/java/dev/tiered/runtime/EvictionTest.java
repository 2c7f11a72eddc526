package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tiered.Tier;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;

/**
 * Whatever Redis drops (a version key evicted under {@code maxmemory}, expired, or deleted by hand), an entry
 * computed before a write is never served after it: a version key that is gone is made fresh, above every stamp it
 * ever had, never read as an old one. Each read is by a fresh runtime, as by a JVM started after the write.
 */
class EvictionTest {
    private static final int ENTITIES = 300;

    @RegisterExtension
    final RedisRuntimes runtimes = new RedisRuntimes("v");

    private String versionKey(long entity) {
        return runtimes.prefix() + ":k:{catalog:" + entity + "}";
    }

    /** Caches {@code old-<id>} for each entity, then writes {@code new-<id>}: L2 holds every old entry. */
    private void cacheThenWrite(RedisServer redis, int entities) throws Exception {
        TieredRuntime writer = runtimes.start(redis);
        CachedMethod find = RedisRuntimes.find(writer);
        Invalidation update = RedisRuntimes.update(writer);
        for (long id = 0; id < entities; id++) {
            long entity = id;
            assertEquals("old-" + id, call(find, () -> "old-" + entity, id));
        }
        for (long id = 0; id < entities; id++) {
            update.run(new Object[] {id});
        }
    }

    /** What a fresh runtime reads for each entity, the database holding {@code new-<id>}: the stale ones. */
    private List<Long> staleReads(RedisServer redis, int entities) throws Exception {
        CachedMethod find = RedisRuntimes.find(runtimes.start(redis));
        List<Long> stale = new ArrayList<>();
        for (long id = 0; id < entities; id++) {
            long entity = id;
            if (!call(find, () -> "new-" + entity, id).equals("new-" + id)) {
                stale.add(id);
            }
        }
        return stale;
    }

    @Test
    void aVersionKeyDeletedByHandIsNeverReadAsAnOldOne() throws Exception {
        RedisServer redis = RedisServer.shared();
        cacheThenWrite(redis, 1);
        assertEquals(1L, redis.command("DEL", versionKey(0)));
        assertEquals(List.of(), staleReads(redis, 1));
    }

    @Test
    void anExpiredVersionKeyIsNeverReadAsAnOldOne() throws Exception {
        RedisServer redis = RedisServer.shared();
        cacheThenWrite(redis, 1);
        redis.command("PEXPIRE", versionKey(0), "1");
        Await.until("the version key to expire", RedisRuntimes.WAIT,
                () -> redis.command("EXISTS", versionKey(0)).equals(0L));
        assertEquals(List.of(), staleReads(redis, 1));
    }

    @Test
    void aVersionKeyLivesAtLeastAsLongAsTheEntriesStampedWithIt() throws Exception {
        RedisServer redis = RedisServer.shared();
        TieredRuntime writer = runtimes.start(redis); // a writer-only service: no cached method of its own
        RedisRuntimes.update(writer).run(new Object[] {7L});
        TieredRuntime reader = runtimes.start(redis);
        CachedMethod longLived = reader.register(Specs.keyed(Fixtures.Catalog.class, "find", "2d", Tier.L1_L2,
                "catalog", 0));
        L2FuzzTest.awaitSynced(reader, longLived, -1L);
        call(longLived, () -> "seven", 7L);
        String entry = ((List<?>) redis.command("KEYS", runtimes.prefix() + ":e:*")).get(0).toString();
        long entryLeft = (Long) redis.command("PTTL", entry);
        assertTrue(entryLeft > 86_400_000L, "an entry of a two-day ttl: " + entryLeft);
        assertTrue((Long) redis.command("PTTL", versionKey(7)) >= entryLeft,
                "the version key outlives the entry stamped with it, though the writer kept it a day");
    }

    /**
     * Every entity is cached, then written; Redis is then squeezed until it has evicted, under the policy, a third of
     * the version keys; a fresh runtime reads every entity.
     */
    @ParameterizedTest
    @ValueSource(strings = {"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
            "volatile-random", "volatile-ttl"})
    void underEveryEvictionPolicyNoEntryComputedBeforeAWriteIsServedAfterIt(String policy) throws Exception {
        RedisServer redis = runtimes.own(RedisServer.start("--maxmemory-policy", policy));
        long before = usedMemory(redis);
        cacheThenWrite(redis, ENTITIES);
        long after = usedMemory(redis);
        // lowered step by step, each step's write making Redis evict to its bound, until a third of the version
        // keys are gone: most entries are still there, and some of them have lost their version key
        long step = Math.max(1, (after - before) / 100);
        for (long bound = after; bound > 0 && versionKeys(redis) > ENTITIES * 2 / 3; bound -= step) {
            redis.command("CONFIG", "SET", "maxmemory", Long.toString(bound));
            redis.command("SET", "filler:" + bound, "f", "PX", "600000"); // volatile, so every policy may evict it
        }
        redis.command("CONFIG", "SET", "maxmemory", "0");
        int left = versionKeys(redis);
        assertTrue(left <= ENTITIES * 2 / 3, policy + " evicted too few version keys to prove anything: " + left
                + " of " + ENTITIES + " left");
        assertEquals(List.of(), staleReads(redis, ENTITIES), policy + ": entities read stale after eviction");
    }

    private int versionKeys(RedisServer redis) {
        return ((List<?>) redis.command("KEYS", runtimes.prefix() + ":k:{catalog:[0-9]*")).size();
    }

    private static long usedMemory(RedisServer redis) {
        for (String line : ((String) redis.command("INFO", "memory")).split("\r\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()));
            }
        }
        throw new IllegalStateException("no used_memory in INFO");
    }
}
