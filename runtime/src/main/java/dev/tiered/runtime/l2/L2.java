package dev.tiered.runtime.l2;

import java.time.Duration;

import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.MethodStats;

/**
 * The shared tier of one runtime: the link to Redis, the writer behind the calls and the counting of failures.
 * Each cached method reaches it through its own {@link MethodL2}. Thread-safe; never throws because Redis failed.
 */
public final class L2 implements AutoCloseable {
    private final TieredConfig config;
    private final Redis redis;
    private final L2Errors errors;
    private final FaultReporter faults;
    /** Writes results behind the calls; {@code null} when writes are synchronous. */
    private final L2Writer writer;

    public L2(TieredConfig config, Redis redis, FaultReporter faults) {
        this.config = config;
        this.redis = redis;
        this.faults = faults;
        this.errors = new L2Errors(faults, redis.endpoint());
        this.writer = config.l2WriteBehindBytes() == 0 ? null
                : new L2Writer(redis, errors, config.l2WriteBehindBytes());
    }

    public Redis redis() {
        return redis;
    }

    public L2Errors errors() {
        return errors;
    }

    TieredConfig config() {
        return config;
    }

    FaultReporter faults() {
        return faults;
    }

    /**
     * Stores a result: queued behind the call, or on the calling thread when write-behind is off. Failures are
     * counted against {@code stats} and reported, never thrown.
     */
    void write(Redis.Store store, MethodStats stats) {
        if (writer != null) {
            if (!writer.offer(new L2Writer.Write(store, stats))) {
                stats.notStored.increment();
                faults.warn("write-behind", "results are computed faster than Redis at " + redis.endpoint()
                        + " stores them: some were kept in L1 only; raise " + TieredConfig.L2_WRITE_BEHIND_BYTES
                        + " (now " + config.l2WriteBehindBytes() + ") if Redis keeps up on average");
            }
            return;
        }
        try {
            redis.set(store);
        } catch (RuntimeException e) {
            errors.failed(stats, e);
        }
    }

    /**
     * Gives back a lease behind the call, as results are written, so that a call never waits on Redis for it; by
     * the call itself only without write-behind. If that fails, or the queue is full, the lease expires by itself.
     */
    void release(String leaseKey, String token, MethodStats stats) {
        if (writer != null) {
            writer.offer(new L2Writer.Write(Redis.Store.release(leaseKey, token), stats));
            return;
        }
        try {
            redis.release(leaseKey, token);
        } catch (RuntimeException e) {
            errors.failed(stats, e);
        }
    }

    /**
     * Waits until results queued for L2 are written (or failed); {@code false} if that took longer than the
     * timeout.
     */
    public boolean awaitWrites(Duration timeout) throws InterruptedException {
        return writer == null || writer.awaitIdle(timeout);
    }

    /** Gives what is queued a few round trips to land, then closes the connections. */
    @Override
    public void close() {
        if (writer != null) {
            writer.close(config.redisTimeout().multipliedBy(4));
        }
        redis.close();
    }
}
