package dev.tiered.bench;

import java.lang.management.ManagementFactory;

import javax.management.ObjectName;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.TearDown;

/** Case 10: the lookup with its class advised ({@code tiered.advise}). */
@AgentSettings("tiered.advise=dev.tiered.bench.advised.**")
public class AdvisedBenchmark extends RepositoryLookup {
    @Benchmark
    public String advised() {
        return lookup();
    }

    /** The lookup must have been observed: an advisor that saw nothing would flatter itself. */
    @TearDown
    public void observed() throws Exception {
        String table = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("dev.tiered:type=Runtime"), "adviceTable", new Object[0], new String[0]);
        if (!table.contains("dev.tiered.bench.advised.PlainRepository.find(long)")) {
            throw new IllegalStateException("the advisor did not observe the lookup; the comparison is void:\n"
                    + table);
        }
    }
}
