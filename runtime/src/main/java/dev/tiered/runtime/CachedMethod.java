package dev.tiered.runtime;

import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import dev.tiered.Tier;

/**
 * The cache of one {@code @Tiered} method: its L1, its way into L2, its in-flight loads and its counters.
 *
 * <p>A call goes through {@code begin*} with the argument values, which returns one of three things:
 * <ul>
 *   <li>a result: the cached value, or {@link #NULL_RESULT} for a cached {@code null}; the caller returns it
 *       without running the method;</li>
 *   <li>a {@link Load}: the caller runs the method and reports its outcome to the load;</li>
 *   <li>{@code null}: the caller runs the method and caches nothing (caching disabled, or cut off from
 *       invalidations).</li>
 * </ul>
 * All methods are thread-safe. The L1 hit path takes no lock and allocates nothing for zero or one non-array
 * argument. Exceptions from Redis and from codecs are counted and never leave this class; a caller that must be
 * fault-proof against everything else (as the agent's advice is) catches {@code Throwable} itself.
 *
 * <p>For a method that returns a {@code CompletableFuture} or {@code CompletionStage}, the cached value is the
 * future's value: a hit returns a new completed future, concurrent callers of a missing key receive futures that
 * complete with the one in flight, and a future that fails is not cached.
 *
 * <p>A method with an entity key (its {@code @CacheKey} parameter) keeps an index from entity to L1 keys, so that
 * invalidating an entity removes exactly its entries. Its entries are valid while the namespace's version is
 * unchanged; entries of a method without an entity key are valid while the namespace's any-generation is, which
 * every write to the namespace changes.
 */
public final class CachedMethod {
    /** Stands for a cached {@code null} result. */
    public static final Object NULL_RESULT = new Object() {
        @Override
        public String toString() {
            return "tiered:null";
        }
    };

    /** Bytes before the codec's envelope in an L2 value: the entity version the value was computed under. */
    static final int STAMP_BYTES = 8;

    /**
     * An L1 entry: a result, the version its computation began under, its entity (or {@code null}), when it
     * expires and when it is due for a refresh ahead of expiry (both on the runtime's {@link CoarseClock}; never
     * after it expires, so that a fresh entry takes one comparison). Caffeine
     * expires entries after the method's full L1 lifetime; a shorter one (a copy of an L2 entry with less time
     * left) is enforced here.
     */
    static final class Entry {
        private static final AtomicIntegerFieldUpdater<Entry> CLAIM =
                AtomicIntegerFieldUpdater.newUpdater(Entry.class, "claimed");

        final long version;
        final Object result;
        final String entity;
        final long storedAt;
        final long deadline;
        final long refreshAt;
        /** 1 once a reader has taken the refresh of this entry: nobody else will. */
        private volatile int claimed;

        Entry(long version, Object result, String entity, long storedAt, long deadline, long refreshAt) {
            this.version = version;
            this.result = result;
            this.entity = entity;
            this.storedAt = storedAt;
            this.deadline = deadline;
            this.refreshAt = refreshAt;
        }

        boolean claimRefresh() {
            return claimed == 0 && CLAIM.compareAndSet(this, 0, 1);
        }
    }

