package dev.tiered.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tiered.Tier;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;

/** Methods that return a CompletableFuture or CompletionStage cache the value it completes with. */
class AsyncResultsTest {
    private TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of(), Map.of()));
    private final AtomicInteger runs = new AtomicInteger();

    @AfterEach
    void stop() {
        runtime.close();
    }

    /** One call as the advice makes it: begin, and if the body must run, run it and report its future. */
    private Object call(CachedMethod m, Supplier<CompletionStage<?>> body, long id) {
        Object outcome = m.begin1(id);
        if (outcome instanceof Load) {
            runs.incrementAndGet();
            CompletionStage<?> future = body.get();
            ((Load) outcome).exit(future, null);
            return future;
        }
        return outcome;
    }

    private CachedMethod async() throws RejectedException {
        return runtime.register(Specs.of(Fixtures.Catalog.class, "async", "10m", Tier.L1_L2, "catalog"));
    }

    /**
     * The caller waits on the method's own future, which completes before tiered's callback on it runs: a call it
     * makes as soon as it has the value finds the entry, or the load still in flight, and never runs the method
     * again (CachingIT saw it run twice).
     */
    @Test
    void aCallMadeAsSoonAsTheFutureCompletesNeverRunsTheMethodAgain() throws Exception {
        CachedMethod m = async();
        for (long id = 0; id < 300; id++) {
            long key = id;
            CompletableFuture<?> first = (CompletableFuture<?>) call(m,
                    () -> CompletableFuture.supplyAsync(() -> "v" + key), key);
            assertEquals("v" + key, first.join());
            int before = runs.get();
            Object second = call(m, () -> CompletableFuture.completedFuture("unexpected"), key);
            assertEquals("v" + key, ((CompletionStage<?>) second).toCompletableFuture().join());
            assertEquals(before, runs.get(), "call " + key + " ran the method again");
        }
    }

    @Test
    void theCompletedValueIsCachedNotTheFuture() throws Exception {
        CachedMethod m = async();
        CompletableFuture<String> pending = new CompletableFuture<>();
        assertEquals(pending, call(m, () -> pending, 1));
        pending.complete("value");
        CompletableFuture<?> hit = assertInstanceOf(CompletableFuture.class, call(m, () -> null, 1));
        assertNotSame(pending, hit, "each caller gets a future of its own");
        assertEquals("value", hit.getNow(null));
        @SuppressWarnings("unchecked")
        CompletableFuture<Object> mine = (CompletableFuture<Object>) hit;
        mine.obtrudeValue("a caller changing its own future changes nothing");
        assertEquals("value", ((CompletableFuture<?>) call(m, () -> null, 1)).get());
        assertEquals(1, runs.get());
    }

    @Test
    void aFailedFutureIsNotCached() throws Exception {
        CachedMethod m = async();
        call(m, () -> CompletableFuture.failedFuture(new IllegalStateException("down")), 2);
        CompletableFuture<String> cancelled = new CompletableFuture<>();
        call(m, () -> cancelled, 2);
        cancelled.cancel(false);
        assertEquals("ok", ((CompletableFuture<?>) call(m, () -> CompletableFuture.completedFuture("ok"), 2)).get());
        assertEquals("ok", ((CompletableFuture<?>) call(m, () -> null, 2)).get());
        assertEquals(3, runs.get());
        assertEquals(2, m.stats.loadFailures.sum());
    }

    @Test
    void concurrentCallersShareOneComputationAndNobodyBlocks() throws Exception {
        CachedMethod m = async();
        CompletableFuture<String> inFlight = new CompletableFuture<>();
        call(m, () -> inFlight, 3);
        CompletableFuture<?> second = assertInstanceOf(CompletableFuture.class, call(m, () -> null, 3));
        CompletableFuture<?> third = assertInstanceOf(CompletableFuture.class, call(m, () -> null, 3));
        assertFalse(second.isDone());
        inFlight.complete("shared");
        assertEquals("shared", second.get(5, TimeUnit.SECONDS));
        assertEquals("shared", third.get(5, TimeUnit.SECONDS));
        assertEquals(1, runs.get());
        assertEquals(2, m.stats.coalesced.sum());

        CompletableFuture<String> failing = new CompletableFuture<>();
        call(m, () -> failing, 4);
        CompletableFuture<?> follower = (CompletableFuture<?>) call(m, () -> null, 4);
        failing.completeExceptionally(new IllegalStateException("down"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> follower.get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause(), "sharers of a failed computation see its failure");
    }

    @Test
    void aCompletionStageMethodHandsOutStagesThatCannotBeCompleted() throws Exception {
        CachedMethod m = runtime.register(Specs.of(Fixtures.Catalog.class, "stage", "10m", Tier.L1, "catalog"));
        Fixtures.Product p = new Fixtures.Product(5, "five");
        call(m, () -> CompletableFuture.completedStage(p), 5);
        CompletionStage<?> hit = assertInstanceOf(CompletionStage.class, call(m, () -> null, 5));
        assertEquals(p, hit.toCompletableFuture().get());
        assertThrows(UnsupportedOperationException.class, () -> ((CompletableFuture<Object>) hit).complete(null));
    }

    @Test
    void theValueTravelsThroughL2() throws Exception {
        RedisServer redis = RedisServer.shared();
        Map<String, String> props = new HashMap<>(Map.of("tiered.redis.uri", redis.uri(),
                "tiered.redis.keyPrefix", "async"));
        runtime.close();
        runtime = TieredRuntime.start(TieredConfig.from(props, Map.of()));
        try (TieredRuntime other = TieredRuntime.start(TieredConfig.from(props, Map.of()))) {
            Await.until("both buses", Duration.ofSeconds(10), () -> runtime.busConnected() && other.busConnected());
            CachedMethod a = async();
            CachedMethod b = other.register(Specs.of(Fixtures.Catalog.class, "async", "10m", Tier.L1_L2, "catalog"));
            CompletableFuture<String> computed = new CompletableFuture<>();
            call(a, () -> computed, 6);
            computed.complete("from another JVM");
            Await.until("the value to reach L2", Duration.ofSeconds(10),
                    () -> !((java.util.List<?>) redis.command("KEYS", "async:e:*")).isEmpty());
            Object fromL2 = b.begin1(6L);
            assertTrue(fromL2 instanceof CompletableFuture, String.valueOf(fromL2));
            assertEquals("from another JVM", ((CompletableFuture<?>) fromL2).get());
            assertEquals(1, b.stats.l2Hits.sum());
        }
    }
}
