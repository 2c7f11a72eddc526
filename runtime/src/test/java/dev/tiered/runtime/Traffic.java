package dev.tiered.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import dev.tiered.Tier;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l2.KeyType;
import dev.tiered.runtime.stats.NamespaceStats;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.StaleReads;

/**
 * A concurrent load for the stale-read checker: two runtimes (two JVMs that share nothing but Redis), two readers
 * each and one writer alternating between them, every read and write recorded. A test injects a fault meanwhile with
 * {@link #during}, then {@link #assertSurvived} checks that no call saw an exception, none waited on Redis longer than
 * the README's bound, no read returned a value older than a write it must see, and L2 served again.
 */
final class Traffic {
    static final String[] SETTINGS = {
            "tiered.redis.timeout", "100ms", "tiered.redis.connectTimeout", "200ms", "tiered.stampede.lease", "200ms",
            "tiered.breaker.failures", "3", "tiered.breaker.probeInterval", "100ms",
            "tiered.bus.heartbeat", "200ms", "tiered.l1.maxStaleness", "1s"};
    /** What a busy two-core machine adds to any call: scheduling, collections. */
    private static final long SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** How long after a write another JVM may still serve the old value while Redis fails: maxStaleness + 1 s. */
    private static final Duration FAULT_WINDOW = Duration.ofSeconds(2);
    private static final int KEYS = 20;

    final TieredRuntime[] runtime = new TieredRuntime[2];
    final CachedMethod[] find = new CachedMethod[2];
    final Invalidation[] update = new Invalidation[2];
    final AtomicLongArray db = new AtomicLongArray(KEYS);
    final StaleReads records = new StaleReads();
    final ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
    final AtomicLong slowest = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    final AtomicBoolean running = new AtomicBoolean(true);
    final List<Thread> threads = new ArrayList<>();
    /**
     * The README's bound on a call's waits for Redis: the namespace's version on first use and the entry, one
     * operation each, and, while another JVM holds the entry's lease, polls for at most the lease, the last of
     * which may take one more operation. A write waits for at most two: a bump under way, then its own.
     */
    final long boundNanos;
    /** When each thread's current call began (0 between calls), for the watchdog. */
    final AtomicLongArray calling = new AtomicLongArray(5);
    /** Where calls that outlived the bound were at that moment, as the watchdog saw them. */
    final ConcurrentLinkedQueue<String> overdue = new ConcurrentLinkedQueue<>();

    /** Whether writes name the entity they change ({@code @CacheKey}), or bump the whole namespace. */
    final boolean keyed;

