package dev.tiered.runtime.coherence;

import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;

import dev.tiered.runtime.config.Durations;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l2.L2Errors;
import dev.tiered.runtime.l2.Redis;
import dev.tiered.runtime.stats.Clocks;
import dev.tiered.runtime.stats.FaultReporter;

/**
 * Whether Redis takes this JVM's writes. A Redis that refuses them ({@code OOM} at {@code maxmemory} with
 * {@code noeviction}, {@code MISCONF} after a failed save, {@code NOREPLICAS} under {@code min-replicas-to-write}, an
 * ACL without a command a bump needs) still serves reads and pub/sub, so the breaker stays closed and the bus stays
 * healthy, while a write it refused bumped nothing and told nobody. Every heartbeat a probe writes with the commands
 * a bump needs; a refused probe or bump starts the clock that {@link Versions} cuts off at, as for a silent bus.
 * Not answering at all is the bus's and the breaker's to tell. Thread-safe.
 */
final class WriteWatch {
    private static final Logger LOG = FaultReporter.LOG;

    private final Redis redis;
    private final TieredConfig config;
    /** What Redis answered the last write it refused, while it refuses them; {@code null} while it takes them. */
    private volatile String refusal;
    /** When Redis last took a write of this JVM (a probe). */
    private volatile long takenNanos = System.nanoTime();
    /** When Redis began refusing writes (epoch milliseconds), while it refuses them. */
    private volatile long refusingSinceMillis;
    private final LongAdder refusals = new LongAdder();

    WriteWatch(Redis redis, TieredConfig config) {
        this.redis = redis;
        this.config = config;
    }

    /**
     * Probes once: a write with the commands a bump needs, kept three heartbeats.
     *
     * @return whether Redis took it after refusing writes (the caller resumes); {@code false} otherwise
     */
    boolean probe() {
        try {
            redis.probeWrites(3 * config.busHeartbeat().toMillis(), BusMessage.probe(redis.origin(),
                    Clocks.epochMicros()));
        } catch (RuntimeException e) {
            refused(e);
            return false;
        }
        takenNanos = System.nanoTime();
        String was = refusal;
        refusal = null;
        return was != null;
    }

    /** Notes a write that failed, if Redis refused it (an error reply) rather than not answering. */
    void refused(RuntimeException e) {
        String reply = L2Errors.refusal(e);
        if (reply == null) {
            return;
        }
        refusals.increment();
        if (refusal == null) {
            refusingSinceMillis = System.currentTimeMillis();
            LOG.warn("Redis at {} refuses writes ({}): invalidations may not reach other JVMs; L1 and L2 are trusted "
                    + "for at most {} more, then calls run uncached until it takes writes again", redis.endpoint(),
                    reply, Durations.format(config.l1MaxStaleness()));
        }
        refusal = reply;
    }

    /** What Redis answered the last write it refused, while it refuses writes; {@code null} while it takes them. */
    String refusal() {
        return refusal;
    }

    /** How long Redis has refused writes, as of {@code now} ({@link System#nanoTime()}); 0 while it takes them. */
    long refusingNanos(long now) {
        return refusal == null ? 0 : now - takenNanos;
    }

    /** When Redis began refusing writes, in milliseconds since the epoch; meaningless while it takes them. */
    long refusingSinceMillis() {
        return refusingSinceMillis;
    }

    /** Writes of this JVM that Redis refused since start-up: probes and bumps. */
    long refusals() {
        return refusals.sum();
    }
}
