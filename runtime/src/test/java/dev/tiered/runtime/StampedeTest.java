package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tiered.Tier;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;

/** A hot key never expires into a herd: refresh ahead of expiry in one JVM, and leases across JVMs. */
class StampedeTest {
    private final List<TieredRuntime> runtimes = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private String prefix;

    @org.junit.jupiter.api.BeforeEach
    void prefix(TestInfo test) {
        prefix = "s" + Integer.toHexString(test.getDisplayName().hashCode() & 0xfffffff);
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
        runtimes.forEach(TieredRuntime::close);
    }

    private TieredRuntime runtime(String... settings) {
        Map<String, String> props = new HashMap<>(Map.of("tiered.redis.keyPrefix", prefix));
        for (int i = 0; i < settings.length; i += 2) {
            props.put(settings[i], settings[i + 1]);
        }
        TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(props, Map.of()));
        runtimes.add(runtime);
        if (props.containsKey("tiered.redis.uri")) {
            Await.until("the bus", Duration.ofSeconds(10), runtime::busConnected);
        }
        return runtime;
    }

    /** Readers hammering one key; counts how many run the body at the same time. */
    private static final class Hammer {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final AtomicInteger runs = new AtomicInteger();

        String body() throws InterruptedException {
            int now = running.incrementAndGet();
            mostAtOnce.accumulateAndGet(now, Math::max);
            Thread.sleep(20); // a query that takes a while, so that overlaps would show
            running.decrementAndGet();
            return "v" + runs.incrementAndGet();
        }
    }

    @Test
    void aHotEntryIsRefreshedAheadOfExpiryByOneReaderWhileTheOthersKeepTheCurrentValue() throws Exception {
        // due after 0.5 s, expired after 1 s: a refresh that a loaded machine stalls for half a second must not let
        // the entry expire under the other readers, who would then load it too
        CachedMethod find = runtime("tiered.refreshAhead", "0.5")
                .register(Specs.of(Fixtures.Catalog.class, "find", "1s", Tier.L1, "catalog"));
        Hammer hammer = new Hammer();
        call(find, hammer::body, 1L);
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<?>> readers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            readers.add(pool.submit(() -> {
                while (!stop.get()) {
                    call(find, hammer::body, 1L);
                }
                return null;
            }));
        }
        Await.until("two refreshes", Duration.ofSeconds(10), () -> find.stats.refreshes.sum() >= 2);
        stop.set(true);
        for (Future<?> reader : readers) {
            reader.get(10, TimeUnit.SECONDS);
        }
        assertEquals(1, hammer.mostAtOnce.get(), "one reader at a time recomputes");
        assertEquals(find.stats.refreshes.sum() + 1, find.stats.loads.sum(), "every load after the first was a refresh");
        assertEquals(0, find.stats.coalesced.sum(), "nobody waited for a refresh");
        assertTrue(find.l1Hits() > 100, "the others kept reading the current value");
    }

    @Test
    void concurrentMissesInTwoJvmsComputeOnceAndTheSecondIsServedFromL2() throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod a = runtime("tiered.redis.uri", redis.uri(), "tiered.stampede.lease", "5s")
                .register(Fixtures.spec("find", "10m"));
        CachedMethod b = runtime("tiered.redis.uri", redis.uri(), "tiered.stampede.lease", "5s")
                .register(Fixtures.spec("find", "10m"));
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<Object> first = pool.submit(() -> call(a, () -> {
            computing.countDown();
            finish.await();
            return "computed once";
        }, 9L));
        assertTrue(computing.await(10, TimeUnit.SECONDS));
        AtomicInteger bRuns = new AtomicInteger();
        Thread[] bThread = new Thread[1];
        Future<Object> second = pool.submit(() -> {
            bThread[0] = Thread.currentThread();
            return call(b, () -> "b ran " + bRuns.incrementAndGet(), 9L);
        });
        Await.until("jvm b to wait for jvm a's lease", Duration.ofSeconds(10),
                () -> bThread[0] != null && bThread[0].getState() == Thread.State.TIMED_WAITING);
        finish.countDown();
        assertEquals("computed once", first.get(10, TimeUnit.SECONDS));
        assertEquals("computed once", second.get(10, TimeUnit.SECONDS));
        assertEquals(0, bRuns.get());
        assertEquals(1, b.stats.leaseWaits.sum());
    }

    @Test
    void aLeaseHolderThatTakesTooLongIsWaitedForOnlyBriefly() throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod a = runtime("tiered.redis.uri", redis.uri(), "tiered.stampede.lease", "300ms")
                .register(Fixtures.spec("find", "10m"));
        CachedMethod b = runtime("tiered.redis.uri", redis.uri(), "tiered.stampede.lease", "300ms")
                .register(Fixtures.spec("find", "10m"));
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<Object> slow = pool.submit(() -> call(a, () -> {
            computing.countDown();
            finish.await();
            return "slow";
        }, 10L));
        assertTrue(computing.await(10, TimeUnit.SECONDS));
        long started = System.nanoTime();
        assertEquals("b's own", call(b, () -> "b's own", 10L));
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(waitedMillis >= 250, "b waited for the lease first, " + waitedMillis + " ms");
        finish.countDown();
        slow.get(10, TimeUnit.SECONDS);
    }

    /** Behind the call by the writer thread, or (without write-behind) by the call itself. */
    @ParameterizedTest(name = "tiered.l2.writeBehindBytes={0}")
    @ValueSource(strings = {"16MB", "0"})
    void aFailedComputationReleasesItsLeaseAtOnce(String writeBehind) throws Exception {
        RedisServer redis = RedisServer.shared();
        CachedMethod a = runtime("tiered.redis.uri", redis.uri(), "tiered.stampede.lease", "30s",
                "tiered.l2.writeBehindBytes", writeBehind).register(Fixtures.spec("find", "10m"));
        CachedMethod b = runtime("tiered.redis.uri", redis.uri(), "tiered.stampede.lease", "30s")
                .register(Fixtures.spec("find", "10m"));
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch fail = new CountDownLatch(1);
        Future<Object> failing = pool.submit(() -> call(a, () -> {
            computing.countDown();
            fail.await();
            throw new IllegalStateException("database down");
        }, 11L));
        assertTrue(computing.await(10, TimeUnit.SECONDS));
        Thread[] bThread = new Thread[1];
        Future<Object> waiting = pool.submit(() -> {
            bThread[0] = Thread.currentThread();
            return call(b, () -> "b computed", 11L);
        });
        Await.until("jvm b to wait for jvm a's lease", Duration.ofSeconds(10),
                () -> bThread[0] != null && bThread[0].getState() == Thread.State.TIMED_WAITING);
        fail.countDown();
        assertEquals("b computed", waiting.get(10, TimeUnit.SECONDS), "not after the 30 s lease");
        assertTrue(failing.isDone());
    }

    @Test
    void acrossJvmsOneRefreshesAndTheOtherAdoptsItsResult() throws Exception {
        RedisServer redis = RedisServer.shared();
        // windows far apart: a refresh at 3 s, the refresher's next window at 6 s, the other's entry expiring at 4 s
        CachedMethod a = runtime("tiered.redis.uri", redis.uri(), "tiered.refreshAhead", "0.75")
                .register(Specs.of(Fixtures.Catalog.class, "find", "4s", Tier.L1_L2, "catalog"));
        CachedMethod b = runtime("tiered.redis.uri", redis.uri(), "tiered.refreshAhead", "0.75")
                .register(Specs.of(Fixtures.Catalog.class, "find", "4s", Tier.L1_L2, "catalog"));
        Hammer hammer = new Hammer();
        call(a, hammer::body, 12L);
        assertEquals("v1", call(b, hammer::body, 12L));
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<?>> readers = new ArrayList<>();
        for (CachedMethod m : List.of(a, a, b, b)) {
            readers.add(pool.submit(() -> {
                while (!stop.get()) {
                    call(m, hammer::body, 12L);
                }
                return null;
            }));
        }
        Await.until("a refresh", Duration.ofSeconds(10), () -> hammer.runs.get() >= 2);
        stop.set(true);
        for (Future<?> reader : readers) {
            reader.get(10, TimeUnit.SECONDS);
        }
        assertEquals(1, hammer.mostAtOnce.get(), "never two JVMs computing at once");
        assertEquals(2, hammer.runs.get(), "in one refresh window, one JVM recomputed for both");
        // the other JVM served its current value meanwhile; once it expires, it takes the refreshed one from L2
        Await.until("both JVMs to serve the refreshed value", Duration.ofSeconds(10), () -> {
            try {
                return "v2".equals(call(a, hammer::body, 12L)) && "v2".equals(call(b, hammer::body, 12L));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(2, hammer.runs.get(), "without computing it again");
    }
}
