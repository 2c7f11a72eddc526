package dev.tiered.bench;

import org.openjdk.jmh.annotations.Benchmark;

/** Case 10's baseline: the lookup in a JVM with the agent, nothing advised. */
public class AdviseBenchmark extends RepositoryLookup {
    @Benchmark
    public String plain() {
        return lookup();
    }
}