    private final TieredRuntime runtime;
    final MethodSpec spec;
    /** Returns a CompletableFuture or CompletionStage: its completed value is what is cached. */
    final boolean async;
    /** Returns a CompletionStage: callers get stages they cannot complete, as the method's own might be. */
    private final boolean stage;
    final String name;
    final Namespace namespace;
    /** Changed at run time through JMX, with {@link #l1} and {@link #keyEncoder}. */
    volatile Tier tier;
    /** Changed at run time through JMX: read once per use. */
    volatile Duration ttl;
    volatile Duration l1Ttl;
    final boolean cacheNulls;
    final MethodStats stats = new MethodStats();
    private final int arity;
    /** The index of the {@code @CacheKey} parameter, or -1: entries then concern any entity of the namespace. */
    private final int entityParameter;
    private final KeyEncoder entityEncoder;
    /** L1 while the tier includes it, else {@code null}: where calls look. */
    private volatile Cache<Object, Entry> l1;
    /** The L1 store, kept when the tier leaves out L1 so that it can come back: where maintenance works. */
    private final Cache<Object, Entry> l1Store;
    /** How long after it was stored an entry is due for a refresh ahead of expiry. */
    private volatile long refreshAfterNanos;
    private final CoarseClock clock;
    /** How long past its deadline an entry may be returned when the method throws; 0: never. */
    private final long staleIfErrorNanos;
    /** {@code tiered.provenance}: each call records where it was served from, for {@link CallTrace}. */
    private final boolean provenance;
    /** The fraction of hits that run the method too, to compare; 0: none. */
    private final double verifyRate;
    private final HitCounter hits;
    /** The count of {@link #hits} at the last reset of the counters. */
    private volatile long l1HitsBaseline;
    private final int index;
    /** For a method with an entity key: its L1 keys by entity. */
    private final EntityIndex entityIndex;
    private final ConcurrentHashMap<Object, Load> inflight = new ConcurrentHashMap<>();
    /** The encoder of L2 keys while the tier includes L2, else {@code null}. */
    private volatile KeyEncoder keyEncoder;
    /** The encoder of L2 keys, or {@code null} when an argument type has no stable encoding (L1 only, then). */
    private final KeyEncoder l2Encoder;
    private final String keyHead;
    private final String leaseHead;
    private final WeakReference<ClassLoader> loader;
    private final boolean bootstrapLoaded;
    private volatile Object codec; // ValueCodec, or the String reason why there is none

    CachedMethod(TieredRuntime runtime, MethodSpec spec, Namespace namespace, Tier tier, Duration ttl, Duration l1Ttl,
                 boolean cacheNulls, long l1MaxEntries, long l1MaxBytes) {
        this.runtime = runtime;
        this.clock = runtime.clock();
        this.staleIfErrorNanos = runtime.config().staleIfError().toNanos();
        this.verifyRate = runtime.config().verifyRate();
        this.provenance = runtime.config().provenance();
        this.hits = runtime.l1Hits();
        this.index = runtime.nextMethodIndex();
        this.spec = spec;
        this.stage = spec.returnType().equals("java.util.concurrent.CompletionStage");
        this.async = stage || spec.returnType().equals("java.util.concurrent.CompletableFuture");
        this.name = spec.displayName();
        this.namespace = namespace;
        this.tier = tier;
        this.ttl = ttl;
        this.l1Ttl = l1Ttl;
        this.cacheNulls = cacheNulls;
        this.arity = spec.parameterTypes().size();
        this.entityParameter = spec.cacheKeyParameters().isEmpty() ? -1 : spec.cacheKeyParameters().get(0);
        this.entityEncoder = entityParameter < 0 ? null
                : new KeyEncoder(List.of(spec.keyTypes().get(entityParameter)));
        this.entityIndex = entityParameter < 0 ? null : new EntityIndex();
        {
            Caffeine<Object, Object> builder = Caffeine.newBuilder();
            if (l1MaxBytes > 0) {
                // an entry weighs at least its share of the entry bound, so that both bounds hold
                long least = Math.max(1, -Math.floorDiv(-l1MaxBytes, l1MaxEntries));
                builder.maximumWeight(l1MaxBytes).weigher((Object key, Entry entry) -> weight(key, entry, least));
            } else {
                builder.maximumSize(l1MaxEntries);
            }
            // entries are served until their own deadline; Caffeine keeps them past it for stale-if-error
            builder.expireAfterWrite(l1Ttl.plusNanos(staleIfErrorNanos))
                    .ticker(runtime.clock())
                    // maintenance (eviction, expiry) on the calling threads, in small amortised steps: never on
                    // the application's common ForkJoinPool, where a busy application would delay it and let L1
                    // grow past its bound
                    .executor(Runnable::run);
            builder.evictionListener((Object key, Entry entry, RemovalCause cause) -> {
                if (cause == RemovalCause.SIZE) {
                    stats.evictedBySize.increment();
                } else if (cause == RemovalCause.EXPIRED) {
                    stats.expired.increment();
                }
                if (entityIndex != null) {
                    entityIndex.remove(entry.entity, key);
                }
            });
            l1Store = builder.build();
        }
        this.l1 = tier == Tier.L2 ? null : l1Store;
        this.refreshAfterNanos = refreshAfter(l1Ttl);
        this.l2Encoder = spec.keyTypes().stream().allMatch(t -> t.firstUnsupported() == null)
                ? new KeyEncoder(spec.keyTypes()) : null;
        this.keyEncoder = tier == Tier.L1 ? null : l2Encoder;
        this.keyHead = runtime.config().keyPrefix() + ":e:" + namespace.name + ":";
        this.leaseHead = runtime.config().keyPrefix() + ":l:" + namespace.name + ":";
        ClassLoader cl = spec.classLoader();
        this.loader = new WeakReference<>(cl);
        this.bootstrapLoaded = cl == null;
    }

