package dev.tiered.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.management.ObjectName;

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

import redis.clients.jedis.params.SetParams;

/**
 * Case 4: a call that misses both tiers (a new id every time) through the agent, against what an application
 * would do by hand on a miss: run the method, put the result in Caffeine, serialize it and SET it in Redis; on one
 * server, and (case 8) on a Redis Cluster, where the baseline is Jedis's own cluster client.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class MissBenchmark {
    private final Catalog catalog = new Catalog();
    private final Cache<Long, Product> caffeine = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build();
    private final SetParams ttl = SetParams.setParams().px(60_000);
    private Redis.Client redis;
    private long next;

    @Setup
    public void setUp() {
        redis = Redis.connect();
        next = System.nanoTime(); // ids no earlier run of this JVM or another fork used
    }

    /** Every miss must have been stored: a result dropped by a full write-behind queue would flatter the agent. */
    @TearDown
    public void tearDown() throws Exception {
        redis.close();
        ObjectName namespace = new ObjectName("dev.tiered:type=Namespace,name=bench-miss");
        if (!ManagementFactory.getPlatformMBeanServer().isRegistered(namespace)) {
            return; // the baseline's fork: the agent cached nothing here
        }
        Object notStored = ManagementFactory.getPlatformMBeanServer().getAttribute(namespace, "NotStored");
        if (((Number) notStored).longValue() != 0) {
            throw new IllegalStateException(notStored + " results were not stored in L2: the comparison is void");
        }
    }

    @Benchmark
    public Product agentMiss() {
        return catalog.load(next++);
    }

    @Benchmark
    public Product rawMiss() {
        long id = next++;
        Product p = catalog.compute(id);
        caffeine.put(id, p);
        redis.commands().set(("raw:" + id).getBytes(), Redis.serialize(p), ttl);
        return p;
    }
}
