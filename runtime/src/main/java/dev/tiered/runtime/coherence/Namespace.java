package dev.tiered.runtime.coherence;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.tiered.runtime.l2.NamespaceKeys;
import dev.tiered.runtime.stats.LagHistogram;
import dev.tiered.runtime.stats.MethodStats;

/**
 * A group of entries invalidated together, its versions, and what this JVM knows of its recent invalidations.
 *
 * <p>Every L1 entry carries the generation that was current when its value started to be computed, and is served
 * only while that is still its method's current generation (the vocabulary is defined in docs/ARCHITECTURE.md):
 * <ul>
 *   <li>for methods with an entity key, {@link #version()}, the namespace's version: positive when read from Redis
 *       (where {@code INCR} bumps it; it also names L2 keys), zero when not yet read, negative for a local-only
 *       version (no Redis configured, Redis unreachable during a bump, or the invalidation bus lost for longer than
 *       {@code tiered.l1.maxStaleness}), under which L2 is not used. Positive versions only move forward. Entries
 *       of an invalidated entity are removed from L1;</li>
 *   <li>for methods without one, {@link #anyGeneration()}, a local counter that changes on every invalidation of
 *       the namespace, keyed or not, since any write may concern them.</li>
 * </ul>
 * Invalidated entities are remembered with a local sequence number, so that a load can tell whether its entity
 * was invalidated while it ran. When that memory is full the oldest records are forgotten, and a load that began
 * before a forgotten record is simply not stored.
 */
public final class Namespace {
    /**
     * What a namespace's invalidations reach: the L1 of one cached method. Called by whichever thread applies an
     * invalidation; must not block.
     */
    public interface Member {
        /** Removes the entity's entries from L1 (after the entity was recorded as invalidated). */
        void removeEntity(String entity);

        /** Drops L1 entries of an old generation: housekeeping, since they are never served. */
        void dropStale();

        /** Drops every L1 entry. */
        void clearL1();

        /** Sets the member's counters back to zero. */
        void resetCounters();

        /** The longest its entries live in L2: an entity's version must outlive every entry stamped with it. */
        Duration ttl();
    }

    private static final int REMEMBERED_ENTITIES = 100_000;

    public final String name;
    final NamespaceKeys keys;
    /**
     * Held weakly: a member belongs to a class of the application, and goes when that class's loader goes (a
     * redeploy); its anchor holds it strongly. Cleared references are pruned as members come and go.
     */
    private final List<WeakReference<Member>> members = new CopyOnWriteArrayList<>();
    /** Held while the version is read from or sent to Redis: one thread at a time per namespace. */
    final ReentrantLock syncLock = new ReentrantLock();
    public final LongAdder invalidationsSent = new LongAdder();
    public final LongAdder invalidationsReceived = new LongAdder();
    /** Failures of the namespace's own Redis operations, its version reads and bumps; its methods count theirs. */
    public final LongAdder versionErrors = new LongAdder();
    public final LongAdder versionTimeouts = new LongAdder();
    /** How long invalidations from other JVMs took to arrive here. */
    public final LagHistogram propagationLag = new LagHistogram();
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
    /**
     * Bit 0 set: caching is off ({@code tiered.enabled}, JMX); the bits above count the transactions of this JVM
     * that wrote the namespace and have not completed. Zero, the common case, is all a hit reads.
     */
    private volatile int state;
    private static final AtomicIntegerFieldUpdater<Namespace> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Namespace.class, "state");
    /** The highest version ever read from Redis: a version below it in Redis means Redis lost data. */
    private volatile long lastRedisVersion;
    /** When a synchronous first read of the version may next be tried (System.nanoTime). */
    volatile long nextSyncAttempt;

    Namespace(String name, NamespaceKeys keys, boolean enabled, Executor clearer) {
        this.name = name;
        this.keys = keys;
        this.state = enabled ? 0 : 1;
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

    public long version() {
        return version;
    }

    public long anyGeneration() {
        return anyGeneration;
    }

    public boolean enabled() {
        return (state & 1) == 0;
    }

    public void enabled(boolean enabled) {
        STATE.getAndUpdate(this, s -> enabled ? s & ~1 : s | 1);
    }

    /** Enabled, and written by no transaction of this JVM that is still open: a hit needs to know nothing more. */
    public boolean open() {
        return state == 0;
    }

    /** Whether a transaction of this JVM that wrote the namespace is still open: its thread reads uncached. */
    public boolean writtenByOpenTransactions() {
        return state > 1;
    }

    /** A transaction of this JVM wrote the namespace ({@code +1}) or completed ({@code -1}). */
    public void transactionWrites(int delta) {
        STATE.getAndAdd(this, 2 * delta);
    }

    long lastRedisVersion() {
        return lastRedisVersion;
    }

    /** Its keys in Redis; {@code null} without Redis. */
    public NamespaceKeys keys() {
        return keys;
    }

    /** The counts of members that are gone (with their class loaders), which the namespace's totals keep. */
    public final MethodStats retired = new MethodStats();
    /** The L1 hits of members that are gone. */
    public final LongAdder retiredL1Hits = new LongAdder();

    /** Keeps the counts of a member that is gone. */
    public void retire(MethodStats stats, long l1Hits) {
        retired.add(stats);
        retiredL1Hits.add(l1Hits);
    }

    /** Adds a member, which this namespace's invalidations reach from now on. */
    public void add(Member member) {
        prune();
        members.add(new WeakReference<>(member));
    }

    /** Removes a member (a method replaced by a reload of the rules): invalidations no longer reach it. */
    public void remove(Member member) {
        members.removeIf(m -> m.get() == null || m.get() == member);
    }

    /** Forgets the members that are gone (their class loaders were collected). */
    public void prune() {
        members.removeIf(m -> m.get() == null);
    }

    /** The members alive, in the order they were added: a snapshot, safe to iterate while others are added. */
    public List<Member> members() {
        List<Member> alive = new ArrayList<>(members.size());
        for (WeakReference<Member> ref : members) {
            Member m = ref.get();
            if (m != null) {
                alive.add(m);
            }
        }
        return alive;
    }

    /** Drops every member's L1 entries. */
    public void clearL1() {
        members().forEach(Member::clearL1);
    }

    /** A point in this namespace's local history, for {@link #entityInvalidatedSince}. */
    public long sequence() {
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

    /** Moves to a fresh local-only version: every L1 entry becomes stale and L2 is not used. */
    void localVersion(long negative) {
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
        for (Member m : members()) {
            m.removeEntity(entity);
        }
        scheduleClear();
    }

    /** Counts from now on (the propagation-lag quantiles too). */
    public void resetCounters() {
        invalidationsSent.reset();
        invalidationsReceived.reset();
        versionErrors.reset();
        versionTimeouts.reset();
        propagationLag.reset();
        members().forEach(Member::resetCounters);
        retired.reset();
        retiredL1Hits.reset();
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
        for (Member m : members()) {
            m.clearL1();
        }
    }

    /** Whether {@code entity} was (or may have been) invalidated in this JVM after {@code sequence}. */
    public boolean entityInvalidatedSince(String entity, long sequence) {
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
                for (Member m : members()) {
                    m.dropStale();
                }
            });
        }
    }
}