    TieredRuntime runtime() {
        return runtime;
    }

    /**
     * What L1 adds per entry besides its key and result: Caffeine's node, its map's node and table slot, and the
     * {@link Entry}. The Footprint benchmark measured 191 bytes per entry with a boxed {@code long} key (16 bytes)
     * and a shared result on a 64-bit JVM with compressed references.
     */
    static final int ENTRY_OVERHEAD_BYTES = 176;

    /** An entry's weight under {@code tiered.l1.maxBytes}: its estimated bytes, and at least {@code least}. */
    private static int weight(Object key, Entry entry, long least) {
        long bytes = ENTRY_OVERHEAD_BYTES + HeapEstimator.bytes(key)
                + (entry.result == NULL_RESULT ? 0 : HeapEstimator.bytes(entry.result));
        return (int) Math.min(Integer.MAX_VALUE, Math.max(least, bytes));
    }

    private long refreshAfter(Duration l1Ttl) {
        double ahead = runtime.config().refreshAhead();
        return ahead >= 1 ? Long.MAX_VALUE / 4 : (long) (l1Ttl.toNanos() * ahead);
    }

    /**
     * Changes the lifetimes of entries stored from now on (an L1 lifetime longer than {@code ttl} is cut to it).
     * Entries already stored keep their lifetime, or less: L1 drops them after the new L1 lifetime.
     */
    synchronized void lifetimes(Duration ttl, Duration l1Ttl) {
        Duration l1Lifetime = l1Ttl.compareTo(ttl) > 0 ? ttl : l1Ttl;
        this.ttl = ttl;
        this.l1Ttl = l1Lifetime;
        this.refreshAfterNanos = refreshAfter(l1Lifetime);
        l1Store.policy().expireAfterWrite().ifPresent(e -> e.setExpiresAfter(l1Lifetime.plusNanos(staleIfErrorNanos)));
    }

    /** Counts from now on: L1 hits are counted against a baseline, the rest reset. */
    void resetCounters() {
        l1HitsBaseline = hits.sum(index);
        stats.reset();
    }

    /** {@code com.acme.ProductRepository.find(long)}. */
    public String name() {
        return name;
    }

    public String namespace() {
        return namespace.name;
    }

    public Tier tier() {
        return tier;
    }

    /** Whether this method's arguments can make L2 keys, so that its tier may include L2. */
    boolean l2Capable() {
        return l2Encoder != null;
    }

    /**
     * Switches the tiers calls use. L1 comes back empty: what was stored while it was out of use is not trusted.
     * Callers have checked {@link #l2Capable()} for a tier with L2.
     */
    synchronized void tier(Tier tier) {
        if (tier == this.tier) {
            return;
        }
        l1 = null;
        l1Store.invalidateAll();
        keyEncoder = tier == Tier.L1 ? null : l2Encoder;
        l1 = tier == Tier.L2 ? null : l1Store;
        this.tier = tier;
    }

    /** Whether this method's entries are keyed by an entity ({@code @CacheKey}). */
    public boolean hasEntityKey() {
        return entityParameter >= 0;
    }

    public Object begin0() {
        return begin(Keys.EMPTY);
    }

