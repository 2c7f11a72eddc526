package dev.tiered.runtime;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A group of entries invalidated together, and its version.
 *
 * <p>Every entry carries the version that was current when its value started to be computed, and is served only
 * while that version is still current. A positive version was read from Redis (where {@code INCR} bumps it) and
 * also names L2 keys; zero means not yet read; a negative version is a local-only generation (no Redis configured,
 * Redis unreachable during a bump, or the invalidation bus lost for longer than {@code tiered.l1.maxStaleness}),
 * under which L2 is not used. Positive versions only move forward; see {@link #advanceTo(long)}.
 */
final class Namespace {
    final String name;
    final String versionKey;
    final List<CachedMethod> methods = new CopyOnWriteArrayList<>();
    final LongAdder invalidationsSent = new LongAdder();
    final LongAdder invalidationsReceived = new LongAdder();
    /** Bumps made only locally because Redis could not be reached; sent to Redis when it is back. */
    final AtomicInteger pendingBumps = new AtomicInteger();

    private volatile long version;
    private volatile boolean enabled;
    /** The highest version ever read from Redis: a version below it in Redis means Redis lost data. */
    private volatile long lastRedisVersion;
    /** When a synchronous first read of the version may next be tried (System.nanoTime). */
    volatile long nextSyncAttempt;

    Namespace(String name, String versionKey, boolean enabled) {
        this.name = name;
        this.versionKey = versionKey;
        this.enabled = enabled;
    }

    long version() {
        return version;
    }

    boolean enabled() {
        return enabled;
    }

    void enabled(boolean enabled) {
        this.enabled = enabled;
    }

    long lastRedisVersion() {
        return lastRedisVersion;
    }

    /**
     * Adopts {@code redisVersion}, read from Redis or from an invalidation message, if it is newer than the current
     * version, and drops this JVM's L1 entries if so. A version from Redis always replaces a local one, except
     * while local bumps are waiting to reach Redis: their writes must invalidate the entries stored under it first.
     *
     * @return whether the version changed
     */
    boolean advanceTo(long redisVersion) {
        synchronized (this) {
            long current = version;
            if ((current > 0 && current >= redisVersion) || pendingBumps.get() > 0) {
                return false;
            }
            version = redisVersion;
            lastRedisVersion = Math.max(lastRedisVersion, redisVersion);
        }
        clearL1();
        return true;
    }

    /** Moves to a fresh local-only generation: every L1 entry becomes stale and L2 is not used. */
    void localGeneration(long negative) {
        synchronized (this) {
            version = negative;
        }
        clearL1();
    }

    void clearL1() {
        for (CachedMethod m : methods) {
            m.clearL1();
        }
    }
}
