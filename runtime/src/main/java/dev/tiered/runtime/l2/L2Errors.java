package dev.tiered.runtime.l2;

import java.net.SocketTimeoutException;
import java.util.NoSuchElementException;
import java.util.regex.Pattern;

import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.MethodStats;

/**
 * Counts and reports failed L2 operations: against the method they served, and in the log at most once a minute.
 * An operation skipped because the breaker is open is neither: its opening was logged. Thread-safe.
 */
public final class L2Errors {
    private static final Pattern SCRIPT_TRACE = Pattern.compile("\\s*script: \\w+, on @user_script:\\d+\\.?$");
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

    /** Reports a failure (at most once a minute), unless the call never reached Redis ({@link #skipped}). */
    public void report(RuntimeException e) {
        if (e instanceof Redis.UnreplicatedException) {
            faults.warn("redis", "Redis at " + endpoint + " took a bump that no replica has confirmed ("
                    + e.getMessage() + "); it is sent again until one does");
        } else if (!skipped(e)) {
            faults.warn("redis", "Redis at " + endpoint + " failed: " + e + "; calls fall back to L1 and the method");
        }
    }

    /**
     * Whether the operation never reached Redis: the breaker is open, or the sentinels have not named the master yet
     * (the invalidation bus, which waits for them, reports their failure).
     */
    public static boolean skipped(RuntimeException e) {
        return e == CircuitBreaker.OpenException.INSTANCE || e == Redis.NoMasterYet.INSTANCE;
    }

    /**
     * What Redis answered when it refused an operation (an error reply: {@code OOM}, {@code MISCONF},
     * {@code NOREPLICAS}, {@code READONLY}, a missing ACL permission, ...), or {@code null} when it did not answer
     * at all (down, unreachable, timed out, or skipped by the breaker) or refused the connection itself (a wrong
     * password, which the bus reports).
     */
    public static String refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof JedisDataException && !(t instanceof JedisNoScriptException)) {
                String message = t.getMessage();
                if (message != null && (message.startsWith("WRONGPASS") || message.startsWith("NOAUTH"))) {
                    return null; // a connection refused before any write: the bus says so, once
                }
                // what Redis adds when a script's command failed says nothing to an operator
                return message == null ? t.getClass().getSimpleName()
                        : SCRIPT_TRACE.matcher(message).replaceFirst("");
            }
        }
        return null;
    }

    /**
     * Whether Redis answered with a refusal of writes as such ({@code OOM} under {@code maxmemory},
     * {@code NOREPLICAS}, {@code MISCONF}, an ACL without the command): it is up and serves reads, so the breaker
     * does not count it, and {@code WriteWatch} bounds what it means for staleness.
     */
    public static boolean writeRefused(Throwable e) {
        String reply = refusal(e);
        return reply != null && (reply.startsWith("OOM") || reply.startsWith("NOREPLICAS")
                || reply.startsWith("MISCONF") || reply.startsWith("NOPERM") || reply.contains("can't run this command")
                || reply.contains("no permissions"));
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
