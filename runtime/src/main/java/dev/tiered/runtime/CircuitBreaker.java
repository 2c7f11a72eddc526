package dev.tiered.runtime;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps calls away from a Redis that keeps failing. Closed, every call goes to Redis; after
 * {@code tiered.breaker.failures} failures in a row (a timeout, a refused or dropped connection, no connection free
 * in the pool within {@code tiered.redis.timeout}, an error reply) it opens, and calls skip Redis at once: a cached
 * call is then served by L1 or runs the method, without waiting on Redis. While open, a probe on tiered's
 * maintenance thread (never an application thread) pings Redis every {@code tiered.breaker.probeInterval}; the
 * first answer closes the circuit. Each change of state is logged once.
 *
 * <p>Thread-safe; {@link #allows()} is one volatile read.
 */
final class CircuitBreaker {
    private static final Logger LOG = LoggerFactory.getLogger("tiered");

    /** Thrown by {@link Redis} instead of calling it while the circuit is open: one instance, no stack trace. */
    static final class OpenException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final OpenException INSTANCE = new OpenException();

        private OpenException() {
            super("the circuit to Redis is open", null, false, false);
        }
    }

    private final int threshold;
    private final String endpoint;
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private volatile boolean open;
    private volatile long openedAtNanos;
    final LongAdder openings = new LongAdder();
    final LongAdder skipped = new LongAdder();

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

    boolean isOpen() {
        return open;
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
                    open = true;
                    openings.increment();
                    LOG.warn("L2 circuit opened: Redis at {} failed {} times in a row (last: {}); cached calls skip "
                            + "Redis and use L1 and the method until it answers again", endpoint, threshold, cause.toString());
                }
            }
        }
    }

    /** A probe reached Redis: closes the circuit if it was open. */
    void probeSucceeded() {
        failuresInARow.set(0);
        synchronized (this) {
            if (open) {
                open = false;
                LOG.info("L2 circuit closed: Redis at {} answers again after {}; cached calls use it again", endpoint,
                        Durations.format(Duration.ofMillis((System.nanoTime() - openedAtNanos) / 1_000_000)));
            }
        }
    }
}
