package dev.tiered.bench;

import java.time.Duration;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * An L1 hit through the agent and its two hand-written baselines, shared by the one-thread (case 1) and two-thread
 * (case 5) benchmarks, which differ only in how they run them.
 */
@State(Scope.Benchmark)
public abstract class HitBaselines {
    final Catalog catalog = new Catalog();
    /** The hand-written cache: the same bound and lifetime as the agent's L1 for {@link Catalog#find}. */
    private final Cache<String, Product> caffeine = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(10)).build();
    /** The cheapest bounded Caffeine lookup: no expiry, so no clock is read. */
    private final Cache<String, Product> boundOnly = Caffeine.newBuilder().maximumSize(10_000).build();
    String sku = "sku-42";

    @Setup
    public void fillBaselines() {
        caffeine.put(sku, catalog.compute(sku));
        boundOnly.put(sku, catalog.compute(sku));
        catalog.find(sku);
    }

    @Benchmark
    public Product agentHit() {
        return catalog.find(sku);
    }

    @Benchmark
    public Product caffeineGetIfPresent() {
        return caffeine.getIfPresent(sku);
    }

    @Benchmark
    public Product caffeineBoundOnly() {
        return boundOnly.getIfPresent(sku);
    }
}
