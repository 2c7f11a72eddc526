package dev.tiered.runtime.l2;

import java.net.SocketTimeoutException;
import java.util.NoSuchElementException;

import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.MethodStats;

/**
 * Counts and reports failed L2 operations: against the method they served, and in the log at most once a minute.
 * An operation skipped because the breaker is open is neither: its opening was logged. Thread-safe.
 */
public final class L2Errors {
    private final FaultReporter faults;
    private final String endpoint;

    public L2Errors(FaultReporter faults, Object endpoint) {
        this.faults = faults;
        this.endpoint = String.valueOf(endpoint);
    }

    /** Counts a failed read or write of {@code stats}'s method, and reports it. */
    public void failed(MethodStats stats, RuntimeException e) {
        if (skipped(e)) {
            return;
        }
        stats.l2Errors.increment();
        if (timedOut(e)) {
            stats.l2Timeouts.increment();
        }
        report(e);
    }

    /** Reports a failure (at most once a minute), unless the call only skipped Redis because the breaker is open. */
    public void report(RuntimeException e) {
        if (!skipped(e)) {
            faults.warn("redis", "Redis at " + endpoint + " failed: " + e + "; calls fall back to L1 and the method");
        }
    }

    /** Whether the operation never reached Redis because the breaker is open. */
    public static boolean skipped(RuntimeException e) {
        return e == CircuitBreaker.OpenException.INSTANCE;
    }

    /** Whether Redis failed by not answering in time: a socket timeout, or no pooled connection within the wait. */
    public static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof NoSuchElementException) {
                return true;
            }
        }
        return false;
    }
}
