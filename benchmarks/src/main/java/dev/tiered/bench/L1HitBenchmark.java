package dev.tiered.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;

/**
 * Case 1: one L1 hit, through the agent, against the same lookup written by hand in Caffeine (with the agent's
 * bound and expiry, and with a bound only), against Spring's {@code @Cacheable} backed by Caffeine, and against
 * calling the method with no cache at all. Case 2 (allocation per hit) runs these with JMH's gc profiler, plus the
 * 0-, primitive- and 3-argument methods.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class L1HitBenchmark extends HitBaselines {
    private SpringCatalog spring;
    private long id = 4242;

    @Setup
    public void setUp() {
        spring = SpringCatalog.start();
        catalog.featured();
        catalog.byId(id);
        catalog.variant(sku, "red", "xl");
        spring.find(sku);
    }

    @Benchmark
    public Product springCacheable() {
        return spring.find(sku);
    }

    @Benchmark
    public Product direct() {
        return catalog.compute(sku);
    }

    @Benchmark
    public Product agentHitNoArguments() {
        return catalog.featured();
    }

    @Benchmark
    public Product agentHitPrimitiveArgument() {
        return catalog.byId(id);
    }

    @Benchmark
    public Product agentHitThreeArguments() {
        return catalog.variant(sku, "red", "xl");
    }
}
