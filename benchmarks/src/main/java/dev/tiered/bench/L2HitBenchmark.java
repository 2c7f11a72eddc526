package dev.tiered.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Case 3: an L2 hit through the agent (the method is {@code Tier.L2}, so L1 is not involved) against a raw Jedis
 * GET of the very bytes the agent stored, decoded by a plain {@link java.io.ObjectInputStream}; on one server, and
 * (case 8) on a Redis Cluster, where the baseline is Jedis's own cluster client.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class L2HitBenchmark {
    private final Catalog catalog = new Catalog();
    private final String sku = "sku-42";
    private Redis.Client redis;
    private byte[] key;
    private int streamStart;

    @Setup
    public void setUp() throws InterruptedException {
        redis = Redis.connect();
        catalog.fromRedis(sku);
        key = redis.awaitEntry("bench-l2");
        streamStart = Redis.streamStart(redis.commands().get(key));
        if (!Catalog.PRODUCT.equals(rawGetAndDecode())) {
            throw new IllegalStateException("the baseline does not decode what the agent stored");
        }
    }

    @TearDown
    public void tearDown() throws Exception {
        redis.close();
    }

    @Benchmark
    public Product agentL2Hit() {
        return catalog.fromRedis(sku);
    }

    @Benchmark
    public Object rawGetAndDecode() {
        return Redis.deserialize(redis.commands().get(key), streamStart);
    }
}