    public Object begin1(Object a0) {
        return begin(Keys.of1(a0));
    }

    public Object begin2(Object a0, Object a1) {
        return begin(new Keys.Key2(a0, a1));
    }

    public Object begin3(Object a0, Object a1, Object a2) {
        return begin(new Keys.Key3(a0, a1, a2));
    }

    /** For any number of arguments; {@code args} must not be modified afterwards. */
    public Object beginN(Object[] args) {
        return begin(new Keys.KeyN(args));
    }

    private Object begin(Object key) {
        Namespace ns = namespace;
        Cache<Object, Entry> cache = l1;
        if (cache != null && ns.enabled()) {
            Entry e = cache.getIfPresent(key);
            // one comparison for a fresh entry: it is due for refresh no later than it expires
            if (e != null && e.version == l1Version(ns) && clock.read() - e.refreshAt < 0) {
                hits.increment(index);
                if (provenance) {
                    CallTrace.record(this, CallTrace.L1, clock.read() - e.storedAt, e.version);
                }
                if (verifyRate > 0 && !async && ThreadLocalRandom.current().nextDouble() < verifyRate) {
                    return verification(key, e, ns);
                }
                return async ? completed(e.result) : e.result;
            }
            return dueOrMissing(key, e, ns);
        }
        return miss(key, ns);
    }

    /** An entry that is due for refresh, expired, of an old version, or absent. */
    private Object dueOrMissing(Object key, Entry e, Namespace ns) {
        if (e != null && e.version == l1Version(ns) && clock.read() - e.deadline < 0) {
            if (e.claimRefresh()) {
                return refresh(key, e, ns);
            }
            hits.increment(index);
            if (provenance) {
                CallTrace.record(this, CallTrace.L1, clock.read() - e.storedAt, e.version);
            }
            return async ? completed(e.result) : e.result;
        }
        if (e != null && e.version != l1Version(ns) && l1Store.asMap().remove(key, e)) {
            stats.staleDrops.increment();
        }
        return miss(key, ns);
    }

    /**
     * What a call whose method threw {@code thrown} returns instead, under {@code tiered.staleIfError}: the L1 entry
     * for its key if it is of the current version (never one that was invalidated) and expired less than that long
     * ago; {@code null} (the exception stands) otherwise, and always for errors and asynchronous methods.
     */
    Object staleAfterError(Load load, Throwable thrown) {
        if (staleIfErrorNanos == 0 || l1 == null || async || !(thrown instanceof Exception)) {
            return null;
        }
        Entry e = l1Store.getIfPresent(load.key);
        if (e == null || e.version != l1Version(namespace) || clock.read() - (e.deadline + staleIfErrorNanos) >= 0) {
            return null;
        }
        stats.staleServed.increment();
        runtime.faults().warn("stale:" + name, name + " threw " + thrown + "; an expired value was returned instead ("
                + TieredConfig.STALE_IF_ERROR + ")");
        return e.result;
    }

    /**
     * A hit chosen for verification: the caller runs the method (on its own thread, with its context, as for a
     * refresh) and {@link #verified} compares.
     */
    private Load verification(Object key, Entry e, Namespace ns) {
        Load load = new Load(this, key, e.entity, ns.version(), l1Version(ns), ns.sequence());
        load.verifying = e;
        stats.verified.increment();
        return load.start();
    }

    /**
     * Compares what the method returned with the cached value it verifies. A difference means the cache served a
     * value the method no longer returns: most likely a write without {@code @Invalidates}. It is counted and logged
     * (namespace, method and a hash of the key, never the key), the entry is dropped, and the caller gets the fresh
     * result. Otherwise, and if the method threw, the caller gets the cached value, as on any hit.
     */
    Object verified(Load load, Object returned, Throwable thrown) {
        Entry e = (Entry) load.verifying;
        if (thrown != null) {
            return e.result;
        }
        Object cached = e.result == NULL_RESULT ? null : e.result;
        if (java.util.Objects.deepEquals(cached, returned)) {
            return e.result;
        }
        stats.verifyMismatches.increment();
        l1Store.asMap().remove(load.key, e);
        runtime.faults().warn("verify:" + name, "verify: " + name + " in namespace " + namespace.name
                + " returned a value that differs from the cached one for key #" + Integer.toHexString(Keys.hash(
                load.key)) + "; a write that changes it may lack @Invalidates (the entry was dropped here)");
        return returned == null ? NULL_RESULT : returned;
    }

