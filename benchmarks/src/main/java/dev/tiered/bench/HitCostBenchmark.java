package dev.tiered.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.tiered.runtime.l1.CoarseClock;
import dev.tiered.runtime.l1.Entry;
import dev.tiered.runtime.l1.MethodL1;
import dev.tiered.runtime.stats.HitCounter;
import dev.tiered.runtime.stats.MethodStats;

/**
 * Where an L1 hit's time goes: the agent's hit rebuilt by hand from its parts, one step at a time, so that the
 * difference between two steps is what one guarantee costs. From Caffeine with a bound only, to tiered's L1 store
 * (the bound and each entry's lifetime, read from the coarse clock), to the checks a hit makes before it serves an
 * entry (the namespace's generation, the refresh deadline), to the exact per-method hit count. What
 * {@code L1HitBenchmark.agentHit} costs beyond the last step is the dispatch: the advice, the bridge, the site.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class HitCostBenchmark {
    private static final Duration LIFETIME = Duration.ofMinutes(10);

    private final CoarseClock clock = new CoarseClock();
    private final Cache<Object, Entry> boundOnly = Caffeine.newBuilder().maximumSize(10_000).build();
    private final MethodL1 l1 = new MethodL1(10_000, 0, LIFETIME, Duration.ZERO, 0.5, clock, new MethodStats(), false);
    private final Cache<Object, Entry> store = l1.store();
    private final HitCounter hits = new HitCounter();
    /** The namespace's generation, as a hit reads it: a volatile field. */
    private volatile long generation;
    private final String sku = "sku-42";

    @Setup
    public void setUp() {
        Entry entry = l1.entry(generation, new Product(42, sku, java.math.BigDecimal.TEN), null, LIFETIME.toNanos());
        l1.put(sku, entry);
        boundOnly.put(sku, entry);
    }

    @TearDown
    public void tearDown() {
        clock.close();
    }

    @Benchmark
    public Object caffeineBoundOnly() {
        return boundOnly.getIfPresent(sku);
    }

    @Benchmark
    public Object l1Store() {
        return store.getIfPresent(sku);
    }

    @Benchmark
    public Object l1StoreChecked() {
        Entry e = store.getIfPresent(sku);
        return e != null && e.generation == generation && clock.read() - e.refreshAt < 0 ? e.result : null;
    }

    @Benchmark
    public Object l1StoreCheckedCounted() {
        Entry e = store.getIfPresent(sku);
        if (e != null && e.generation == generation && clock.read() - e.refreshAt < 0) {
            hits.increment(3);
            return e.result;
        }
        return null;
    }
}