    /** Starts the load on the Redis of {@code uri}, with writes keyed or not. */
    Traffic(RedisRuntimes runtimes, String uri, boolean keyed) throws Exception {
        this.keyed = keyed;
        for (int i = 0; i < 2; i++) {
            runtime[i] = runtimes.start(uri, SETTINGS);
            find[i] = runtime[i].register(keyed
                    ? Specs.keyed(Fixtures.Catalog.class, "find", "10m", Tier.L1_L2, "catalog", 0)
                    : Fixtures.spec("find", "10m"));
            update[i] = runtime[i].registerInvalidation(keyed
                    ? new InvalidationSpec("x.W", "update", List.of("long"), List.of("catalog"), List.of(0),
                            KeyType.Scalar.LONG, false)
                    : InvalidationSpec.ofNamespaces("x.W", "update", List.of(), List.of("catalog")));
        }
        TieredConfig config = runtime[0].config();
        boundNanos = 3 * config.redisOperationBound().toNanos() + config.stampedeLease().toNanos();
        for (int i = 0; i < 4; i++) {
            int jvm = i % 2;
            int slot = i;
            threads.add(new Thread(() -> read(jvm, slot), "reader-" + i));
        }
        threads.add(new Thread(() -> write(4), "writer"));
        threads.forEach(Thread::start);
        Thread watchdog = new Thread(this::watch, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        awaitWrites(50);
    }

    private void read(int jvm, int slot) {
        StaleReads.ReadLog log = records.log(jvm, KEYS);
        while (running.get()) {
            int key = ThreadLocalRandom.current().nextInt(KEYS);
            long start = System.nanoTime();
            calling.set(slot, start);
            try {
                Object result = Fixtures.serve(find[jvm], () -> Long.toString(db.get(key)), (long) key);
                log.add(key, Long.parseLong((String) result), start);
            } catch (Throwable t) {
                thrown.add(t);
            }
            calling.set(slot, 0);
            slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
        }
    }

    private void write(int slot) {
        int jvm = 0;
        while (running.get()) {
            int key = ThreadLocalRandom.current().nextInt(KEYS);
            long value = db.incrementAndGet(key);
            long start = System.nanoTime();
            calling.set(slot, start);
            try {
                // what the advice of an @Invalidates method does after it returned
                if (keyed) {
                    update[jvm].run(new Object[] {(long) key});
                } else {
                    update[jvm].run();
                }
            } catch (Throwable t) {
                thrown.add(t);
            }
            calling.set(slot, 0);
            long end = System.nanoTime();
            slowest.accumulateAndGet(end - start, Math::max);
            records.add(new StaleReads.Write(jvm, Integer.toString(key), value, end));
            writes.incrementAndGet();
            jvm = 1 - jvm;
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // a write rate, not a wait for anything
        }
    }

    /**
     * Samples, every few milliseconds, the stack of each call that has outlived the bound, once per call: if the
     * bound is broken, the failure says where the call was waiting.
     */
    private void watch() {
        long[] seen = new long[calling.length()];
        while (running.get()) {
            for (int i = 0; i < seen.length; i++) {
                long start = calling.get(i);
                if (start != 0 && start != seen[i] && System.nanoTime() - start > boundNanos) {
                    seen[i] = start;
                    StringBuilder sb = new StringBuilder(threads.get(i).getName()).append(" past the bound:");
                    for (StackTraceElement frame : threads.get(i).getStackTrace()) {
                        sb.append("\n    at ").append(frame);
                    }
                    if (overdue.size() < 10) {
                        overdue.add(sb.toString());
                    }
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /**
     * Injects the fault, keeps it until both runtimes have served calls with the breaker open and say they are not
     * caching fully, then heals it.
     */
    void during(Runnable fault, Runnable recovery) {
        during(fault, "the breaker to open and health to leave caching", r -> opened(r)
                && r.health().state() != Health.State.CACHING, recovery);
    }

    /** Injects the fault, keeps it until both runtimes have noticed it, and past maxStaleness, then heals it. */
    void during(Runnable fault, String noticed, Predicate<TieredRuntime> inEffect, Runnable recovery) {
        fault.run();
        Await.until(noticed + " in both runtimes", RedisRuntimes.WAIT,
                () -> inEffect.test(runtime[0]) && inEffect.test(runtime[1]));
        awaitWrites(150); // most of a second or more: past tiered.l1.maxStaleness where the bus is lost
        recovery.run();
        long l2Hits = l2Hits();
        try {
            Await.until("L2 to serve again", RedisRuntimes.WAIT, () -> l2Hits() > l2Hits);
            Await.until("health caching in both runtimes", RedisRuntimes.WAIT, () ->
                    runtime[0].health().state() == Health.State.CACHING
                            && runtime[1].health().state() == Health.State.CACHING);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; " + state(), e);
        }
        awaitWrites(100);
    }

    private String state() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            NamespaceStats ns = runtime[i].stats("catalog");
            sb.append("runtime ").append(i).append(": circuit ")
                    .append(runtime[i].breaker().isOpen() ? "open" : "closed").append(", bus ")
                    .append(runtime[i].busConnected() ? "connected" : "lost").append(runtime[i].cutOff()
                            ? ", cut off" : "").append(", version ").append(ns.version()).append(", L2 hits ")
                    .append(ns.l2Hits()).append(", L2 errors ").append(ns.l2Errors()).append(", health ")
                    .append(runtime[i].health()).append("; ");
        }
        return sb.toString();
    }

    private boolean opened(TieredRuntime r) {
        return r.breaker().openings.sum() > 0;
    }

    private long l2Hits() {
        return find[0].stats.l2Hits.sum() + find[1].stats.l2Hits.sum();
    }

    private void awaitWrites(int more) {
        long target = writes.get() + more;
        Await.until(more + " more writes", RedisRuntimes.WAIT, () -> writes.get() >= target || !thrown.isEmpty());
    }

    void assertSurvived() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertEquals(List.of(), new ArrayList<>(thrown), "exceptions that reached callers");
        assertTrue(slowest.get() <= boundNanos + SLACK_NANOS, "the slowest call took "
                + slowest.get() / 1_000_000 + " ms; bound " + boundNanos / 1_000_000 + " ms + "
                + SLACK_NANOS / 1_000_000 + " ms; " + String.join("\n", overdue));
        StaleReads.Result result = records.check(FAULT_WINDOW.toNanos());
        assertEquals(0, result.stale(), result.toString());
        assertTrue(result.reads() > 10_000 && result.writes() >= 300, result.toString());
    }
}