    /** A new L1 entry, stored now, living at most {@code lifetimeNanos}. */
    private Entry entry(Load load, Object result, long lifetimeNanos) {
        long now = clock.read();
        long deadline = now + lifetimeNanos;
        long refreshAt = refreshAfterNanos < lifetimeNanos ? now + refreshAfterNanos : deadline;
        return new Entry(load.generation, result, load.entity, now, deadline, refreshAt);
    }

    /**
     * The reading thread found this entry due and took its refresh: it recomputes it as its own call, on an
     * application thread with the application's context (security, tenancy, transactions), never on one of
     * tiered's; every other reader keeps the current value meanwhile. Unless another JVM already refreshes it.
     */
    private Object refresh(Object key, Entry e, Namespace ns) {
        if (runtime.cutOff()) {
            return miss(key, ns);
        }
        Load load = newLoad(key, e.entity, ns);
        if (keyEncoder != null && load.version > 0) {
            // an L2 entry that outlives this one by a margin was refreshed by another JVM: adopt it instead
            long margin = Math.max(TimeUnit.MILLISECONDS.toNanos(50), ttl.toNanos() / 20);
            long refreshBelow = TimeUnit.NANOSECONDS.toMillis(e.deadline - clock.read() + margin);
            Redis.Fetched fetched = fetch(load, Math.max(1, refreshBelow));
            if (fetched != null && !fetched.leased()) {
                Object newer = fetched.value() == null ? null : decode(load, fetched);
                Object result = newer != null ? newer : e.result;
                if (newer != null) {
                    stats.l2Hits.increment();
                } else {
                    hits.increment(index); // another JVM is refreshing it for all; L2 will have its result
                }
                return async ? completed(result) : result;
            }
        }
        stats.refreshes.increment();
        if (provenance) {
            CallTrace.record(this, CallTrace.METHOD, 0, load.version);
        }
        return load.start();
    }

    /** What an L1 entry's version must equal to be served. */
    private long l1Version(Namespace ns) {
        return entityParameter >= 0 ? ns.version() : ns.anyGeneration();
    }

    private Object miss(Object key, Namespace ns) {
        if (!ns.enabled() || runtime.cutOff()) {
            stats.uncached.increment();
            if (provenance) {
                CallTrace.record(this, CallTrace.UNCACHED, 0, ns.version());
            }
            return null;
        }
        if (keyEncoder != null) {
            runtime.ensureSynced(ns);
        }
        String entity = entity(key);
        Load mine;
        while (true) {
            Load current = inflight.get(key);
            // an earlier call computing a result that is current for this call too is joined
            boolean joinable = current != null && current(current);
            if (joinable && async && System.nanoTime() - current.createdNanos < runtime.coalesceMaxWaitNanos()) {
                stats.coalesced.increment();
                if (provenance) {
                    CallTrace.record(this, CallTrace.METHOD, 0, current.version);
                }
                return stage ? current.shared.minimalCompletionStage() : current.shared.copy();
            }
            if (joinable && !async) {
                if (Load.leadingOnThisThread()) {
                    return newLoad(key, entity, ns).start();
                }
                Object shared = current.await(runtime.coalesceMaxWaitNanos());
                if (shared != Load.NO_RESULT) {
                    stats.coalesced.increment();
                    if (provenance) {
                        CallTrace.record(this, CallTrace.METHOD, 0, current.version);
                    }
                    return shared;
                }
                return newLoad(key, entity, ns).start();
            }
            mine = newLoad(key, entity, ns);
            if (current == null ? inflight.putIfAbsent(key, mine) == null : inflight.replace(key, current, mine)) {
                break;
            }
        }
        mine.lead();
        if (keyEncoder != null && mine.version > 0) {
            Object fromL2;
            try {
                fromL2 = readL2(mine);
            } catch (RuntimeException | Error e) {
                mine.abandon();
                throw e;
            }
            if (fromL2 != null) {
                stats.l2Hits.increment();
                mine.completeFromL2(fromL2);
                return async ? completed(fromL2) : fromL2;
            }
        }
        if (provenance) {
            CallTrace.record(this, CallTrace.METHOD, 0, mine.version);
        }
        return mine.start();
    }

