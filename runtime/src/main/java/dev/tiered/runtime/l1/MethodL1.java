package dev.tiered.runtime.l1;

import java.time.Duration;
import java.util.function.Consumer;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import dev.tiered.runtime.stats.MethodStats;

/**
 * The L1 of one cached method: a Caffeine cache of {@link Entry}s bounded by entries or estimated bytes, the index
 * from entity to keys of a method with an entity key, and the lifetimes of what it stores. The cached method reads
 * {@link #store()} directly on its hit path; everything else (stores, invalidation, housekeeping) goes through here.
 * Thread-safe.
 */
public final class MethodL1 {
    /**
     * What L1 adds per entry besides its key and result: Caffeine's node, its map's node and table slot, and the
     * {@link Entry}. The Footprint benchmark measured 191 bytes per entry with a boxed {@code long} key (16 bytes)
     * and a shared result on a 64-bit JVM with compressed references.
     */
    public static final int ENTRY_OVERHEAD_BYTES = 176;

    private final Cache<Object, Entry> store;
    /** For a method with an entity key: its L1 keys by entity; else {@code null}. */
    private final EntityIndex index;
    private final MethodStats stats;
    private final CoarseClock clock;
    /** How long past its deadline an entry may be returned when the method throws; 0: never. */
    private final long staleIfErrorNanos;
    /** The fraction of an entry's lifetime after which it is due for a refresh; 1 or more: never. */
    private final double refreshAhead;
    /** How long after it was stored an entry is due for a refresh ahead of expiry. */
    private volatile long refreshAfterNanos;

    /**
     * @param maxEntries   most entries
     * @param maxBytes     most estimated bytes ({@link HeapEstimator}), or 0 for a bound by entries only
     * @param lifetime     how long an entry is served
     * @param staleIfError how long past that it is kept, to be returned if the method throws
     * @param refreshAhead the fraction of its lifetime after which an entry is due for a refresh
     * @param entityKeyed  whether the method has an entity key, so that entries are indexed by entity
     */
    public MethodL1(long maxEntries, long maxBytes, Duration lifetime, Duration staleIfError, double refreshAhead,
                    CoarseClock clock, MethodStats stats, boolean entityKeyed) {
        this.index = entityKeyed ? new EntityIndex() : null;
        this.stats = stats;
        this.clock = clock;
        this.staleIfErrorNanos = staleIfError.toNanos();
        this.refreshAhead = refreshAhead;
        this.refreshAfterNanos = refreshAfter(lifetime);
        // entries are served until their own deadline; Caffeine keeps them past it for stale-if-error
        this.store = build(maxEntries, maxBytes, lifetime.plus(staleIfError));
    }

    /**
     * Runs every kind of L1 this class builds through a miss, a store, a hit, an entity's removal and a clear, so
     * that the classes Caffeine loads lazily on those paths are loaded now, on tiered's own thread: a burst of first
     * calls on virtual threads would otherwise wait for each other's class loading with their carriers pinned.
     */
    public static void warmUp(CoarseClock clock) {
        for (long maxBytes : new long[] {0, 1 << 20}) {
            MethodL1 l1 = new MethodL1(16, maxBytes, Duration.ofMinutes(1), Duration.ofSeconds(1), 0.5, clock,
                    new MethodStats(), true);
            Cache<Object, Entry> store = l1.store();
            store.getIfPresent("warm-up");
            l1.put("warm-up", l1.entry(0, "value", "entity", Duration.ofMinutes(1).toNanos()));
            store.getIfPresent("warm-up");
            l1.removeEntity("entity");
            l1.clear();
            store.cleanUp();
        }
    }

    private Cache<Object, Entry> build(long maxEntries, long maxBytes, Duration expiry) {
        Caffeine<Object, Object> builder = Caffeine.newBuilder();
        if (maxBytes > 0) {
            // an entry weighs at least its share of the entry bound, so that both bounds hold
            long least = Math.max(1, -Math.floorDiv(-maxBytes, maxEntries));
            builder.maximumWeight(maxBytes).weigher((Object key, Entry entry) -> weight(key, entry, least));
        } else {
            builder.maximumSize(maxEntries);
        }
        builder.expireAfterWrite(expiry)
                .ticker(clock)
                // maintenance (eviction, expiry) on the calling threads, in small amortised steps: never on the
                // application's common ForkJoinPool, where a busy application would delay it and let L1 grow past
                // its bound
                .executor(Runnable::run);
        builder.evictionListener((Object key, Entry entry, RemovalCause cause) -> {
            if (cause == RemovalCause.SIZE) {
                stats.evictedBySize.increment();
            } else if (cause == RemovalCause.EXPIRED) {
                stats.expired.increment();
            }
            if (index != null) {
                index.remove(entry.entity, key);
            }
        });
        return builder.build();
    }

