package dev.tiered.runtime;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * A group of entries invalidated together, its versions, and what this JVM knows of its recent invalidations.
 *
 * <p>Every entry carries the versions that were current when its value started to be computed, and is served only
 * while they are still current:
 * <ul>
 *   <li>{@link #version()}, the namespace's version: positive when read from Redis (where {@code INCR} bumps it;
 *       it also names L2 keys), zero when not yet read, negative for a local-only generation (no Redis configured,
 *       Redis unreachable during a bump, or the invalidation bus lost for longer than
 *       {@code tiered.l1.maxStaleness}), under which L2 is not used. Positive versions only move forward.
 *       Entries of methods with an entity key are valid while it is unchanged, and are removed from L1 when their
 *       entity is invalidated.</li>
 *   <li>{@link #anyGeneration()}, a local counter that changes on every invalidation of the namespace, keyed or
 *       not: the version of entries of methods without an entity key, which any write may concern.</li>
 * </ul>
 * Invalidated entities are remembered with a local sequence number, so that a load can tell whether its entity
 * was invalidated while it ran. When that memory is full the oldest records are forgotten, and a load that began
 * before a forgotten record is simply not stored.
 */
final class Namespace {
    private static final int REMEMBERED_ENTITIES = 100_000;

    final String name;
    final String versionKey;
    final String anyEntityKey;
    final String entityKeyPrefix;
    final List<CachedMethod> methods = new CopyOnWriteArrayList<>();
    /** Held while the version is read from or sent to Redis: one thread at a time per namespace. */
    final ReentrantLock syncLock = new ReentrantLock();
    final LongAdder invalidationsSent = new LongAdder();
    final LongAdder invalidationsReceived = new LongAdder();
    /** Failures of the namespace's own Redis operations, its version reads and bumps; its methods count theirs. */
    final LongAdder versionErrors = new LongAdder();
    final LongAdder versionTimeouts = new LongAdder();
    /** How long invalidations from other JVMs took to arrive here. */
    final LagHistogram propagationLag = new LagHistogram();
    /** Bumps made only locally because Redis could not be reached; sent to Redis when it is back. */
    final AtomicInteger pendingBumps = new AtomicInteger();
    /** Coalesces concurrent bumps of this namespace. */
    final GroupCommit<Object> bumps = new GroupCommit<>();
    /** Coalesces concurrent keyed writes to this namespace: each brings its entities. */
    final GroupCommit<Collection<String>> keyedBumps = new GroupCommit<>();

    private final Executor clearer;
    private final AtomicBoolean clearScheduled = new AtomicBoolean();
    private final AtomicLong sequence = new AtomicLong();
    private final Cache<String, Long> invalidatedEntities;
    private volatile long forgottenUpTo;
    private volatile long version;
    private volatile long anyGeneration;
    private volatile boolean enabled;
    /** The highest version ever read from Redis: a version below it in Redis means Redis lost data. */
    private volatile long lastRedisVersion;
    /** When a synchronous first read of the version may next be tried (System.nanoTime). */
    volatile long nextSyncAttempt;

    Namespace(String name, String keyPrefix, boolean enabled, Executor clearer) {
        this.name = name;
        this.versionKey = keyPrefix + ":v:" + name;
        this.entityKeyPrefix = keyPrefix + ":k:" + name + ":";
        this.anyEntityKey = entityKeyPrefix + "*";
        this.enabled = enabled;
        this.clearer = clearer;
        this.invalidatedEntities = Caffeine.newBuilder()
                .maximumSize(REMEMBERED_ENTITIES)
                .expireAfterWrite(1, TimeUnit.HOURS)
                .executor(Runnable::run)
                .<String, Long>evictionListener((entity, seq, cause) -> forget(seq))
                .build();
    }

    private synchronized void forget(Long seq) {
        if (seq != null && seq > forgottenUpTo) {
            forgottenUpTo = seq;
        }
    }

    long version() {
        return version;
    }

    long anyGeneration() {
        return anyGeneration;
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

    /** A point in this namespace's local history, for {@link #entityInvalidatedSince}. */
    long sequence() {
        return sequence.get();
    }

    /**
     * Adopts {@code redisVersion}, read from Redis or from an invalidation message, if it is newer than the current
     * version. A version from Redis always replaces a local one, except while local bumps are waiting to reach
     * Redis: their writes must invalidate the entries stored under it first.
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
            anyGeneration++;
        }
        scheduleClear();
        return true;
    }

    /** Moves to a fresh local-only generation: every L1 entry becomes stale and L2 is not used. */
    void localGeneration(long negative) {
        synchronized (this) {
            version = negative;
            anyGeneration++;
        }
        scheduleClear();
    }

    /**
     * Invalidates one entity in this JVM: its entries leave L1 before this returns, entries of methods without an
     * entity key become stale, and loads of the entity that began earlier will not be stored.
     */
    void invalidateEntity(String entity) {
        synchronized (this) {
            invalidatedEntities.put(entity, sequence.incrementAndGet());
            anyGeneration++;
        }
        for (CachedMethod m : methods) {
            m.removeEntity(entity);
        }
        scheduleClear();
    }

    /** Counts from now on (the propagation-lag quantiles too). */
    void resetCounters() {
        invalidationsSent.reset();
        invalidationsReceived.reset();
        versionErrors.reset();
        versionTimeouts.reset();
        propagationLag.reset();
        methods.forEach(CachedMethod::resetCounters);
    }

    /**
     * Forgets everything this JVM knew to be current: after the invalidation bus was lost and came back, messages
     * sent in between are lost, and entries of entities they concerned cannot be told apart. Every L1 entry
     * becomes stale and no load that began before this stores its result. (L2 needs none of this: every read
     * compares an entry's stamp with its entity's current version in Redis.)
     */
    void forgetAll() {
        synchronized (this) {
            long now = sequence.incrementAndGet();
            forget(now);
            anyGeneration++;
        }
        for (CachedMethod m : methods) {
            m.clearL1();
        }
    }

    /** Whether {@code entity} was (or may have been) invalidated in this JVM after {@code sequence}. */
    boolean entityInvalidatedSince(String entity, long sequence) {
        if (forgottenUpTo > sequence) {
            return true;
        }
        Long at = invalidatedEntities.getIfPresent(entity);
        return at != null && at > sequence;
    }

    /**
     * Drops stale L1 entries, once for any number of invalidations in a burst, off the thread that received them.
     * Correctness never waits for it: stale entries are recognised by their version.
     */
    private void scheduleClear() {
        if (clearScheduled.compareAndSet(false, true)) {
            clearer.execute(() -> {
                clearScheduled.set(false);
                for (CachedMethod m : methods) {
                    m.dropStale();
                }
            });
        }
    }
}