    /** A completed future (or stage) of a cached result, for an asynchronous method. */
    private Object completed(Object result) {
        Object value = result == NULL_RESULT ? null : result;
        return stage ? CompletableFuture.completedStage(value) : CompletableFuture.completedFuture(value);
    }

    /** A load capturing, before anything is read, the versions its result will be stored under. */
    private Load newLoad(Object key, String entity, Namespace ns) {
        return new Load(this, key, entity, ns.version(), l1Version(ns), ns.sequence());
    }

    /** The encoded entity key of a call, or {@code null} for a method without one. */
    private String entity(Object key) {
        if (entityEncoder == null) {
            return null;
        }
        try {
            return entityEncoder.arguments(new Object[] {Keys.arguments(key, arity)[entityParameter]});
        } catch (KeyEncoder.EncodingException e) {
            throw new IllegalArgumentException("the @CacheKey argument of " + name + " cannot be encoded: "
                    + e.getMessage(), e);
        }
    }

    void loadEnded(Load load) {
        inflight.remove(load.key, load);
    }

    /** Whether what a load saw is still current: no bump, and no invalidation of its entity, since it began. */
    private boolean current(Load load) {
        Namespace ns = namespace;
        return ns.enabled() && ns.version() == load.version && l1Version(ns) == load.generation
                && (load.entity == null || !ns.entityInvalidatedSince(load.entity, load.sequence));
    }

    /** Stores a load's result in the tiers, unless it is no longer current. */
    void store(Load load, Object value, Object result) {
        if ((value == null && !cacheNulls) || !current(load)) {
            releaseLease(load);
        } else {
            if (l1 != null) {
                putL1(load, entry(load, result, l1Ttl.toNanos()));
            }
            if (keyEncoder != null && load.version > 0 && load.stamp != Load.NO_STAMP) {
                writeL2(load, value);
            } else {
                releaseLease(load);
            }
        }
    }

    /** A load failed or was abandoned: others need not wait for its lease. A failed refresh keeps the entry. */
    void failed(Load load) {
        releaseLease(load);
    }

    /**
     * Puts an entry, then checks again that it is current, and takes it back if not: an invalidation that ran
     * between the first check and the put may have missed it.
     */
    private void putL1(Load load, Entry entry) {
        l1Store.put(load.key, entry);
        if (entityIndex != null) {
            // one atomic step: between a lookup and an add, an invalidation could detach the set, leaving a
            // current entry that the entity's next invalidation would not find
            entityIndex.add(entry.entity, load.key);
        }
        if (!current(load)) {
            l1Store.asMap().remove(load.key, entry);
        }
    }

    /** Removes an entity's entries from L1 (called after the entity was recorded as invalidated). */
    void removeEntity(String entity) {
        if (entityIndex != null) {
            entityIndex.remove(entity, (java.util.function.Consumer<Object>) l1Store::invalidate);
        }
    }

    /** Drops L1 entries whose version is no longer current, and index entries of keys no longer in L1. */
    void dropStale() {
        long current = l1Version(namespace);
        l1Store.asMap().values().removeIf(e -> {
            if (e.version == current) {
                return false;
            }
            stats.staleDrops.increment();
            return true;
        });
        if (entityIndex != null) {
            // each entity's set in one atomic step: a store registers its key only after its entry is in L1, so a
            // key found absent here is either dead or will be registered again after this step
            entityIndex.retain(l1Store.asMap()::containsKey);
        }
    }