    /** An entry's weight under a byte bound: its estimated bytes, and at least {@code least}. */
    private static int weight(Object key, Entry entry, long least) {
        long bytes = ENTRY_OVERHEAD_BYTES + HeapEstimator.bytes(key)
                + (entry.result == Entry.NULL ? 0 : HeapEstimator.bytes(entry.result));
        return (int) Math.min(Integer.MAX_VALUE, Math.max(least, bytes));
    }

    private long refreshAfter(Duration lifetime) {
        return refreshAhead >= 1 ? Long.MAX_VALUE / 4 : (long) (lifetime.toNanos() * refreshAhead);
    }

    /**
     * Sets the most estimated bytes kept, for a cache built with a byte bound: entries beyond it are evicted by
     * Caffeine's policy as writes drain (at once if the cache is idle: this call drains it).
     */
    public void maximumWeight(long bytes) {
        store.policy().eviction().ifPresent(e -> {
            if (e.isWeighted()) {
                e.setMaximum(bytes);
            }
        });
    }

    /** The most estimated bytes kept, for a cache built with a byte bound; -1 for one bounded by entries. */
    public long maximumWeight() {
        return store.policy().eviction().filter(e -> e.isWeighted()).map(e -> e.getMaximum()).orElse(-1L);
    }

    /** The cache itself, for lookups. */
    public Cache<Object, Entry> store() {
        return store;
    }

    /** A new entry, stored now, living at most {@code lifetimeNanos}. */
    public Entry entry(long generation, Object result, String entity, long lifetimeNanos) {
        long now = clock.read();
        long deadline = now + lifetimeNanos;
        long refreshAt = refreshAfterNanos < lifetimeNanos ? now + refreshAfterNanos : deadline;
        return new Entry(generation, result, entity, now, deadline, refreshAt);
    }

    /** Stores an entry and indexes it under its entity. */
    public void put(Object key, Entry entry) {
        store.put(key, entry);
        if (index != null) {
            // one atomic step: between a lookup and an add, an invalidation could detach the set, leaving a
            // current entry that the entity's next invalidation would not find
            index.add(entry.entity, key);
        }
    }

    /** Removes the entry of {@code key} if it is still {@code entry}. */
    public boolean remove(Object key, Entry entry) {
        return store.asMap().remove(key, entry);
    }

    /** Entries stored from now on are served for {@code lifetime}; those stored are dropped after it at most. */
    public void lifetime(Duration lifetime) {
        refreshAfterNanos = refreshAfter(lifetime);
        store.policy().expireAfterWrite().ifPresent(e -> e.setExpiresAfter(lifetime.plusNanos(staleIfErrorNanos)));
    }

    /**
     * The entry of {@code key} if it is of {@code generation} and expired less than {@code tiered.staleIfError}
     * ago, to return when the method threw; else {@code null}.
     */
    public Entry staleIfError(Object key, long generation) {
        if (staleIfErrorNanos == 0) {
            return null;
        }
        Entry e = store.getIfPresent(key);
        if (e == null || e.generation != generation || clock.read() - (e.deadline + staleIfErrorNanos) >= 0) {
            return null;
        }
        return e;
    }

    /** Removes an entity's entries (called after the entity was recorded as invalidated). */
    public void removeEntity(String entity) {
        if (index != null) {
            index.remove(entity, (Consumer<Object>) store::invalidate);
        }
    }

    /** Drops entries of another generation, and index entries of keys no longer stored. */
    public void dropStale(long current) {
        store.asMap().values().removeIf(e -> {
            if (e.generation == current) {
                return false;
            }
            stats.staleDrops.increment();
            return true;
        });
        if (index != null) {
            // each entity's set in one atomic step: a store registers its key only after its entry is in L1, so a
            // key found absent here is either dead or will be registered again after this step
            index.retain(store.asMap()::containsKey);
        }
    }

    public void clear() {
        store.invalidateAll();
    }

    public long size() {
        return store.estimatedSize();
    }

    /**
     * The estimated bytes of the entries under a byte bound (each counted at least at its share of the entry
     * bound), or -1 when bounded by entries only.
     */
    public long weightedBytes() {
        return store.policy().eviction().map(e -> e.weightedSize().orElse(-1)).orElse(-1L);
    }
}
