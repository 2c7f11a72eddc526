package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tiered.Tier;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l2.KeyType;
import dev.tiered.testkit.StderrCopy;

/** Keyed (entity) invalidation within one JVM: which entries a write reaches, and its races. */
class KeyedInvalidationTest {
    private final TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of(), Map.of()));
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final AtomicInteger runs = new AtomicInteger();

    @AfterEach
    void stop() {
        pool.shutdownNow();
        runtime.close();
    }

    private CachedMethod keyed(String method, int... cacheKeys) throws RejectedException {
        return runtime.register(Specs.keyed(Fixtures.Catalog.class, method, "10m", Tier.L1, "catalog", cacheKeys));
    }

    private Invalidation keyedWrite(String type, boolean each) throws RejectedException {
        KeyType keyType = type.equals("long") ? KeyType.Scalar.LONG : KeyType.Scalar.STRING;
        return runtime.registerInvalidation(new InvalidationSpec("x.W", "update", List.of(type, "java.lang.String"),
                List.of("catalog"), List.of(0), keyType, each));
    }

    private boolean cached(CachedMethod m, Object... args) throws Exception {
        int before = runs.get();
        call(m, runs::incrementAndGet, args);
        return runs.get() == before;
    }

    @Test
    void aKeyedWriteReachesItsEntityInEveryMethodAndTheMethodsWithoutEntityAndNothingElse() throws Exception {
        CachedMethod find = keyed("find", 0);
        CachedMethod reviews = keyed("findWithReviews", 0);
        CachedMethod category = keyed("byCategory");
        for (Object[] args : List.of(new Object[] {find, 42L}, new Object[] {find, 7L},
                new Object[] {reviews, 42L, true}, new Object[] {reviews, 42L, false}, new Object[] {reviews, 7L, true},
                new Object[] {category, "tools"})) {
            Object[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
            call((CachedMethod) args[0], runs::incrementAndGet, rest);
        }
        keyedWrite("long", false).run(new Object[] {42L, "new price"});
        assertTrue(!cached(find, 42L) && !cached(reviews, 42L, true) && !cached(reviews, 42L, false),
                "every entry of entity 42, whatever the other arguments");
        assertTrue(!cached(category, "tools"), "methods without an entity key may hold any entity");
        assertTrue(cached(find, 7L) && cached(reviews, 7L, true), "other entities keep their entries");
    }

    @Test
    void aBatchReadIsReachedByAKeyedWriteOfAnyEntityAndSaysSoOnce() throws Exception {
        try (StderrCopy log = StderrCopy.start()) {
            CachedMethod byIds = keyed("byIds", 0);
            assertEquals(List.of("INFO tiered - " + byIds.name + ": its @CacheKey parameter 1 (java.util.List) "
                    + "names many entities, a batch read: its entries are invalidated by every write to namespace "
                    + "catalog, keyed or not"), log.lines().stream().filter(l -> l.contains("batch read"))
                    .map(l -> l.substring(l.indexOf("INFO"))).toList());
            CachedMethod find = keyed("find", 0);
            Invalidation write = keyedWrite("long", false);
            for (long written : new long[] {2, 1, 99}) {
                call(byIds, runs::incrementAndGet, List.of(1L, 2L), Fixtures.Color.RED);
                call(find, runs::incrementAndGet, 7L);
                assertTrue(cached(byIds, List.of(1L, 2L), Fixtures.Color.RED));
                write.run(new Object[] {written, "new price"});
                assertTrue(!cached(byIds, List.of(1L, 2L), Fixtures.Color.RED), "after a write of " + written);
                assertTrue(cached(find, 7L), "single reads of other entities keep their entries");
            }
        }
    }

    @Test
    void aWriteWithoutCacheKeyReachesTheWholeNamespace() throws Exception {
        CachedMethod find = keyed("find", 0);
        call(find, runs::incrementAndGet, 7L);
        runtime.registerInvalidation(InvalidationSpec.ofNamespaces("x.W", "all", List.of(), List.of("catalog"))).run();
        assertTrue(!cached(find, 7L));
    }

    @Test
    void entityKeysCompareByTheirEncodingNotTheirJavaType() throws Exception {
        CachedMethod byNumber = keyed("byNumber", 0);
        call(byNumber, runs::incrementAndGet, 42);
        keyedWrite("java.lang.String", false).run(new Object[] {"42", "x"});
        assertTrue(cached(byNumber, 42), "the String \"42\" is another entity");
        keyedWrite("long", false).run(new Object[] {42L, "x"});
        assertTrue(!cached(byNumber, 42), "the long 42 is the same entity as the Integer 42");
    }

    @Test
    void collectionKeysInvalidateEachElementAndTooManyTheWholeNamespace() throws Exception {
        CachedMethod find = keyed("find", 0);
        LongStream.range(0, 40).forEach(id -> {
            try {
                call(find, runs::incrementAndGet, id);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        keyedWrite("long", true).run(new Object[] {List.of(1L, 2L), "x"});
        keyedWrite("long", true).run(new Object[] {new long[] {3L}, "x"});
        assertTrue(!cached(find, 1L) && !cached(find, 2L) && !cached(find, 3L));
        assertTrue(cached(find, 4L));
        List<Long> many = new ArrayList<>();
        LongStream.range(100, 100 + Invalidation.MAX_ENTITIES + 1).forEach(many::add);
        keyedWrite("long", true).run(new Object[] {many, "x"});
        assertTrue(!cached(find, 4L), "more than " + Invalidation.MAX_ENTITIES + " entities: the whole namespace");
    }

    @Test
    void aLoadOfAnEntityThatBeganBeforeItsWriteIsNotStored() throws Exception {
        CachedMethod find = keyed("find", 0);
        Load early = assertInstanceOf(Load.class, find.begin1(42L));
        Load other = assertInstanceOf(Load.class, find.begin1(7L));
        keyedWrite("long", false).run(new Object[] {42L, "x"});
        early.complete("before the write");
        other.complete("unaffected");
        assertTrue(Fixtures.misses(find, 42L), "the old result of 42 was not stored");
        assertEquals("unaffected", find.begin1(7L), "a load of another entity was stored");
    }

    @Test
    void aCallAfterAWriteDoesNotJoinALoadOfItsEntityThatBeganBefore() throws Exception {
        CachedMethod find = keyed("find", 0);
        Load early = assertInstanceOf(Load.class, find.begin1(42L));
        keyedWrite("long", false).run(new Object[] {42L, "x"});
        Object outcome = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> pool.submit(() -> find.begin1(42L)).get());
        Load fresh = assertInstanceOf(Load.class, outcome);
        fresh.complete("after");
        early.complete("before");
        assertEquals("after", find.begin1(42L));
    }

    @Test
    void underConcurrentLoadsAndInvalidationsEveryEntryOfAnEntityStaysReachableByItsNextInvalidation()
            throws Exception {
        CachedMethod reviews = keyed("findWithReviews", 0);
        Invalidation write = keyedWrite("long", false);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<java.util.concurrent.Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            workers.add(pool.submit(() -> {
                java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
                while (!stop.get()) {
                    call(reviews, () -> "v", 1L, random.nextBoolean());
                }
                return null;
            }));
        }
        workers.add(pool.submit(() -> {
            while (!stop.get()) {
                write.run(new Object[] {1L, "x"});
            }
            return null;
        }));
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1500);
        dev.tiered.testkit.Await.until("the race to be run for a while", Duration.ofSeconds(5),
                () -> System.nanoTime() > until);
        stop.set(true);
        for (java.util.concurrent.Future<?> w : workers) {
            w.get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        write.run(new Object[] {1L, "x"});
        assertTrue(!cached(reviews, 1L, true) && !cached(reviews, 1L, false),
                "an entry stored after one invalidation must be found by the next");
    }

    @Test
    void cacheKeyRulesAreCheckedWhenTheClassLoads() throws Exception {
        RejectedException two = assertThrows(RejectedException.class, () -> keyed("pair", 0, 1));
        assertEquals("dev.tiered.runtime.Fixtures$Catalog.pair(long,long) runs uncached: @CacheKey is on 2 "
                + "parameters; accepted: at most one, the parameter that identifies the entity.", two.getMessage());
        RejectedException opaque = assertThrows(RejectedException.class, () -> keyed("byObject", 0));
        assertTrue(opaque.getMessage().contains("its @CacheKey parameter 1 (java.lang.Object) has no stable key "
                + "encoding; accepted: primitives"), opaque.getMessage());
        Invalidation whole = runtime.registerInvalidation(new InvalidationSpec("x.W", "save",
                List.of("long", "long"), List.of("catalog"), List.of(0, 1), KeyType.Scalar.LONG, false));
        assertTrue(!whole.keyed(), "an ambiguous keyed write falls back to the whole namespace");
    }

    @Test
    void entriesOfOneEntityAreIndexedAndTheIndexForgetsEvictedOnes() throws Exception {
        CachedMethod reviews = keyed("findWithReviews", 0);
        call(reviews, runs::incrementAndGet, 1L, true);
        call(reviews, runs::incrementAndGet, 1L, false);
        keyedWrite("long", false).run(new Object[] {1L, "x"});
        reviews.dropStale();
        assertEquals(0, reviews.l1Size());
        assertNotEquals(0, runs.get());
    }
}
