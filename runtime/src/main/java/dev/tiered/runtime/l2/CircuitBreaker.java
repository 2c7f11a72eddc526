package dev.tiered.runtime.l2;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tiered.runtime.config.Durations;

/**
 * Keeps calls away from a Redis that keeps failing. Closed, every call goes to Redis; after
 * {@code tiered.breaker.failures} failures in a row (a timeout, a refused or dropped connection, no connection free
 * in the pool within {@code tiered.redis.timeout}, an error reply other than a refusal of writes, which the write
 * watch bounds) it opens, and calls skip Redis at once: a cached call is then served by L1 or runs the method,
 * without waiting on Redis. While open, a probe on tiered's maintenance thread (never an application thread) pings
 * Redis every {@code tiered.breaker.probeInterval}; the first answer closes the breaker. Each change of state is
 * logged once.
 *
 * <p>Thread-safe; {@link #allows()} is one volatile read.
 */
public final class CircuitBreaker {
    private static final Logger LOG = LoggerFactory.getLogger("tiered");

    /** Thrown by {@link Redis} instead of calling it while the breaker is open: one instance, no stack trace. */
    static final class OpenException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final OpenException INSTANCE = new OpenException();

        private OpenException() {
            super("the L2 breaker is open", null, false, false);
        }
    }

    private final int threshold;
    private final String endpoint;
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private volatile boolean open;
    private volatile long openedAtNanos;
    /** When the breaker last opened (epoch milliseconds), and the failure that opened it. */
    private volatile long openedAtMillis;
    private volatile String openedBy = "";
    public final LongAdder openings = new LongAdder();
    public final LongAdder skipped = new LongAdder();

    CircuitBreaker(int threshold, String endpoint) {
        this.threshold = threshold;
        this.endpoint = endpoint;
    }

    /** Whether a call may go to Redis now; counts the call as skipped if not. */
    boolean allows() {
        if (open) {
            skipped.increment();
            return false;
        }
        return true;
    }

    public boolean isOpen() {
        return open;
    }

    /** When the breaker last opened, in milliseconds since the epoch; 0 if it never did. */
    public long openedAtMillis() {
        return openedAtMillis;
    }

    /** The failure that last opened the breaker; empty if it never opened. */
    public String openedBy() {
        return openedBy;
    }

    void succeeded() {
        if (failuresInARow.get() != 0) {
            failuresInARow.set(0);
        }
    }

    void failed(RuntimeException cause) {
        if (failuresInARow.incrementAndGet() >= threshold) {
            synchronized (this) {
                if (!open) {
                    openedAtNanos = System.nanoTime();
                    openedAtMillis = System.currentTimeMillis();
                    openedBy = cause.toString();
                    open = true;
                    openings.increment();
                    LOG.warn("L2 breaker opened: Redis at {} failed {} times in a row (last: {}); cached calls skip "
                            + "Redis and use L1 and the method until it answers again", endpoint, threshold, cause.toString());
                }
            }
        }
    }

    /** A probe reached Redis: closes the breaker if it was open. */
    void probeSucceeded() {
        failuresInARow.set(0);
        synchronized (this) {
            if (open) {
                open = false;
                LOG.info("L2 breaker closed: Redis at {} answers again after {}; cached calls use it again", endpoint,
                        Durations.format(Duration.ofMillis((System.nanoTime() - openedAtNanos) / 1_000_000)));
            }
        }
    }
}
