package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static dev.tiered.runtime.Fixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tiered.Tier;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l1.HeapEstimator;
import dev.tiered.runtime.l1.MethodL1;
import dev.tiered.testkit.Await;

/** The semantics of one cached method in L1-only mode: no Redis involved. */
class CachedMethodTest {
    private TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of(), Map.of()));
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
        runtime.close();
    }

    private CachedMethod find() throws RejectedException {
        return runtime.register(spec("find", "10m"));
    }

    /** {@link #find()} in a runtime started anew with these properties. */
    private CachedMethod findWith(Map<String, String> properties) throws RejectedException {
        runtime.close();
        runtime = TieredRuntime.start(TieredConfig.from(properties, Map.of()));
        return find();
    }

    private Invalidation invalidateCatalog() throws RejectedException {
        return runtime.registerInvalidation(InvalidationSpec.ofNamespaces("x.Writer", "update", List.of(), List.of("catalog")));
    }

    @Test
    void aRepeatedCallIsServedFromL1WithoutRunningTheMethod() throws Exception {
        CachedMethod find = find();
        AtomicInteger runs = new AtomicInteger();
        assertEquals("v42", call(find, () -> "v" + (42 + runs.getAndIncrement() * 0), 42L));
        assertEquals("v42", call(find, () -> "v" + runs.incrementAndGet(), 42L));
        assertEquals(1, runs.get());
        assertEquals(1, find.stats.loads.sum());
        assertEquals(1, find.l1Hits());
        assertEquals(2, runtime.stats("catalog").calls());
    }

    /**
     * A JDK proxy and the object behind it, both advised through their interface, are one cached method: the
     * proxy's call caches, the target's call inside it runs through, counted once, stored once.
     */
    @Test
    void theSameMethodCalledForTheSameKeyInsideItsOwnLoadRunsThroughAndIsCachedOnce() throws Exception {
        CachedMethod find = find();
        AtomicInteger runs = new AtomicInteger();
        Object outer = find.begin1(7L);
        assertTrue(outer instanceof Load, "the proxy's call misses");
        assertEquals("v7", call(find, () -> "v" + (7 + 0 * runs.incrementAndGet()), 7L), "the target runs through");
        assertEquals(1, runs.get());
        ((Load) outer).complete("v7");
        assertEquals("v7", call(find, () -> "v" + runs.incrementAndGet(), 7L));
        assertEquals(1, runs.get(), "served from L1");
        assertEquals(1, find.stats().loads.sum(), "one load, the proxy's");
        assertEquals(0, find.stats().uncached.sum(), "the target's call is not a call of its own");
    }

    @Test
    void argumentsCompareByValueAndArraysByContent() throws Exception {
        CachedMethod ranges = runtime.register(Specs.of(Fixtures.Catalog.class, "ranges", "10m", Tier.L1, "c"));
        AtomicInteger runs = new AtomicInteger();
        long[] first = (long[]) call(ranges, () -> new long[] {runs.incrementAndGet()}, new int[] {1, 2}, "a", 0.5);
        long[] again = (long[]) call(ranges, () -> new long[] {runs.incrementAndGet()}, new int[] {1, 2}, "a", 0.5);
        call(ranges, () -> new long[] {runs.incrementAndGet()}, new int[] {1, 3}, "a", 0.5);
        assertSame(first, again);
        assertEquals(2, runs.get());
        CachedMethod five = runtime.register(Specs.of(Fixtures.Catalog.class, "five", "10m", Tier.L1, "c"));
        Fixtures.Product p = new Fixtures.Product(1, "p");
        call(five, runs::incrementAndGet, "a", 1, 2L, Fixtures.Color.RED, p);
        call(five, runs::incrementAndGet, "a", 1, 2L, Fixtures.Color.RED, new Fixtures.Product(1, "p"));
        assertEquals(3, runs.get());
    }

    @Test
    void nullResultsAreCachedUnlessConfiguredOtherwise() throws Exception {
        CachedMethod nothing = runtime.register(spec("nothing", "10m"));
        AtomicInteger runs = new AtomicInteger();
        assertNull(call(nothing, () -> { runs.incrementAndGet(); return null; }));
        assertNull(call(nothing, () -> { runs.incrementAndGet(); return null; }));
        assertEquals(1, runs.get());

        runtime.close();
        runtime = TieredRuntime.start(TieredConfig.from(Map.of("tiered.cacheNulls", "false"), Map.of()));
        CachedMethod uncachedNulls = runtime.register(spec("nothing", "10m"));
        call(uncachedNulls, () -> { runs.incrementAndGet(); return null; });
        call(uncachedNulls, () -> { runs.incrementAndGet(); return null; });
        assertEquals(3, runs.get());
    }

    @Test
    void exceptionsPropagateUnchangedAndAreNeverCached() throws Exception {
        CachedMethod find = find();
        IllegalStateException boom = new IllegalStateException("database down");
        AtomicInteger runs = new AtomicInteger();
        for (int i = 0; i < 2; i++) {
            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> call(find, () -> { runs.incrementAndGet(); throw boom; }, 1L));
            assertSame(boom, thrown);
        }
        assertEquals(2, runs.get());
        assertEquals(2, find.stats.loadFailures.sum());
        assertEquals("ok", call(find, () -> "ok", 1L));
        assertEquals("ok", call(find, () -> "other", 1L));
    }

    @Test
    void afterAnInvalidationReturnsNoEarlierResultIsServed() throws Exception {
        CachedMethod find = find();
        Invalidation update = invalidateCatalog();
        call(find, () -> "old", 1L);
        update.run();
        assertEquals("new", call(find, () -> "new", 1L));
        assertEquals(1, runtime.stats("catalog").invalidationsSent());
    }

    @Test
    void aLoadThatBeganBeforeABumpAndEndedAfterItIsNotStored() throws Exception {
        CachedMethod find = find();
        Invalidation update = invalidateCatalog();
        Load load = assertInstanceOf(Load.class, find.begin1(7L));
        update.run();
        load.complete("computed before the write");
        assertTrue(Fixtures.misses(find, 7L), "the old result must not be served");
    }

    @Test
    void concurrentMissesOfOneKeyRunTheMethodOnce() throws Exception {
        CachedMethod find = find();
        int callers = 8;
        CountDownLatch leaderRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        List<Future<Object>> results = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            results.add(pool.submit(() -> {
                threads.add(Thread.currentThread());
                return call(find, () -> {
                    runs.incrementAndGet();
                    leaderRunning.countDown();
                    release.await();
                    return "shared";
                }, 5L);
            }));
            if (i == 0) {
                assertTrue(leaderRunning.await(10, TimeUnit.SECONDS));
            }
        }
        Await.until("the other callers to wait for the leader", Duration.ofSeconds(10), () -> threads.size() == callers
                && threads.stream().filter(t -> t.getState() == Thread.State.TIMED_WAITING).count() == callers - 1);
        release.countDown();
        for (Future<Object> r : results) {
            assertEquals("shared", r.get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, runs.get());
        assertEquals(callers - 1, find.stats.coalesced.sum());
    }

    @Test
    void callersOfALoadThatFailedRunTheMethodThemselves() throws Exception {
        CachedMethod find = find();
        CountDownLatch leaderRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<Object> leader = pool.submit(() -> call(find, () -> {
            leaderRunning.countDown();
            release.await();
            throw new IllegalStateException("leader failed");
        }, 9L));
        assertTrue(leaderRunning.await(10, TimeUnit.SECONDS));
        Thread[] waiter = new Thread[1];
        Future<Object> follower = pool.submit(() -> {
            waiter[0] = Thread.currentThread();
            return call(find, () -> "ran itself", 9L);
        });
        Await.until("the follower to wait", Duration.ofSeconds(10),
                () -> waiter[0] != null && waiter[0].getState() == Thread.State.TIMED_WAITING);
        release.countDown();
        assertThrows(Exception.class, () -> leader.get(10, TimeUnit.SECONDS));
        assertEquals("ran itself", follower.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aCallerThatArrivesAfterABumpDoesNotJoinAnEarlierLoad() throws Exception {
        CachedMethod find = find();
        Load early = assertInstanceOf(Load.class, find.begin1(3L));
        invalidateCatalog().run();
        Object outcome = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> pool.submit(() -> find.begin1(3L)).get());
        Load fresh = assertInstanceOf(Load.class, outcome, "must run the method, not wait for the earlier load");
        fresh.complete("after the write");
        early.complete("before the write");
        assertEquals("after the write", call(find, () -> "unexpected", 3L));
    }

    @Test
    void loadsThatCallEachOtherNeverWaitForEachOther() throws Exception {
        CachedMethod a = find();
        CachedMethod b = runtime.register(spec("other", "10m"));
        CountDownLatch bothLeading = new CountDownLatch(2);
        CountDownLatch bothNested = new CountDownLatch(2);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            Future<Object> first = pool.submit(() -> call(a, () -> {
                bothLeading.countDown();
                bothLeading.await();
                String nested = (String) call(b, () -> "b-from-a", 1L);
                bothNested.countDown();
                bothNested.await();
                return "a(" + nested + ")";
            }, 1L));
            Future<Object> second = pool.submit(() -> call(b, () -> {
                bothLeading.countDown();
                bothLeading.await();
                String nested = (String) call(a, () -> "a-from-b", 1L);
                bothNested.countDown();
                bothNested.await();
                return "b(" + nested + ")";
            }, 1L));
            assertEquals("a(b-from-a)", first.get());
            assertEquals("b(a-from-b)", second.get());
        });
    }

    @Test
    void entriesExpireAfterTheirTtl() throws Exception {
        CachedMethod find = runtime.register(spec("find", "300ms"));
        AtomicInteger runs = new AtomicInteger();
        call(find, runs::incrementAndGet, 1L);
        Await.until("the entry to expire", Duration.ofSeconds(5), () -> expired(find, 1L));
        assertEquals(1, runs.get());
    }

    @Test
    void anL1TtlShorterThanTheTtlBoundsTheL1Copy() throws Exception {
        CachedMethod find = runtime.register(Specs.of(Fixtures.Catalog.class, "find", "1h", "200ms", "L1", "c"));
        assertEquals(Duration.ofMillis(200), find.l1Ttl());
        call(find, () -> "x", 1L);
        Await.until("the L1 copy to expire", Duration.ofSeconds(5), () -> Fixtures.misses(find, 1L));
    }

    @Test
    void l1StaysWithinItsBound() throws Exception {
        CachedMethod find = findWith(Map.of("tiered.l1.maxEntries", "100"));
        for (long i = 0; i < 2_000; i++) {
            call(find, () -> "v", i);
        }
        AtomicInteger next = new AtomicInteger();
        Await.until("eviction down to the bound", Duration.ofSeconds(10), () -> {
            try {
                call(find, () -> "v", -1L - next.incrementAndGet()); // writes drive Caffeine's maintenance
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return find.l1Size() <= 100;
        });
    }

    @Test
    void l1StaysWithinItsBoundUnderConcurrentLoad() throws Exception {
        CachedMethod find = findWith(Map.of("tiered.l1.maxEntries", "1000"));
        long max = peakUnderConcurrentWrites(find, () -> "v", CachedMethod::l1Size);
        assertTrue(max <= 1000 + WRITE_BUFFER_SLACK, "L1 held " + max + " entries at most, bound 1000 + "
                + WRITE_BUFFER_SLACK);
        awaitEvictionDownTo(find, () -> "v", m -> m.l1Size() <= 1000);
        assertEquals(-1, find.l1WeightedBytes(), "bounded by entries only");
    }

    @Test
    void l1StaysWithinItsByteBoundUnderConcurrentLoad() throws Exception {
        CachedMethod find = findWith(Map.of("tiered.l1.maxEntries", "1000000", "tiered.l1.maxBytes", "1MB"));
        // every result a distinct string of 1,000 Latin-1 characters: some 1,060 bytes, estimated exactly
        Callable<Object> kilobyte = () -> new String(new char[1000]).replace('\0', 'x');
        long perEntry = MethodL1.ENTRY_OVERHEAD_BYTES + HeapEstimator.bytes(1_000_000L)
                + HeapEstimator.bytes(kilobyte.call());
        long bound = 1 << 20;
        long max = peakUnderConcurrentWrites(find, kilobyte, CachedMethod::l1WeightedBytes);
        assertTrue(max <= bound + WRITE_BUFFER_SLACK * perEntry, "L1 held " + max + " estimated bytes at most, "
                + "bound " + bound + " + " + WRITE_BUFFER_SLACK + " entries of " + perEntry);
        awaitEvictionDownTo(find, kilobyte, m -> m.l1WeightedBytes() <= bound);
        // what the bound keeps is what the estimate says fits, not some other number of entries
        long entries = find.l1Size();
        assertTrue(entries <= bound / perEntry && entries >= bound / perEntry / 2,
                entries + " entries of " + perEntry + " estimated bytes under a bound of " + bound);
    }

    @Test
    void withABytesBoundTheEntryBoundStillHolds() throws Exception {
        CachedMethod find = findWith(Map.of("tiered.l1.maxEntries", "100", "tiered.l1.maxBytes", "1GB"));
        for (long i = 0; i < 1000; i++) {
            call(find, () -> "v", i);
        }
        awaitEvictionDownTo(find, () -> "v", m -> m.l1Size() <= 100);
        assertTrue(find.l1Size() >= 50, find.l1Size() + " entries left of a bound of 100");
        assertEquals(find.l1Size() * ((1L << 30) / 100 + 1), find.l1WeightedBytes(),
                "small entries weigh their share of the entry bound");
    }

    @Test
    void staleIfErrorReturnsARecentlyExpiredValueWhenTheMethodThrowsButNeverAnInvalidatedOne() throws Exception {
        runtime.close();
        runtime = TieredRuntime.start(TieredConfig.from(Map.of("tiered.staleIfError", "1m"), Map.of()));
        CachedMethod find = runtime.register(spec("find", "200ms"));
        call(find, () -> "v1", 1L);
        call(find, () -> "w1", 2L);
        Await.until("the entries to expire", Duration.ofSeconds(5), () -> expired(find, 1L) && expired(find, 2L));
        Load failing = (Load) find.begin1(1L);
        assertEquals("v1", failing.exit(null, new IllegalStateException("database down")));
        assertEquals(1, find.stats.staleServed.sum());
        assertNull(((Load) find.begin1(1L)).exit(null, new OutOfMemoryError("not an exception")),
                "errors are never hidden");
        invalidateCatalog().run();
        assertNull(((Load) find.begin1(2L)).exit(null, new IllegalStateException("database down")),
                "an invalidated value is never returned, however recent");
        assertNull(((Load) find.begin1(3L)).exit(null, new IllegalStateException("database down")), "no entry");
        assertEquals(1, find.stats.staleServed.sum());
    }

    @Test
    void verifyModeFindsAWriteWithoutInvalidation() throws Exception {
        CachedMethod find = findWith(Map.of("tiered.verify.rate", "1"));
        java.util.concurrent.atomic.AtomicReference<String> database = new java.util.concurrent.atomic.AtomicReference<>("v1");
        assertEquals("v1", call(find, database::get, 1L));
        // a hit, verified: the method runs on the caller's thread and agrees, so the caller gets the cached value
        Load agreeing = assertInstanceOf(Load.class, find.begin1(1L));
        assertEquals("v1", agreeing.exit("v1", null));
        assertEquals(0, find.stats.verifyMismatches.sum());
        // the database changes and nothing invalidates: the next verified hit finds out
        database.set("v2");
        Load differing = assertInstanceOf(Load.class, find.begin1(1L));
        assertEquals("v2", differing.exit(database.get(), null), "the caller gets the method's own result");
        assertEquals(1, find.stats.verifyMismatches.sum());
        assertEquals(2, find.stats.verified.sum());
        assertTrue(Fixtures.misses(find, 1L), "the stale entry was dropped");
        // a method that throws while verifying leaves the caller with the cached value, as on any hit
        assertEquals("w", call(find, () -> "w", 2L));
        Load failing = assertInstanceOf(Load.class, find.begin1(2L));
        assertEquals("w", failing.exit(null, new IllegalStateException("down")));
    }

    @Test
    void withoutVerifyModeAHitNeverRunsTheMethod() throws Exception {
        CachedMethod find = find();
        call(find, () -> "v1", 1L);
        for (int i = 0; i < 1000; i++) {
            assertEquals("v1", find.begin1(1L));
        }
        assertEquals(0, find.stats.verified.sum());
    }

    @Test
    void evictionsExpiriesAndStaleDropsAreCountedByCause() throws Exception {
        CachedMethod find = findWith(Map.of("tiered.l1.maxEntries", "10"));
        for (long i = 0; i < 100; i++) {
            call(find, () -> "v", i);
        }
        Await.until("evictions down to the bound", Duration.ofSeconds(10), () -> {
            try {
                call(find, () -> "v", 1000L);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return find.l1Size() <= 10;
        });
        long evicted = find.stats.evictedBySize.sum();
        assertTrue(evicted >= 90 - 10 && evicted <= 101, evicted + " evicted of 101 entries for a bound of 10");
        assertEquals(0, find.stats.expired.sum());
        // an entry of an old version is dropped when found, once
        call(find, () -> "v", 5000L);
        invalidateCatalog().run();
        assertTrue(Fixtures.misses(find, 5000L));
        long drops = find.stats.staleDrops.sum();
        assertTrue(drops >= 1, "dropped " + drops);
        CachedMethod brief = runtime.register(spec("other", "100ms"));
        call(brief, () -> "x", 1L);
        Await.until("the entry to expire and be removed", Duration.ofSeconds(10), () -> {
            try {
                call(brief, () -> "y", 2L); // a write runs Caffeine's maintenance, which removes expired entries
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return brief.stats.expired.sum() >= 1;
        });
    }

    @Test
    void provenanceSaysWhereEachCallWasServedFrom() throws Exception {
        CachedMethod find = findWith(Map.of("tiered.provenance", "true"));
        Object[][] seen = new Object[3][];
        Thread caller = new Thread(() -> {
            try {
                call(find, () -> "v", 1L);
                seen[0] = CallTrace.lastOnThisThread();
                call(find, () -> "v", 1L);
                seen[1] = CallTrace.lastOnThisThread();
                runtime.operations().enabled(find.namespace, false, "a test");
                call(find, () -> "v", 1L);
                seen[2] = CallTrace.lastOnThisThread();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        caller.start();
        caller.join();
        assertEquals("METHOD", seen[0][0]);
        assertEquals("catalog", seen[0][1]);
        assertEquals(find.name(), seen[0][2]);
        assertEquals(0L, seen[0][3]);
        assertEquals("L1", seen[1][0]);
        assertTrue((Long) seen[1][3] >= 0 && (Long) seen[1][3] < 60_000, "age " + seen[1][3]);
        assertEquals(find.namespace.anyGeneration(), seen[1][4]);
        assertEquals("UNCACHED", seen[2][0]);
    }

    @Test
    void withoutProvenanceNothingIsRecorded() throws Exception {
        CachedMethod find = find();
        Object[][] seen = new Object[1][];
        Thread caller = new Thread(() -> {
            try {
                call(find, () -> "v", 1L);
                call(find, () -> "v", 1L);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            seen[0] = CallTrace.lastOnThisThread();
        });
        caller.start();
        caller.join();
        assertNull(seen[0]);
    }

    /** Past its deadline: a miss twice in a row (a first miss may be a refresh ahead of expiry, which keeps it). */
    private static boolean expired(CachedMethod m, long key) {
        return Fixtures.misses(m, key) && Fixtures.misses(m, key);
    }

    @Test
    void withoutStaleIfErrorAnExpiredValueIsNeverReturned() throws Exception {
        CachedMethod find = runtime.register(spec("find", "200ms"));
        call(find, () -> "v1", 1L);
        Await.until("the entry to expire", Duration.ofSeconds(5), () -> expired(find, 1L));
        assertNull(((Load) find.begin1(1L)).exit(null, new IllegalStateException("database down")));
    }

    /**
     * Caffeine applies its bound in maintenance cycles: between two, what its write buffer holds (at most 128 per
     * processor, rounded up to a power of two) is beyond it. Measured on 2 cores: some 500 entries over, whether each
     * thread writes 20,000 or 100,000 keys; the slack allowed is twice that, and does not grow with the load.
     */
    private static final int WRITE_BUFFER_SLACK =
            4 * 128 * Integer.highestOneBit(Runtime.getRuntime().availableProcessors() * 2 - 1);

    /** The largest {@code measure} of L1 seen while four threads store 20,000 distinct keys each. */
    private long peakUnderConcurrentWrites(CachedMethod method, Callable<Object> body,
                                           ToLongFunction<CachedMethod> measure) throws Exception {
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long base = t * 1_000_000L;
                writers.add(pool.submit(() -> {
                    start.await();
                    for (long i = 0; i < 20_000; i++) {
                        call(method, body, base + i);
                    }
                    return null;
                }));
            }
            Future<Long> largest = pool.submit(() -> {
                long max = 0;
                start.await();
                while (!writers.stream().allMatch(Future::isDone)) {
                    max = Math.max(max, measure.applyAsLong(method));
                }
                return max;
            });
            start.countDown();
            for (Future<?> w : writers) {
                w.get(60, TimeUnit.SECONDS);
            }
            long max = largest.get(60, TimeUnit.SECONDS);
            assertTrue(max > 0);
            return max;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Stores new keys until maintenance has brought L1 within its bound. */
    private static void awaitEvictionDownTo(CachedMethod method, Callable<Object> body, Predicate<CachedMethod> within) {
        AtomicInteger next = new AtomicInteger();
        Await.until("eviction down to the bound", Duration.ofSeconds(10), () -> {
            try {
                call(method, body, -1L - next.incrementAndGet());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return within.test(method);
        });
    }

    @Test
    void aDisabledNamespaceRunsEveryCallUncached() throws Exception {
        CachedMethod find = findWith(Map.of("tiered.ns.catalog.enabled", "false"));
        AtomicInteger runs = new AtomicInteger();
        call(find, runs::incrementAndGet, 1L);
        call(find, runs::incrementAndGet, 1L);
        assertEquals(2, runs.get());
        assertEquals(2, find.stats.uncached.sum());
    }

    @Test
    void namespaceOverridesReplaceTheAnnotationValues() throws Exception {
        runtime.close();
        runtime = TieredRuntime.start(TieredConfig.from(Map.of("tiered.ns.catalog.ttl", "5s",
                "tiered.ns.catalog.tier", "L1", "tiered.ns.catalog.l1MaxEntries", "3"), Map.of()));
        CachedMethod find = runtime.register(spec("find", "not even a duration"));
        assertEquals(Duration.ofSeconds(5), find.ttl());
        assertEquals(Tier.L1, find.tier());
    }
}
