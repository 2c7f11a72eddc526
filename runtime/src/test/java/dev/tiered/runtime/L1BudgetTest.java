package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tiered.Tier;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.testkit.Await;

/**
 * {@code tiered.l1.budget}: one budget for every method's L1, shared by what each saves. The shares sum to the
 * budget, follow the value of each method's entries (calls that find or want one, times the method's load time),
 * move when the workload shifts, and hold the bytes L1 keeps near the budget under concurrent writes.
 */
class L1BudgetTest {
    private static final long BUDGET = 4L << 20;
    /** What the bounds sum to: the budget less its headroom. */
    private static final long BOUNDS = (long) (BUDGET * (1 - L1Budget.HEADROOM));
    private final TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of("tiered.l1.budget", "4MB"),
            Map.of()));

    @AfterEach
    void stop() {
        runtime.close();
    }

    private CachedMethod method(String name, String namespace) throws RejectedException {
        return runtime.register(Specs.of(Fixtures.Catalog.class, name, "10m", Tier.L1, namespace));
    }

    /** A load that takes about {@code micros}: what a miss of that method costs. */
    private static Object slow(long micros, Object value) {
        long end = System.nanoTime() + micros * 1000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        return value;
    }

    /** {@code calls} calls over {@code keys} keys: the first of each key a miss of {@code micros}, then hits. */
    private static void traffic(CachedMethod m, int calls, int keys, long micros) throws Exception {
        for (int i = 0; i < calls; i++) {
            long key = i % keys;
            call(m, () -> slow(micros, "v" + key), key);
        }
    }

    private Map<String, Long> shares() {
        Map<String, Long> byMethod = new java.util.LinkedHashMap<>();
        for (Object[] s : runtime.budget().shares()) {
            byMethod.put(((String) s[0]).replaceAll(".*\\.(\\w+)\\(.*", "$1"), (Long) s[1]);
        }
        return byMethod;
    }

    @Test
    void sharesSumToTheBudgetFollowTheValueOfEachMethodAndMoveWhenTheWorkloadShifts() throws Exception {
        CachedMethod hot = method("find", "hot");
        CachedMethod warm = method("other", "warm");
        CachedMethod idle = method("byNumber", "idle");
        traffic(hot, 3000, 300, 200);
        traffic(warm, 300, 100, 50);
        runtime.budget().rebalance();
        Map<String, Long> s = shares();
        assertEquals(BOUNDS, s.values().stream().mapToLong(Long::longValue).sum(), s.toString());
        assertTrue(s.get("find") > s.get("other") && s.get("other") > s.get("byNumber"), s.toString());
        long floor = (long) (BOUNDS * L1Budget.FLOOR_FRACTION / 3);
        assertTrue(s.get("byNumber") >= floor, "an idle method keeps its floor: " + s);

        // the hot method goes quiet; the idle one becomes the busiest: ten windows later the shares have followed
        for (int window = 0; window < 10; window++) {
            traffic(idle, 2000, 300, 200);
            traffic(warm, 100, 100, 50);
            runtime.budget().rebalance();
        }
        Map<String, Long> after = shares();
        assertEquals(BOUNDS, after.values().stream().mapToLong(Long::longValue).sum());
        assertTrue(after.get("byNumber") > s.get("find") / 2 && after.get("byNumber") > after.get("find"),
                "the newly busy method took the share: " + after + ", before " + s);
        assertTrue(after.get("find") < floor * 2, "the quiet method gave its share away, down to near its floor: "
                + after);
    }

    @Test
    void namespaceCapsAndFloorsHoldAndATargetBehindComesFirst() throws Exception {
        try (TieredRuntime bounded = TieredRuntime.start(TieredConfig.from(Map.of("tiered.l1.budget", "4MB",
                "tiered.ns.capped.l1.budgetCap", "512KB", "tiered.ns.floored.l1.budgetFloor", "2MB",
                "tiered.ns.wanted.target.hitRatio", "0.99"), Map.of()))) {
            CachedMethod capped = bounded.register(Specs.of(Fixtures.Catalog.class, "find", "10m", Tier.L1,
                    "capped"));
            CachedMethod floored = bounded.register(Specs.of(Fixtures.Catalog.class, "other", "10m", Tier.L1,
                    "floored"));
            CachedMethod wanted = bounded.register(Specs.of(Fixtures.Catalog.class, "byNumber", "10m", Tier.L1,
                    "wanted"));
            CachedMethod free = bounded.register(Specs.of(Fixtures.Catalog.class, "square", "10m", Tier.L1, "free"));
            traffic(capped, 3000, 300, 200); // the busiest by far, but capped
            traffic(wanted, 400, 200, 100); // half misses: far below its target of 99%
            for (int i = 0; i < 400; i++) {
                int key = i % 200;
                call(free, () -> slow(100, key), key); // the same worth as wanted, without a target
            }
            bounded.budget().rebalance();
            Map<String, Long> byNamespace = new java.util.HashMap<>();
            for (CachedMethod m : List.of(capped, floored, wanted, free)) {
                byNamespace.put(m.namespace(), m.l1MaxBytesForTest());
            }
            assertEquals(BOUNDS, byNamespace.values().stream().mapToLong(Long::longValue).sum(),
                    byNamespace.toString());
            assertTrue(byNamespace.get("capped") <= 512 << 10, "within its cap: " + byNamespace);
            assertTrue(byNamespace.get("floored") >= 2 << 20, "at least its floor: " + byNamespace);
            assertTrue(byNamespace.get("wanted") > 2 * byNamespace.get("free"), "behind its target, first: "
                    + byNamespace);
            double[] target = bounded.hitRatioTarget(bounded.namespacesInUse().stream()
                    .filter(n -> n.name.equals("wanted")).findFirst().orElseThrow());
            assertEquals(0.99, target[0]);
            assertEquals(0.99 - 0.5, target[1], 0.01, "half of its calls hit");
        }
    }

    /**
     * {@code target.loadTime}: a namespace whose loads take more time per second than its target comes first, like
     * one below its hit-ratio target; one within its target weighs its worth only. Both report their distance.
     */
    @Test
    void aNamespaceLoadingMoreThanItsLoadTimeTargetComesFirst() throws Exception {
        try (TieredRuntime bounded = TieredRuntime.start(TieredConfig.from(Map.of("tiered.l1.budget", "4MB",
                "tiered.ns.over.target.loadTime", "1ms", "tiered.ns.within.target.loadTime", "1h"), Map.of()))) {
            CachedMethod over = bounded.register(Specs.of(Fixtures.Catalog.class, "find", "10m", Tier.L1, "over"));
            CachedMethod within = bounded.register(Specs.of(Fixtures.Catalog.class, "other", "10m", Tier.L1,
                    "within"));
            bounded.budget().rebalance(); // the window starts
            for (int i = 0; i < 400; i++) { // the same calls and load times in both: the same worth
                long key = i % 200;
                call(over, () -> slow(100, key), key);
                call(within, () -> slow(100, key), key);
            }
            bounded.budget().rebalance();
            long overShare = over.l1MaxBytesForTest();
            long withinShare = within.l1MaxBytesForTest();
            assertTrue(overShare > 2 * withinShare, "over its target, first: " + overShare + " vs " + withinShare);
            Map<String, double[]> targets = new java.util.HashMap<>();
            for (dev.tiered.runtime.coherence.Namespace ns : bounded.namespacesInUse()) {
                targets.put(ns.name, bounded.loadTimeTarget(ns));
            }
            assertEquals(0.001, targets.get("over")[0], 1e-12);
            assertTrue(targets.get("over")[1] > 0, "above its target: " + targets.get("over")[1]);
            assertEquals(3600, targets.get("within")[0], 1e-9);
            assertTrue(targets.get("within")[1] < -3599, "far below: " + targets.get("within")[1]);
        }
    }

    /** A survivor space is full after a young collection by design: only the pools of long-lived objects count. */
    @Test
    void pressureIsTheOldGenerationsNotEdenOrSurvivorSpaces() {
        for (String young : List.of("Eden Space", "Survivor Space", "G1 Eden Space", "G1 Survivor Space",
                "PS Eden Space", "PS Survivor Space", "ZGC Young Generation")) {
            assertTrue(HeapPressure.young(young), young);
        }
        for (String old : List.of("Tenured Gen", "G1 Old Gen", "PS Old Gen", "ZGC Old Generation", "ZHeap",
                "Shenandoah")) {
            assertTrue(!HeapPressure.young(old), old);
        }
    }

    /**
     * A real garbage collection leaving the old generation above the threshold (set here at a few bytes, where the
     * runtime sets 85%): the JVM notifies, the budget shrinks to a quarter and L1 with it; once the heap is below the
     * lower threshold (here 99.9%), it grows back.
     */
    @Test
    void aGarbageCollectionThatLeavesTheHeapNearlyFullShrinksL1UntilThePressureEnds() throws Exception {
        CachedMethod find = method("find", "a");
        String value = "x".repeat(1000);
        for (long key = 0; key < 3000; key++) {
            long k = key;
            call(find, () -> value + k, key);
        }
        long before = find.l1WeightedBytes();
        assertTrue(before > BUDGET / 2, "L1 filled: " + before);
        runtime.heapPressure().close(); // its 85% threshold: the test's own follows
        HeapPressure pressure = new HeapPressure(runtime.budget(), Runnable::run, 1e-9, 0.999);
        try (dev.tiered.testkit.StderrCopy log = dev.tiered.testkit.StderrCopy.start()) {
            Await.until("a collection to cross the threshold", java.time.Duration.ofSeconds(20), () -> {
                System.gc();
                return pressure.under();
            });
            pressure.close(); // no more notifications (each collection above the threshold sends one): no race
            assertEquals(BUDGET / 4, runtime.l1Budget(), "a quarter of the budget");
            assertEquals((long) (BUDGET / 4 * (1 - L1Budget.HEADROOM)),
                    shares().values().stream().mapToLong(Long::longValue).sum());
            assertTrue(find.l1WeightedBytes() <= BUDGET / 4, "L1 shrank at once: " + find.l1WeightedBytes());
            assertEquals(1, runtime.budget().pressureEpisodes(), "one episode, however many collections");
            pressure.check(); // the heap is below 99.9% of its maximum after collections
            assertEquals(BUDGET, runtime.l1Budget(), "grown back");
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("WARN tiered - heap pressure: ")
                    && l.contains("the L1 budget shrinks to " + BUDGET / 4 + " bytes")), log.text());
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("INFO tiered - heap pressure ended")),
                    log.text());
        } finally {
            pressure.close();
        }
    }

    /**
     * Where L2 serves what L1 does not, an L1 hit saves an L2 read, not a load: with the same calls and load times,
     * the method whose entries Redis also holds gets the smaller share.
     */
    @Test
    void aCheapL2MakesAMethodsL1WorthLess() throws Exception {
        runtime.close();
        try (TieredRuntime redis = TieredRuntime.start(TieredConfig.from(Map.of("tiered.l1.budget", "4MB",
                "tiered.redis.uri", dev.tiered.testkit.RedisServer.shared().uri(), "tiered.redis.keyPrefix",
                "budget" + System.nanoTime()), Map.of()))) {
            Await.until("the bus", RedisRuntimes.WAIT, redis::busConnected);
            CachedMethod shared = redis.register(Specs.of(Fixtures.Catalog.class, "find", "10m", Tier.L1_L2, "l2"));
            CachedMethod local = redis.register(Specs.of(Fixtures.Catalog.class, "other", "10m", Tier.L1, "l1"));
            L2FuzzTest.awaitSynced(redis, shared, -1L);
            for (CachedMethod m : List.of(shared, local)) {
                traffic(m, 100, 100, 2000); // 100 misses of 2 ms each
            }
            assertTrue(redis.awaitL2Writes(RedisRuntimes.WAIT));
            shared.clearL1();
            local.clearL1();
            for (CachedMethod m : List.of(shared, local)) {
                traffic(m, 100, 100, 2000); // shared: 100 L2 hits; local: 100 more loads
                traffic(m, 1000, 100, 2000); // then L1 hits, as many for both
            }
            redis.budget().rebalance();
            Map<String, Long> s = new java.util.HashMap<>();
            for (Object[] share : redis.budget().shares()) {
                s.put(((String) share[0]).replaceAll(".*\\.(\\w+)\\(.*", "$1"), (Long) share[1]);
            }
            assertTrue(shared.stats.l2Hits.sum() >= 90, "L2 served the shared method: " + shared.stats.l2Hits.sum());
            assertTrue(s.get("other") > 2 * s.get("find"), "the method without L2 is worth more: " + s);
        }
    }

    @Test
    void theBytesL1HoldsStayNearTheBudgetUnderConcurrentWrites() throws Exception {
        List<CachedMethod> methods = List.of(method("find", "a"), method("other", "b"), method("byNumber", "c"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicLong highest = new AtomicLong();
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    CachedMethod m = methods.get(thread % methods.size());
                    String value = "x".repeat(1000); // some 2 KB an entry
                    for (long i = 0; i < 20_000; i++) {
                        long key = thread * 1_000_000L + i;
                        call(m, () -> value + key, key);
                        if (i % 500 == 0) {
                            highest.accumulateAndGet(runtime.l1BudgetUsed(), Math::max);
                        }
                    }
                    return null;
                }));
            }
            for (int i = 0; i < 20 && writers.stream().anyMatch(f -> !f.isDone()); i++) {
                runtime.budget().rebalance();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            for (Future<?> f : writers) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(runtime.l1BudgetUsed() > BUDGET / 2, "L1 was filled: " + runtime.l1BudgetUsed());
        assertTrue(highest.get() <= BUDGET * 105 / 100, "at most 5% above the budget while written to: "
                + highest.get() + " of " + BUDGET);
        assertTrue(runtime.l1BudgetUsed() <= BUDGET, "within it once the writes have drained: "
                + runtime.l1BudgetUsed());
    }
}
