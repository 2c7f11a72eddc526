package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

import dev.tiered.Tier;
import dev.tiered.runtime.l2.KeyType;
import dev.tiered.runtime.l2.NamespaceKeys;
import dev.tiered.runtime.stats.NamespaceStats;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;

/**
 * L2 and invalidation against a real redis-server. Two runtimes in this JVM stand for two JVMs: they share nothing
 * but Redis. Each test uses its own key prefix on the shared server, or a server of its own when it stops Redis.
 */
class RedisTiersTest {
    private static final Duration WAIT = RedisRuntimes.WAIT;
    @RegisterExtension
    final RedisRuntimes runtimes = new RedisRuntimes("t");

    private TieredRuntime runtime(RedisServer redis, String... settings) {
        return runtimes.start(redis, settings);
    }

    private static NamespaceStats rb(CachedMethod m) {
        return Snapshots.of(m.namespace);
    }

    private static CachedMethod find(TieredRuntime runtime) throws RejectedException {
        return runtime.register(Fixtures.spec("find", "10m"));
    }

    private static Invalidation update(TieredRuntime runtime) throws RejectedException {
        return runtime.registerInvalidation(InvalidationSpec.ofNamespaces("x.W", "update", List.of(), List.of("catalog")));
    }

    @Test
    void anotherJvmIsServedFromL2WithoutRunningTheMethod() throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod a = find(runtime(redis));
        CachedMethod b = find(runtime(redis));
        AtomicInteger runs = new AtomicInteger();
        assertEquals("v1", call(a, () -> "v" + runs.incrementAndGet(), 1L));
        assertEquals("v1", call(b, () -> "v" + runs.incrementAndGet(), 1L));
        assertEquals("v1", call(b, () -> "v" + runs.incrementAndGet(), 1L));
        assertEquals(1, runs.get());
        assertEquals(1, b.stats.l2Hits.sum());
        assertEquals(1, b.l1Hits(), "an L2 hit fills L1");
        assertTrue(b.stats.l2Times.count() >= 1, "the L2 read is timed");
        assertTrue(rb(b).l2P99Nanos() > 0);
    }

    @Test
    void provenanceTellsAnL2HitAndTheAgeOfItsValue() throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod a = find(runtime(redis));
        CachedMethod b = find(runtime(redis, "tiered.provenance", "true"));
        call(a, () -> "v", 1L);
        assertEquals("v", call(b, () -> "unexpected", 1L));
        Object[] trace = CallTrace.lastOnThisThread();
        assertEquals("L2", trace[0]);
        assertTrue((Long) trace[3] >= 0 && (Long) trace[3] < 60_000, "age " + trace[3]);
        assertEquals(b.namespace.version(), trace[4]);
        assertEquals("v", call(b, () -> "unexpected", 1L));
        trace = CallTrace.lastOnThisThread();
        assertEquals("L1", trace[0]);
        assertEquals(b.namespace.version(), trace[4], "an L1 hit of a method without @CacheKey names the namespace's "
                + "version too, not the generation of its entries");
    }

    @Test
    void entriesLiveUnderReadableVersionedKeysWithTheirTtl() throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod a = find(runtime(redis));
        call(a, () -> "x", 42L);
        long version = Long.parseLong((String) redis.command("GET", runtimes.prefix() + ":v:{catalog}"));
        String method = "dev.tiered.runtime.Fixtures$Catalog.find(long)";
        String shard = NamespaceKeys.owner(null, method, "42");
        assertTrue(shard.matches("\\*([0-9]|1[0-5])"), shard);
        String key = runtimes.prefix() + ":e:{catalog:" + shard + "}:" + version + ":" + method + ":42";
        assertEquals(List.of(key), redis.command("KEYS", runtimes.prefix() + ":e:*"));
        long ttl = (Long) redis.command("PTTL", key);
        assertTrue(ttl > 590_000 && ttl <= 600_000, "ttl " + ttl);
        long micros = System.currentTimeMillis() * 1000;
        assertTrue(Math.abs(micros - version) < 600_000_000L, "a version starts from the clock: " + version);
    }

    @Test
    void anInvalidationReachesTheOtherJvmAndMakesOldL2EntriesUnreachable() throws Exception {
        RedisServer redis = RedisServer.shared();
        TieredRuntime ra = runtime(redis);
        TieredRuntime rb = runtime(redis);
        CachedMethod a = find(ra);
        CachedMethod b = find(rb);
        call(a, () -> "old", 1L);
        assertEquals("old", call(b, () -> "unexpected", 1L));
        long before = rb.stats("catalog").version();
        update(ra).run();
        assertEquals("new", call(a, () -> "new", 1L), "the writing JVM never serves the old value once the write returned");
        // the bus applies the version, then counts the message: wait for both
        Await.until("the other JVM to learn the new version from the bus", WAIT,
                () -> rb.stats("catalog").version() != before && rb.stats("catalog").invalidationsReceived() == 1);
        assertEquals("new", call(b, () -> "unexpected", 1L), "served from L2 under the new version");
        assertEquals(2, redis.command("KEYS", runtimes.prefix() + ":e:*") instanceof List<?> l ? l.size() : -1,
                "the old entry is left to expire, never deleted or scanned for");
    }

    private static CachedMethod findByEntity(TieredRuntime runtime) throws RejectedException {
        return runtime.register(Specs.keyed(Fixtures.Catalog.class, "find", "10m", Tier.L1_L2, "catalog", 0));
    }

    private static Invalidation keyedUpdate(TieredRuntime runtime) throws RejectedException {
        return runtime.registerInvalidation(new InvalidationSpec("x.W", "update", List.of("long"),
                List.of("catalog"), List.of(0), KeyType.Scalar.LONG, false));
    }

    @Test
    void aKeyedWriteReachesTheOtherJvmAndOnlyItsEntity() throws Exception {
        RedisServer redis = RedisServer.shared();
        TieredRuntime ra = runtime(redis);
        TieredRuntime rb = runtime(redis);
        CachedMethod a = findByEntity(ra);
        CachedMethod b = findByEntity(rb);
        call(a, () -> "one", 1L);
        call(a, () -> "two", 2L);
        assertEquals("one", call(b, () -> "unexpected", 1L));
        assertEquals("two", call(b, () -> "unexpected", 2L));
        keyedUpdate(ra).run(new Object[] {1L});
        assertEquals("new one", call(a, () -> "new one", 1L));
        Await.until("the other JVM to drop entity 1", WAIT, () -> rb.stats("catalog").invalidationsReceived() == 1);
        long l2Hits = b.stats.l2Hits.sum();
        assertEquals("new one", call(b, () -> "unexpected", 1L), "its L1 entry is gone; L2 has the new one");
        assertEquals(l2Hits + 1, b.stats.l2Hits.sum());
        long l1Hits = b.l1Hits();
        assertEquals("two", call(b, () -> "unexpected", 2L), "entity 2 keeps its entries");
        assertEquals(l1Hits + 1, b.l1Hits());
        assertEquals("new one", call(findByEntity(runtime(redis)), () -> "unexpected", 1L),
                "a third JVM reads the new entry from L2 in one round trip");
    }

    /**
     * {@code byIds(@CacheKey List<Long> ids, Color color)}, a batch read: a keyed write of any of its ids, in this JVM
     * or another, reaches its entries in both tiers (they are invalidated by every write to the namespace).
     */
    @Test
    void aBatchReadIsInvalidatedByAKeyedWriteOfAnyOfItsEntitiesInEveryJvm() throws Exception {
        RedisServer redis = RedisServer.shared();
        TieredRuntime ra = runtime(redis);
        TieredRuntime rb = runtime(redis);
        CachedMethod a = ra.register(Specs.keyed(Fixtures.Catalog.class, "byIds", "10m", Tier.L1_L2, "catalog", 0));
        CachedMethod b = rb.register(Specs.keyed(Fixtures.Catalog.class, "byIds", "10m", Tier.L1_L2, "catalog", 0));
        call(a, () -> List.of("probe"), List.of(0L), Fixtures.Color.RED); // a first call reads the version
        call(b, () -> List.of("probe"), List.of(0L), Fixtures.Color.RED);
        Await.until("both to learn the version from Redis", WAIT, () -> ra.stats("catalog").version() > 0
                && rb.stats("catalog").version() > 0);
        List<Long> ids = List.of(1L, 2L);
        assertEquals(List.of("one"), call(a, () -> List.of("one"), ids, Fixtures.Color.RED));
        assertEquals(List.of("one"), call(b, () -> List.of("unexpected"), ids, Fixtures.Color.RED), "from L2");
        keyedUpdate(rb).run(new Object[] {2L});
        assertEquals(List.of("two"), call(b, () -> List.of("two"), ids, Fixtures.Color.RED), "the writing JVM");
        Await.until("the other JVM to hear of entity 2", WAIT, () -> ra.stats("catalog").invalidationsReceived() == 1);
        assertEquals(List.of("two"), call(a, () -> List.of("unexpected"), ids, Fixtures.Color.RED),
                "its L1 entry is gone, and L2 holds the new result");
        keyedUpdate(ra).run(new Object[] {1L});
        assertEquals(List.of("three"), call(a, () -> List.of("three"), ids, Fixtures.Color.RED), "the first id too");
    }

    @Test
    void aWriteOfSeveralEntitiesIsOneRoundTripAndReachesEachInTheOtherJvm() throws Exception {
        RedisServer redis = runtimes.own(RedisServer.start()); // its own, to count the commands it runs
        TieredRuntime ra = runtime(redis);
        TieredRuntime rb = runtime(redis);
        CachedMethod b = findByEntity(rb);
        for (long id = 1; id <= 4; id++) {
            long entity = id;
            call(b, () -> "old " + entity, id);
        }
        Invalidation updateMany = ra.registerInvalidation(new InvalidationSpec("x.W", "updateMany",
                List.of("java.util.List"), List.of("catalog"), List.of(0), KeyType.Scalar.LONG, true));
        // nothing else runs a script meanwhile: the entries are written, the writer's namespace has its version
        assertTrue(rb.awaitL2Writes(WAIT));
        Await.until("the writer's runtime to read the version", WAIT, () -> ra.stats("catalog").version() > 0);
        long scripts = scriptCalls(redis);
        updateMany.run(new Object[] {List.of(1L, 2L, 3L)});
        assertEquals(scripts + 1, scriptCalls(redis), "three entities, one script call");
        Await.until("the other JVM to hear of each entity", WAIT,
                () -> rb.stats("catalog").invalidationsReceived() == 3);
        for (long id = 1; id <= 3; id++) {
            long entity = id;
            assertEquals("new " + id, call(b, () -> "new " + entity, id));
        }
        assertEquals("old 4", call(b, () -> "unexpected", 4L), "entity 4 keeps its entry");
        assertEquals(3, ra.stats("catalog").invalidationsSent());
    }

    /** One write of a writer, which tells whether the write was in effect when it returned. */
    private interface Write {
        boolean covered(int writer, int index) throws Exception;
    }

    /** Runs {@code writes} writes on each of {@code writers} threads started together; each must be covered. */
    private static void writeTogether(int writers, int writes, Write write, String expectation) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(writers);
            List<java.util.concurrent.Future<Integer>> uncovered = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                uncovered.add(pool.submit(() -> {
                    together.await();
                    int bad = 0;
                    for (int i = 0; i < writes; i++) {
                        bad += write.covered(writer, i) ? 0 : 1;
                    }
                    return bad;
                }));
            }
            for (java.util.concurrent.Future<Integer> f : uncovered) {
                assertEquals(0, f.get(), expectation);
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Lua script calls Redis has run, from INFO commandstats. */
    private static long scriptCalls(RedisServer redis) {
        String info = (String) redis.command("INFO", "commandstats");
        return info.lines().filter(l -> l.startsWith("cmdstat_evalsha:") || l.startsWith("cmdstat_eval:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll(".*calls=(\\d+).*", "$1"))).sum();
    }

    @Test
    void aLoadThatBeganBeforeAKeyedWriteInAnotherJvmIsNotStoredAsCurrent() throws Exception {
        RedisServer redis = RedisServer.shared();
        TieredRuntime ra = runtime(redis);
        TieredRuntime rb = runtime(redis);
        CachedMethod b = findByEntity(rb);
        Invalidation write = keyedUpdate(ra);
        findByEntity(ra);
        Load early = assertInstanceOf(Load.class, b.begin1(6L)); // read L2 (absent), stamped the entity's version
        write.run(new Object[] {6L});
        Await.until("jvm b to hear of the write", WAIT, () -> rb.stats("catalog").invalidationsReceived() == 1);
        early.complete("read before the write");
        assertEquals("after", call(b, () -> "after", 6L), "not in L1");
        for (Object key : (List<?>) redis.command("KEYS", runtimes.prefix() + ":e:*")) {
            redis.command("DEL", key.toString());
        }
        Load late = assertInstanceOf(Load.class, b.begin1(66L));
        write.run(new Object[] {66L});
        late.complete("read before the write"); // this JVM has not heard of it yet, or has: either way...
        CachedMethod fresh = findByEntity(runtime(redis));
        assertEquals("reloaded", call(fresh, () -> "reloaded", 66L), "...L2 does not serve it as current");
    }

    @Test
    void afterTheBusReconnectsNoL1EntryWhoseValidityCannotBeProvenIsServed() throws Exception {
        RedisServer redis = RedisServer.start();
        runtimes.own(redis);
        TieredRuntime rb = runtime(redis);
        CachedMethod b = findByEntity(rb);
        call(b, () -> "cached", 1L);
        assertEquals(1, rb.stats("catalog").l1Entries());
        Load inFlight = assertInstanceOf(Load.class, b.begin1(2L));
        redis.command("CLIENT", "KILL", "TYPE", "pubsub"); // a keyed message may be lost in the gap
        Await.until("the bus to come back and L1 to be dropped", WAIT,
                () -> rb.busConnected() && rb.stats("catalog").l1Entries() == 0);
        inFlight.complete("began before the gap");
        assertTrue(Fixtures.misses(b, 2L), "a load that began before the gap is not stored");
        long l2Hits = b.stats.l2Hits.sum();
        assertEquals("cached", call(b, () -> "unexpected", 1L), "L2 proves its entries itself");
        assertEquals(l2Hits + 1, b.stats.l2Hits.sum());
    }

    @Test
    void aBurstOfWritesToOneNamespaceIsCoalescedAndEachWriteIsStillCovered() throws Exception {
        RedisServer redis = RedisServer.shared();
        TieredRuntime ra = runtime(redis);
        find(ra);
        Invalidation update = update(ra);
        update.run();
        int writers = 8;
        int writes = 25;
        long bumps;
        try (BumpCounter counter = new BumpCounter(redis, runtimes.prefix() + ":invalidations")) {
            writeTogether(writers, writes, (writer, i) -> {
                long before = ra.stats("catalog").version();
                update.run();
                return ra.stats("catalog").version() > before;
            }, "every write returns after a bump that followed it");
            update.run(); // its message comes after every message of the burst: counted, then the count is done
            Await.until("the last bump's message", WAIT, () -> counter.last() == ra.stats("catalog").version());
            bumps = counter.count() - 1;
        }
        assertTrue(bumps >= 1 && bumps < writers * writes, writers * writes + " writes took " + bumps + " bumps");
    }

    @Test
    void concurrentKeyedWritesAreEachCoveredWhenTheyReturnAndReachTheOtherJvm() throws Exception {
        RedisServer redis = RedisServer.shared();
        TieredRuntime ra = runtime(redis);
        TieredRuntime rb = runtime(redis);
        CachedMethod a = findByEntity(ra);
        findByEntity(rb);
        Invalidation update = keyedUpdate(ra);
        update.run(new Object[] {-1L});
        int writers = 8;
        int writes = 25;
        writeTogether(writers, writes, (writer, i) -> {
            long id = 1000L * writer + i; // each writer its own entities, each cached just before its write
            call(a, () -> "old", id);
            update.run(new Object[] {id});
            return Fixtures.misses(a, id);
        }, "every keyed write returns after its entity's entries left L1");
        Await.until("the other JVM to hear of every entity", WAIT,
                () -> rb.stats("catalog").invalidationsReceived() >= 1 + writers * writes);
        assertEquals(1 + writers * writes, rb.stats("catalog").invalidationsReceived());
        assertEquals(1 + writers * writes, ra.stats("catalog").invalidationsSent());
    }

    @Test
    void theL2TierReadsRedisOnEveryCall() throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod shared = runtime(redis).register(Specs.of(Fixtures.Catalog.class, "product", "10m", Tier.L2, "p"));
        AtomicInteger runs = new AtomicInteger();
        Fixtures.Product p = new Fixtures.Product(1, "widget");
        call(shared, () -> { runs.incrementAndGet(); return p; }, 1L);
        assertEquals(p, call(shared, () -> { runs.incrementAndGet(); return p; }, 1L));
        assertEquals(p, call(shared, () -> { runs.incrementAndGet(); return p; }, 1L));
        assertEquals(1, runs.get());
        assertEquals(2, shared.stats.l2Hits.sum());
        assertEquals(0, shared.l1Hits());
    }

    @Test
    void theL1CopyOfAnL2EntryLivesNoLongerThanTheEntry() throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod a = runtime(redis).register(Fixtures.spec("find", "2s"));
        CachedMethod b = runtime(redis).register(Fixtures.spec("find", "2s"));
        call(a, () -> "x", 5L);
        String key = ((List<?>) redis.command("KEYS", runtimes.prefix() + ":e:*")).get(0).toString();
        Await.until("the L2 entry to have under a second left", WAIT, () -> (Long) redis.command("PTTL", key) < 1000);
        assertEquals("x", call(b, () -> "unexpected", 5L));
        assertEquals(1, b.stats.l2Hits.sum());
        Await.until("the L2 entry to expire", WAIT, () -> (Long) redis.command("EXISTS", key) == 0);
        assertTrue(Fixtures.misses(b, 5L), "its L1 copy expired with it");
    }

    @Test
    void resultsTheCodecCannotStoreStayInL1AndAreCounted() throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod ranges = runtime(redis).register(Fixtures.spec("byIds", "10m"));
        Object unstorable = new ArrayList<>(List.of(new Object()));
        call(ranges, () -> unstorable, List.of(1L), Fixtures.Color.RED);
        assertEquals(1, ranges.stats.notStored.sum());
        assertEquals(List.of(), redis.command("KEYS", runtimes.prefix() + ":e:*"));
        assertEquals(unstorable, call(ranges, () -> "unexpected", List.of(1L), Fixtures.Color.RED));
    }

    @Test
    void aRedisThatLostItsDataNeverBringsAnOldEntryBack() throws Exception {
        RedisServer redis = RedisServer.shared();
        TieredRuntime ra = runtime(redis);
        CachedMethod a = find(ra);
        call(a, () -> "cached", 1L);
        long before = ra.stats("catalog").version();
        for (Object key : (List<?>) redis.command("KEYS", runtimes.prefix() + ":*")) {
            redis.command("DEL", key.toString()); // as if Redis restarted empty
        }
        CachedMethod fresh = find(runtime(redis));
        assertEquals("reloaded", call(fresh, () -> "reloaded", 1L));
        Await.until("the first JVM to adopt the restarted version", WAIT, () -> ra.stats("catalog").version() != before);
        assertTrue(ra.stats("catalog").version() > before, "versions never go back");
        assertEquals("reloaded", call(a, () -> "unexpected", 1L));
    }

    @Test
    void aVersionThatWentBackInRedisIsRaisedBeforeUse() throws Exception {
        RedisServer redis = RedisServer.shared();
        TieredRuntime ra = runtime(redis);
        CachedMethod a = find(ra);
        Invalidation update = update(ra);
        call(a, () -> "x", 1L);
        update.run();
        long known = ra.stats("catalog").version();
        redis.command("SET", runtimes.prefix() + ":v:{catalog}", "1000"); // as if restored from an old snapshot
        update.run();
        assertTrue(ra.stats("catalog").version() > known, ra.stats("catalog").version() + " <= " + known);
        assertTrue(Long.parseLong((String) redis.command("GET", runtimes.prefix() + ":v:{catalog}")) > known);
    }

    @Test
    void aBumpThatCannotReachRedisInvalidatesHereAtOnceAndReachesRedisLater() throws Exception {
        RedisServer redis = RedisServer.start();
        runtimes.own(redis);
        TieredRuntime ra = runtime(redis);
        CachedMethod a = find(ra);
        Invalidation update = update(ra);
        call(a, () -> "old", 1L);
        long before = ra.stats("catalog").version();
        redis.kill();
        long errors = ra.stats("catalog").l2Errors();
        update.run();
        // at least: the maintenance thread may fail a version read of its own meanwhile (TlsIT counts one exactly)
        assertTrue(ra.stats("catalog").l2Errors() > errors, "the failed bump is one of the namespace's L2 errors");
        assertEquals("new", call(a, () -> "new", 1L));
        assertTrue(ra.stats("catalog").version() <= 0, "a local generation until Redis is back");
        redis.restart();
        Await.until("the pending bump to reach Redis", WAIT, () -> ra.stats("catalog").version() > before);
        long inRedis = Long.parseLong((String) redis.command("GET", runtimes.prefix() + ":v:{catalog}"));
        assertEquals(inRedis, ra.stats("catalog").version());
    }

    @Test
    void cutOffFromInvalidationsForLongerThanMaxStalenessCallsRunUncachedUntilRedisIsBack() throws Exception {
        RedisServer redis = RedisServer.start();
        runtimes.own(redis);
        TieredRuntime ra = runtime(redis, "tiered.l1.maxStaleness", "1s", "tiered.bus.heartbeat", "200ms",
                "tiered.redis.timeout", "100ms");
        CachedMethod a = find(ra);
        AtomicInteger runs = new AtomicInteger();
        call(a, runs::incrementAndGet, 1L);
        redis.kill();
        assertEquals(1, call(a, runs::incrementAndGet, 1L), "within maxStaleness L1 still serves");
        Await.until("the cut-off", WAIT, ra::cutOff);
        assertEquals(2, call(a, runs::incrementAndGet, 1L));
        assertEquals(3, call(a, runs::incrementAndGet, 1L));
        assertNull(a.begin1(1L), "uncached, not even a load");
        redis.restart();
        Await.until("caching to resume", WAIT, () -> !ra.cutOff());
        call(a, runs::incrementAndGet, 1L);
        assertEquals(runs.get(), call(a, () -> -1, 1L));
        assertNotEquals(0, a.stats.uncached.sum());
    }

    private int entries(RedisServer redis) {
        return ((List<?>) redis.command("KEYS", runtimes.prefix() + ":e:*")).size();
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
    void withWriteBehindOffTheCallWritesItself() throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod method = runtime(redis, "tiered.l2.writeBehindBytes", "0").register(Fixtures.spec("find", "10m"));
        Object outcome = method.begin1(1L);
        ((Load) outcome).complete("computed");
        assertEquals(1, entries(redis), "written before the call returned");
    }

    @Test
    void aMessageNoTieredJvmSendsIsCountedAndNeverAdopted() throws Exception {
        RedisServer redis = RedisServer.shared();
        TieredRuntime ra = runtime(redis);
        TieredRuntime rb = runtime(redis);
        CachedMethod b = find(rb);
        L2FuzzTest.awaitSynced(rb, b, -1L);
        long version = rb.stats("catalog").version();
        String channel = runtimes.prefix() + ":invalidations";
        for (String bad : List.of("catalog 9007199254740992 0a1b2c3d 1 bump", // past 2^53: Lua counts no more
                "catalog 9223372036854775807 0a1b2c3d 1 bump", // every later bump would fail
                "catalog 5 intruder 1 bump", "catalog 12 0a1b2c3d 1 key")) {
            redis.command("PUBLISH", channel, bad);
        }
        Await.until("the messages to be rejected", WAIT, () -> rb.rejectedBusMessages() == 4);
        assertEquals(version, rb.stats("catalog").version(), "no version adopted");
        update(ra).run();
        Await.until("a real bump to arrive", WAIT, () -> rb.stats("catalog").version() > version);
        assertTrue(rb.stats("catalog").version() < (1L << 53), "versions stay where Lua counts exactly");
        assertEquals(0, rb.stats("catalog").l2Errors());
    }

    /** Counts the bump messages on a channel, as another JVM hears them. */
    private static final class BumpCounter implements AutoCloseable {
        private final AtomicInteger count = new AtomicInteger();
        private final AtomicLong last = new AtomicLong();
        private final JedisPubSub subscriber = new JedisPubSub() {
            @Override
            public void onMessage(String channel, String message) {
                String[] parts = message.split(" ");
                if (parts.length == 5 && parts[4].equals("bump")) {
                    count.incrementAndGet();
                    last.set(Long.parseLong(parts[1]));
                }
            }
        };

        BumpCounter(RedisServer redis, String channel) {
            Thread listening = new Thread(() -> {
                try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
                    jedis.subscribe(subscriber, channel);
                }
            }, "bump-counter");
            listening.setDaemon(true);
            listening.start();
            Await.until("the counter to subscribe", WAIT, subscriber::isSubscribed);
        }

        int count() {
            return count.get();
        }

        long last() {
            return last.get();
        }

        @Override
        public void close() {
            subscriber.unsubscribe();
        }
    }
}