    /**
     * Reads the entry from L2 and takes the lease to compute it if it is absent. If another JVM holds the lease,
     * waits briefly (at most {@code tiered.stampede.lease}) for its result rather than computing it too.
     */
    private Object readL2(Load load) {
        Redis.Fetched fetched = fetch(load, 0);
        if (fetched == null) {
            return null;
        }
        if (fetched.value() == null && !fetched.leased() && !async && !Load.nestedOnThisThread()) {
            long deadline = System.nanoTime() + runtime.config().stampedeLease().toNanos();
            long pauseMillis = 2;
            while (fetched != null && fetched.value() == null && !fetched.leased() && System.nanoTime() < deadline) {
                if (!pause(pauseMillis)) {
                    break;
                }
                pauseMillis = Math.min(pauseMillis * 2, 50);
                fetched = fetch(load, 0);
            }
            if (fetched != null && fetched.value() != null) {
                Object result = decode(load, fetched);
                if (result != null) {
                    stats.leaseWaits.increment();
                }
                return result;
            }
            return null;
        }
        return fetched.value() == null ? null : decode(load, fetched);
    }

    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * One round trip: the entry, the version its stamp must match (kept in the load for the write), and the lease
     * if the entry is absent or, for a refresh, has less than {@code refreshBelowMillis} left. {@code null}
     * (counted) if Redis failed.
     */
    private Redis.Fetched fetch(Load load, long refreshBelowMillis) {
        String args = keyArguments(load.key);
        if (args == null || codec() == null) {
            return null;
        }
        String token = runtime.leaseToken();
        long started = System.nanoTime();
        try {
            Redis.Fetched fetched = runtime.redis().get(keyHead + load.version + ":" + name + ":" + args,
                    stampKey(load.entity), leaseHead + load.version + ":" + name + ":" + args,
                    runtime.config().stampedeLease().toMillis(), token, refreshBelowMillis);
            stats.l2Times.record(System.nanoTime() - started);
            load.stamp = fetched.stamp();
            if (fetched.leased()) {
                load.leaseToken = token;
            }
            return fetched;
        } catch (RuntimeException e) {
            runtime.l2Failed(stats, e);
            return null;
        }
    }

    private Object decode(Load load, Redis.Fetched fetched) {
        byte[] stored = fetched.value();
        Object value;
        try {
            if (stored.length < STAMP_BYTES) {
                throw new ValueCodec.DecodeException("too short to hold an entity version");
            }
            if (ByteBuffer.wrap(stored).getLong() != fetched.stamp()) {
                return null; // written before a later write to its entity: unreachable, like an old version
            }
            value = codec().decode(Arrays.copyOfRange(stored, STAMP_BYTES, stored.length));
        } catch (ValueCodec.DecodeException e) {
            stats.decodeFailures.increment();
            runtime.faults().debug("decode:" + name, "an L2 value of " + name + " could not be decoded and was "
                    + "treated as a miss: " + e.getMessage());
            return null;
        }
        Object result = value == null ? NULL_RESULT : value;
        if (provenance) {
            CallTrace.record(this, CallTrace.L2,
                    Math.max(0, ttl.toNanos() - TimeUnit.MILLISECONDS.toNanos(fetched.ttlMillis())), load.version);
        }
        if (l1 != null && fetched.ttlMillis() > 0 && current(load)) {
            long lifetime = Math.min(l1Ttl.toNanos(), TimeUnit.MILLISECONDS.toNanos(fetched.ttlMillis()));
            putL1(load, entry(load, result, lifetime));
        }
        return result;
    }

    private void writeL2(Load load, Object value) {
        String args = keyArguments(load.key);
        ValueCodec codec = codec();
        if (args == null || codec == null) {
            stats.notStored.increment();
            releaseLease(load);
            return;
        }
        byte[] envelope;
        try {
            envelope = codec.encode(value);
        } catch (ValueCodec.NotStorableException e) {
            stats.notStored.increment();
            runtime.faults().warn("store:" + name, "a result of " + name + " was not stored in L2: "
                    + e.getMessage() + ".");
            releaseLease(load);
            return;
        }
        byte[] stored = ByteBuffer.allocate(STAMP_BYTES + envelope.length).putLong(load.stamp).put(envelope).array();
        runtime.writeL2(new Redis.Store(keyHead + load.version + ":" + name + ":" + args, stored, ttl.toMillis(),
                leaseHead + load.version + ":" + name + ":" + args, load.leaseToken == null ? "" : load.leaseToken),
                this);
    }

