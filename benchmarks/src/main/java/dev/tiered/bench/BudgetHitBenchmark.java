package dev.tiered.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Case 1 under {@code tiered.l1.budget}: the same L1 hit as {@link L1HitBenchmark#agentHit}, in a JVM whose L1 is
 * bounded by one shared budget (the method's bound moved by the maintenance thread every few seconds). Run in the
 * same rounds as {@link L1HitBenchmark}, so that its ratio to Caffeine is taken against the same neighbours.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@AgentSettings("tiered.l1.budget=64MB")
public class BudgetHitBenchmark {
    private final Catalog catalog = new Catalog();
    private final String sku = "sku-42";

    @Setup
    public void fill() {
        catalog.find(sku);
    }

    @Benchmark
    public Product agentHit() {
        return catalog.find(sku);
    }
}
