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

/**
 * {@code tiered.l1.budget}: one budget for every method's L1, shared by what each saves. The shares sum to the
 * budget, follow the value of each method's entries (calls that find or want one, times the method's load time),
 * move when the workload shifts, and hold the bytes L1 keeps near the budget under concurrent writes.
 */
class L1BudgetTest {
    private static final long BUDGET = 4L << 20;
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
        assertEquals(BUDGET, s.values().stream().mapToLong(Long::longValue).sum(), s.toString());
        assertTrue(s.get("find") > s.get("other") && s.get("other") > s.get("byNumber"), s.toString());
        long floor = (long) (BUDGET * L1Budget.FLOOR_FRACTION / 3);
        assertTrue(s.get("byNumber") >= floor, "an idle method keeps its floor: " + s);

        // the hot method goes quiet; the idle one becomes the busiest: ten windows later the shares have followed
        for (int window = 0; window < 10; window++) {
            traffic(idle, 2000, 300, 200);
            traffic(warm, 100, 100, 50);
            runtime.budget().rebalance();
        }
        Map<String, Long> after = shares();
        assertEquals(BUDGET, after.values().stream().mapToLong(Long::longValue).sum());
        assertTrue(after.get("byNumber") > s.get("find") / 2 && after.get("byNumber") > after.get("find"),
                "the newly busy method took the share: " + after + ", before " + s);
        assertTrue(after.get("find") < floor * 2, "the quiet method gave its share away, down to near its floor: "
                + after);
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
        assertTrue(highest.get() <= BUDGET * 110 / 100, "at most 10% above the budget while written to: "
                + highest.get() + " of " + BUDGET);
        assertTrue(runtime.l1BudgetUsed() <= BUDGET, "within it once the writes have drained: "
                + runtime.l1BudgetUsed());
    }
}