    /** The Redis key of the version an entry's stamp must match: its entity's, or the namespace's any-entity. */
    private String stampKey(String entity) {
        return entity == null ? namespace.anyEntityKey : namespace.entityKeyPrefix + entity;
    }

    /**
     * Gives back a lease this load held without storing a result, so that other JVMs need not wait for it: behind
     * the call, like a write.
     */
    void releaseLease(Load load) {
        if (load.leaseToken != null) {
            runtime.releaseLease(leaseHead + load.version + ":" + name + ":" + keyArguments(load.key), load.leaseToken,
                    this);
        }
    }

    /**
     * The argument part of an entry's Redis key, or {@code null} (counted, logged) when an argument cannot be
     * encoded.
     */
    private String keyArguments(Object key) {
        try {
            return l2Encoder.arguments(Keys.arguments(key, arity));
        } catch (KeyEncoder.EncodingException e) {
            runtime.faults().warn("key:" + name, "a call of " + name + " skipped L2: " + e.getMessage() + ".");
            return null;
        }
    }

    /** The codec, built on first use; {@code null} (logged once) if the method cannot be resolved. */
    ValueCodec codec() {
        Object c = codec;
        if (c instanceof ValueCodec) {
            return (ValueCodec) c;
        }
        if (c != null) {
            return null;
        }
        synchronized (this) {
            if (codec == null) {
                try {
                    codec = ValueCodec.of(reflect(), runtime.config().codecAllow(), runtime.config().l2MaxValueBytes());
                } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                    codec = e.toString();
                    stats.faults.increment();
                    runtime.faults().warn("codec:" + name, name + " uses L1 only: its return type cannot be "
                            + "inspected (" + e + ").");
                }
            }
            return codec instanceof ValueCodec ? (ValueCodec) codec : null;
        }
    }

    private Method reflect() throws ReflectiveOperationException {
        ClassLoader cl = loader.get();
        if (cl == null && !bootstrapLoaded) {
            throw new ClassNotFoundException(spec.className() + " (its class loader is gone)");
        }
        Class<?> owner = Class.forName(spec.className(), false, cl);
        Class<?>[] parameters = MethodType.fromMethodDescriptorString(spec.descriptor(), cl).parameterArray();
        return owner.getDeclaredMethod(spec.methodName(), parameters);
    }

    void clearL1() {
        l1Store.invalidateAll();
    }

    /** Calls served from this JVM's L1. */
    long l1Hits() {
        return hits.sum(index) - l1HitsBaseline;
    }

    long l1Size() {
        return l1Store.estimatedSize();
    }

    /**
     * The estimated bytes of this method's L1 entries under {@code tiered.l1.maxBytes} (each counted at least at its
     * share of the entry bound), or -1 when L1 is bounded by entries only.
     */
    long l1WeightedBytes() {
        return l1Store.policy().eviction().map(e -> e.weightedSize().orElse(-1)).orElse(-1L);
    }

    /**
     * Counts and reports (at most once a minute) a failure inside tiered while handling a call of this method, which
     * therefore runs uncached. For callers, like the agent's advice, that catch what this class does not.
     */
    public void fault(Throwable t) {
        stats.faults.increment();
        stats.uncached.increment();
        if (provenance) {
            CallTrace.record(this, CallTrace.UNCACHED, 0, namespace.version());
        }
        runtime.faults().warn("fault:" + name, "a call of " + name + " ran uncached after an internal error: " + t,
                t);
    }

    @Override
    public String toString() {
        return name + " [" + tier + ", ttl " + Durations.format(ttl) + ", namespace " + namespace.name
                + (entityParameter < 0 ? "" : ", entity key parameter " + (entityParameter + 1)) + "]";
    }
}
