package dev.tiered.runtime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;

import dev.tiered.Tier;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.coherence.Versions;
import dev.tiered.runtime.config.Durations;
import dev.tiered.runtime.l1.CoarseClock;
import dev.tiered.runtime.l1.Entry;
import dev.tiered.runtime.l1.Keys;
import dev.tiered.runtime.l1.HeapEstimator;
import dev.tiered.runtime.l1.MethodL1;
import dev.tiered.runtime.l2.EntityKey;
import dev.tiered.runtime.l2.KeyEncoder;
import dev.tiered.runtime.l2.L2;
import dev.tiered.runtime.l2.MethodL2;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.HitCounter;
import dev.tiered.runtime.stats.MethodStats;

/**
 * The cache of one {@code @Tiered} method: its L1, its in-flight loads, refresh ahead of expiry, and its counters;
 * L2 through its {@link MethodL2}.
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
 * invalidating an entity removes exactly its entries. Its entries' generation is the namespace's version; entries
 * of a method without an entity key have the namespace's any-generation, which every write to the namespace
 * changes. So have a batch read's ({@code @CacheKey} on a list or array): its entries name many entities.
 */
public final class CachedMethod implements Namespace.Member, L1Budget.Method {
    /** Stands for a cached {@code null} result. */
    public static final Object NULL_RESULT = Entry.NULL;

    /** Returns a CompletableFuture or CompletionStage: its completed value is what is cached. */
    final boolean async;
    /** Returns a CompletionStage: callers get stages they cannot complete, as the method's own might be. */
    private final boolean stage;
    final String name;
    final Namespace namespace;
    private final Versions versions;
    private final FaultReporter faults;
    /** Changed at run time through JMX, with {@link #l1} and {@link #l2}. */
    private volatile Tier tier;
    /** Changed at run time through JMX: read once per use. */
    private volatile Duration ttl;
    private volatile Duration l1Ttl;
    final boolean cacheNulls;
    final MethodStats stats = new MethodStats();
    private final int arity;
    /** {@code tiered.l1.maxEntries} in effect for this method. */
    private final long l1MaxEntries;
    /** Names the entity of a call; {@code null} without {@code @CacheKey}: entries concern any entity. */
    private final EntityKey entityKey;
    /** L1's store while the tier includes L1, else {@code null}: where calls look. */
    private volatile Cache<Object, Entry> l1;
    /** L1, kept when the tier leaves it out so that it can come back: where stores and maintenance work. */
    private final MethodL1 l1Store;
    private final CoarseClock clock;
    /** {@code tiered.provenance}: each call records where it was served from, for {@link CallTrace}. */
    private final boolean provenance;
    /** {@code tiered.otel.spans}: each call adds an event to the application's current OpenTelemetry span. */
    private final boolean spans;
    /** {@code tiered.trace}: a sample of the calls recorded for the eviction simulator; {@code null} without. */
    private final CallRecorder recorder;
    /** Whether each call is traced: {@link #provenance}, {@link #spans} or {@link #recorder}. */
    private final boolean traced;
    /**
     * The span events of this method, found at its first traced call: {@code null} before, a {@link SpanEvents},
     * or {@link #NO_SPAN_EVENTS} where the application has no OpenTelemetry API.
     */
    private volatile Object spanEvents;
    private static final Object NO_SPAN_EVENTS = new Object();
    /** The fraction of hits that run the method too, to compare; 0: none. */
    private final double verifyRate;
    /** A fresh L1 hit needs no more than counting: no provenance, no verification, not asynchronous. */
    private final boolean plainHits;
    private final Verification verification;
    private final long coalesceMaxWaitNanos;
    private final HitCounter hits;
    private final int index;
    private final ConcurrentHashMap<Object, Load> inflight = new ConcurrentHashMap<>();
    /** L2 while the tier includes it and Redis is configured, else {@code null}. */
    private volatile MethodL2 l2;
    /** The way into L2, or {@code null} without Redis or when an argument type has no stable key encoding. */
    private final MethodL2 l2Store;
    /** Whether every argument type has a stable L2 key encoding, so that the tier may include L2. */
    private final boolean l2Capable;
    /** The loader of the method's class, held weakly: where observers find the application's libraries. */
    private final java.lang.ref.WeakReference<ClassLoader> loader;

    CachedMethod(Shared shared, MethodSpec spec, Namespace namespace, Tier tier, Duration ttl, Duration l1Ttl,
                 boolean cacheNulls, long l1MaxEntries, long l1MaxBytes, double verifyRate) {
        this.versions = shared.versions();
        this.faults = shared.faults();
        this.clock = shared.clock();
        this.verifyRate = verifyRate;
        this.provenance = shared.config().provenance();
        this.coalesceMaxWaitNanos = shared.config().coalesceMaxWait().toNanos();
        this.hits = shared.hits();
        this.index = shared.methodIndexes().take();
        this.stats.l1HitsBaseline = hits.sum(index); // a reused index: what the method that had it counted
        this.stage = spec.returnType().equals("java.util.concurrent.CompletionStage");
        this.async = stage || spec.returnType().equals("java.util.concurrent.CompletableFuture");
        this.spans = shared.config().otelSpans();
        this.recorder = shared.recorder();
        this.traced = provenance || spans || recorder != null;
        this.plainHits = !traced && verifyRate == 0 && !async;
        this.name = spec.displayName();
        this.namespace = namespace;
        this.tier = tier;
        this.ttl = ttl;
        this.l1Ttl = l1Ttl;
        this.cacheNulls = cacheNulls;
        this.arity = spec.parameterTypes().size();
        this.entityKey = spec.cacheKeyParameters().isEmpty() || spec.batchRead() ? null
                : new EntityKey(spec.cacheKeyParameters().get(0), spec.keyTypes().get(spec.cacheKeyParameters().get(0)),
                        false);
        this.l1MaxEntries = l1MaxEntries;
        this.l1Store = new MethodL1(l1MaxEntries, l1MaxBytes, l1Ttl, shared.config().staleIfError(),
                shared.config().refreshAhead(), clock, stats, entityKey != null);
        this.l1 = tier == Tier.L2 ? null : l1Store.store();
        this.verification = new Verification(name, namespace.name, stats, l1Store, faults);
        this.l2Capable = spec.keyTypes().stream().allMatch(t -> t.firstUnsupported() == null);
        L2 shared2 = shared.l2();
        this.l2Store = shared2 == null || !l2Capable ? null : new MethodL2(shared2, namespace.keys(), name,
                new KeyEncoder(spec.keyTypes()), arity, stats, spec.resolver());
        this.l2 = tier == Tier.L1 ? null : l2Store;
        this.loader = new java.lang.ref.WeakReference<>(spec.classLoader());
    }

    /** The loader of the method's class, or {@code null} for the bootstrap loader or one that is gone. */
    public ClassLoader classLoader() {
        return loader.get();
    }

    /**
     * Changes the lifetimes of entries stored from now on (an L1 lifetime longer than {@code ttl} is cut to it).
     * Entries already stored keep their lifetime, or less: L1 drops them after the new L1 lifetime.
     */
    synchronized void lifetimes(Duration ttl, Duration l1Ttl) {
        Duration l1Lifetime = l1Ttl.compareTo(ttl) > 0 ? ttl : l1Ttl;
        this.ttl = ttl;
        this.l1Ttl = l1Lifetime;
        l1Store.lifetime(l1Lifetime);
    }

    /** Counts from now on: L1 hits are counted against a baseline, the rest reset. */
    @Override
    public void resetCounters() {
        stats.l1HitsBaseline = hits.sum(index);
        stats.reset();
    }

    /** Its index in the runtime's hit counter. */
    int index() {
        return index;
    }

    /** {@code com.acme.ProductRepository.find(long)}. */
    public String name() {
        return name;
    }

    public String namespace() {
        return namespace.name;
    }

    /** The most entries this method keeps in L1 now: its bound, or 0 with tier L2. */
    public long l1MaxEntries() {
        return tier == Tier.L2 ? 0 : l1MaxEntries;
    }

    public Tier tier() {
        return tier;
    }

    /** The lifetime of its entries. */
    @Override
    public Duration ttl() {
        return ttl;
    }

    /** The lifetime of its L1 copies. */
    public Duration l1Ttl() {
        return l1Ttl;
    }

    /** Its counters, but for L1 hits ({@link #l1Hits()}). */
    public MethodStats stats() {
        return stats;
    }

    /** Whether this method's arguments can make L2 keys, so that its tier may include L2. */
    boolean l2Capable() {
        return l2Capable;
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
        l1Store.clear();
        l2 = tier == Tier.L1 ? null : l2Store;
        l1 = tier == Tier.L2 ? null : l1Store.store();
        this.tier = tier;
    }

    public Object begin0() {
        return begin(Keys.EMPTY);
    }

    public Object begin1(Object a0) {
        return begin(Keys.of1(a0));
    }

    public Object begin2(Object a0, Object a1) {
        return begin(Keys.of2(a0, a1));
    }

    public Object begin3(Object a0, Object a1, Object a2) {
        return begin(Keys.of3(a0, a1, a2));
    }

    /** For any number of arguments; {@code args} must not be modified afterwards. */
    public Object beginN(Object[] args) {
        return begin(Keys.ofN(args));
    }

    /**
     * The hit path: a hit that needs nothing but counting (no provenance, no verification, not asynchronous) takes
     * one branch more than the lookup; anything else leaves through {@link #notPlain}. (Compiled with Caffeine's
     * lookup inside it, it is still too large for HotSpot to inline into the advice: see the README's Limits.)
     */
    private Object begin(Object key) {
        Namespace ns = namespace;
        Cache<Object, Entry> cache = l1;
        if (cache != null && ns.open()) {
            Entry e = cache.getIfPresent(key);
            // one comparison for a fresh entry: it is due for refresh no later than it expires
            if (e != null && plainHits && e.generation == generation(ns) && clock.read() - e.refreshAt < 0) {
                hits.increment(index);
                return e.result;
            }
            return notPlain(key, e, ns);
        }
        return cache != null && ns.enabled() && !writtenOnThisThread(ns) ? notPlain(key, cache.getIfPresent(key), ns)
                : miss(key, ns);
    }

    /** A lookup's result that is not a plain hit: a hit to trace, verify or complete, or {@link #dueOrMissing}. */
    private Object notPlain(Object key, Entry e, Namespace ns) {
        if (e != null && e.generation == generation(ns) && clock.read() - e.refreshAt < 0) {
            hits.increment(index);
            if (traced) {
                trace(CallTrace.L1, clock.read() - e.storedAt, namespace.version(), key);
            }
            if (verifyRate > 0 && !async && ThreadLocalRandom.current().nextDouble() < verifyRate) {
                return verification(key, e, ns);
            }
            return async ? completed(e.result) : e.result;
        }
        return dueOrMissing(key, e, ns);
    }

    /** An entry that is due for refresh, expired, of an old generation, or absent. */
    private Object dueOrMissing(Object key, Entry e, Namespace ns) {
        if (e != null && e.generation == generation(ns) && clock.read() - e.deadline < 0) {
            if (e.claimRefresh()) {
                return refresh(key, e, ns);
            }
            hits.increment(index);
            if (traced) {
                trace(CallTrace.L1, clock.read() - e.storedAt, namespace.version(), key);
            }
            return async ? completed(e.result) : e.result;
        }
        if (e != null && e.generation != generation(ns) && l1Store.remove(key, e)) {
            stats.staleDrops.increment();
        }
        return miss(key, ns);
    }

    /** Records where a call was served from; {@code key}: a hit's ({@code null} for other sources). */
    private void trace(int source, long ageNanos, long version, Object key) {
        if (recorder != null && key != null && CallRecorder.sampled(key)) {
            recorder.hit(name, key);
        }
        if (provenance) {
            CallTrace.record(namespace.name, name, source, ageNanos, version);
        }
        if (spans) {
            Object events = spanEvents;
            if (events == null) { // looked up on an application thread, never while its class is being defined
                SpanEvents found = SpanEvents.of(classLoader(), namespace.name, name);
                events = found == null ? NO_SPAN_EVENTS : found;
                spanEvents = events;
            }
            if (events != NO_SPAN_EVENTS) {
                ((SpanEvents) events).record(source);
            }
        }
    }

    /**
     * What a call whose method threw {@code thrown} returns instead, under {@code tiered.staleIfError}: the L1 entry
     * for its key if it is of the current generation (never one that was invalidated) and expired less than that
     * long ago; {@code null} (the exception stands) otherwise, and always for errors and asynchronous methods.
     */
    Object staleAfterError(Load load, Throwable thrown) {
        Entry e = l1 == null || async || !(thrown instanceof Exception) ? null
                : l1Store.staleIfError(load.key, generation(namespace));
        if (e == null) {
            return null;
        }
        stats.staleServed.increment();
        faults.warn("stale:" + name, name + " threw " + thrown + "; an expired value was returned instead ("
                + "tiered.staleIfError)");
        return e.result;
    }

    /**
     * A hit chosen for verification: the caller runs the method (on its own thread, with its context, as for a
     * refresh) and {@link #verified} compares.
     */
    private Load verification(Object key, Entry e, Namespace ns) {
        Load load = new Load(this, key, e.entity, ns.version(), generation(ns), ns.sequence());
        load.verifying = e;
        stats.verified.increment();
        return load.start();
    }

    /** Compares a verified hit's cached value with what the method returned: see {@link Verification}. */
    Object verified(Load load, Object returned, Throwable thrown) {
        return verification.compare(load.key, (Entry) load.verifying, returned, thrown);
    }

    /**
     * The reading thread found this entry due and took its refresh: it recomputes it as its own call, on an
     * application thread with the application's context (security, tenancy, transactions), never on one of
     * tiered's; every other reader keeps the current value meanwhile. Unless another JVM already refreshes it.
     */
    private Object refresh(Object key, Entry e, Namespace ns) {
        if (versions.cutOff()) {
            return miss(key, ns);
        }
        Load load = newLoad(key, e.entity, ns);
        MethodL2 shared = l2;
        if (shared != null && load.version > 0) {
            // an L2 entry that outlives this one by a margin was refreshed by another JVM: adopt it instead
            long margin = Math.max(TimeUnit.MILLISECONDS.toNanos(50), ttl.toNanos() / 20);
            long refreshBelow = TimeUnit.NANOSECONDS.toMillis(e.deadline - clock.read() + margin);
            MethodL2.Read read = shared.readForRefresh(key, load.version, load.entity, ttl, Math.max(1, refreshBelow));
            if (read != null && load.took(read).leaseToken == null) {
                Object newer = adopt(load, read);
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
        if (traced) {
            trace(CallTrace.METHOD, 0, load.version, null);
        }
        return load.start();
    }

    /** What an L1 entry's generation must equal to be served. */
    private long generation(Namespace ns) {
        return entityKey != null ? ns.version() : ns.anyGeneration();
    }

    /**
     * Whether a transaction of the calling thread wrote the namespace and is still open: then it reads it uncached
     * ({@link TransactionalWrites}).
     */
    private static boolean writtenOnThisThread(Namespace ns) {
        return ns.writtenByOpenTransactions() && TransactionalWrites.onThisThread(ns);
    }

    private Object miss(Object key, Namespace ns) {
        if (!ns.enabled() || versions.cutOff() || writtenOnThisThread(ns)) {
            stats.uncached.increment();
            if (traced) {
                trace(CallTrace.UNCACHED, 0, ns.version(), null);
            }
            return null;
        }
        MethodL2 shared = l2;
        if (shared != null) {
            versions.ensureSynced(ns);
        }
        String entity = entity(key);
        Load mine;
        while (true) {
            Load current = inflight.get(key);
            if (current != null && current.ledByThisThread()) {
                // the method called again for the same key inside its own load: a proxy and the object behind
                // it, both advised through their interface; the outer call caches the result, this one runs through
                return null;
            }
            // an earlier call computing a result that is current for this call too is joined
            if (current != null && current(current)) {
                Object result = current.joined(coalesceMaxWaitNanos, stage);
                if (result != Load.NO_RESULT) {
                    stats.coalesced.increment();
                    if (traced) {
                        trace(CallTrace.METHOD, 0, current.version, null);
                    }
                    return result;
                }
                if (!async) { // it failed or took too long, or this thread leads a load and must not wait
                    return newLoad(key, entity, ns).start();
                }
            }
            mine = newLoad(key, entity, ns);
            if (current == null ? inflight.putIfAbsent(key, mine) == null : inflight.replace(key, current, mine)) {
                break;
            }
        }
        mine.lead();
        if (shared != null && mine.version > 0) {
            Object fromL2;
            try {
                MethodL2.Read read = shared.read(key, mine.version, entity, ttl, !async && !Load.nestedOnThisThread());
                fromL2 = read == null ? null : adopt(mine.took(read), read);
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
        if (traced) {
            trace(CallTrace.METHOD, 0, mine.version, null);
        }
        return mine.start();
    }

    /** The value an L2 read found, copied into L1 for at most what it has left to live; {@code null} if none. */
    private Object adopt(Load load, MethodL2.Read read) {
        Object result = read.value();
        if (result == null) {
            return null;
        }
        if (traced) {
            trace(CallTrace.L2, Math.max(0, ttl.toNanos() - TimeUnit.MILLISECONDS.toNanos(read.ttlMillis())),
                    load.version, load.key);
        }
        if (l1 != null && read.ttlMillis() > 0 && current(load)) {
            long lifetime = Math.min(l1Ttl.toNanos(), TimeUnit.MILLISECONDS.toNanos(read.ttlMillis()));
            putL1(load, result, lifetime);
        }
        return result;
    }

    /** A completed future (or stage) of a cached result, for an asynchronous method. */
    private Object completed(Object result) {
        Object value = result == NULL_RESULT ? null : result;
        return stage ? CompletableFuture.completedStage(value) : CompletableFuture.completedFuture(value);
    }

    /** A load capturing, before anything is read, what its result will be stored under. */
    private Load newLoad(Object key, String entity, Namespace ns) {
        return new Load(this, key, entity, ns.version(), generation(ns), ns.sequence());
    }

    /** The encoded entity key of a call, or {@code null} for a method without one. */
    private String entity(Object key) {
        if (entityKey == null) {
            return null;
        }
        try {
            return entityKey.ofCall(key, arity);
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
        return ns.enabled() && ns.version() == load.version && generation(ns) == load.generation
                && (load.entity == null || !ns.entityInvalidatedSince(load.entity, load.sequence));
    }

    /** Stores a load's result in the tiers, unless it is no longer current. */
    /** Under {@code tiered.trace}: a miss of a sampled key, with its load time and its entry's estimated bytes. */
    void recordMiss(Object key, long loadNanos, Object value) {
        if (recorder != null && CallRecorder.sampled(key)) {
            recorder.miss(name, key, loadNanos, MethodL1.ENTRY_OVERHEAD_BYTES + HeapEstimator.bytes(key)
                    + (value == null ? 0 : HeapEstimator.bytes(value)));
        }
    }

    void store(Load load, Object value, Object result) {
        MethodL2 shared = l2;
        if ((value == null && !cacheNulls) || !current(load)) {
            releaseLease(load);
            return;
        }
        if (l1 != null) {
            putL1(load, result, l1Ttl.toNanos());
        }
        if (shared != null && load.version > 0 && load.stamp != MethodL2.NO_STAMP) {
            shared.write(load.key, load.version, load.entity, load.stamp, load.leaseToken, value, ttl);
        } else {
            releaseLease(load);
        }
    }

    /** A load failed or was abandoned: others need not wait for its lease. A failed refresh keeps the entry. */
    void failed(Load load) {
        releaseLease(load);
    }

    /** Gives back a lease the load held without storing a result, so that other JVMs need not wait for it. */
    private void releaseLease(Load load) {
        if (load.leaseToken != null && l2Store != null) {
            l2Store.release(load.key, load.version, load.entity, load.leaseToken);
        }
    }

    /**
     * Puts an entry, then checks again that it is current, and takes it back if not: an invalidation that ran
     * between the first check and the put may have missed it.
     */
    private void putL1(Load load, Object result, long lifetimeNanos) {
        Entry entry = l1Store.entry(load.generation, result, load.entity, lifetimeNanos);
        l1Store.put(load.key, entry);
        if (!current(load)) {
            l1Store.remove(load.key, entry);
        }
    }

    @Override
    public void removeEntity(String entity) {
        l1Store.removeEntity(entity);
    }

    @Override
    public void dropStale() {
        l1Store.dropStale(generation(namespace));
    }

    @Override
    public void clearL1() {
        l1Store.clear();
    }

    /** Calls served from this JVM's L1. */
    public long l1Hits() {
        return hits.sum(index) - stats.l1HitsBaseline;
    }

    public long l1Size() {
        return l1Store.size();
    }

    /** The estimated bytes of its L1 entries under {@code tiered.l1.maxBytes}, or -1 when bounded by entries only. */
    public long l1WeightedBytes() {
        return l1Store.weightedBytes();
    }

    /** Whether a call that L1 does not serve goes to Redis first (the tier has L2, and there is a Redis). */
    boolean usesL2() {
        return l2 != null;
    }

    /** The most estimated bytes its L1 keeps now, for a method bounded by bytes; -1 for one bounded by entries. */
    long l1MaxBytesForTest() {
        return l1Store.maximumWeight();
    }

    @Override
    public long wantedCalls() {
        return l1Hits() + stats.l2Hits.sum() + misses();
    }

    @Override
    public long misses() {
        return stats.loads.sum() + stats.loadFailures.sum();
    }

    @Override
    public long loadNanos() {
        return stats.loadNanos.sum();
    }

    @Override
    public double l2ReadNanos() {
        long reads = stats.l2Times.count();
        return usesL2() && reads > 0 ? stats.l2Times.sum() / (double) reads : -1;
    }

    @Override
    public boolean hasL1() {
        return tier != Tier.L2 && !retired;
    }

    /** Set by a reload of the rules that replaced this method: see {@link TieredRuntime#retire}. */
    private volatile boolean retired;
    /** Moves its counts to its namespace and frees its hit counter, once: at {@link #retire}, or with its loader. */
    Runnable retirement;

    void retire() {
        retired = true;
        clearL1();
        namespace.remove(this);
        if (retirement != null) {
            retirement.run();
        }
    }

    /** Under {@code tiered.l1.budget}: this method's share of it, the most estimated bytes its L1 keeps now. */
    @Override
    public void maximumBytes(long bytes) {
        l1Store.maximumWeight(bytes);
    }

    @Override
    public long weightedBytes() {
        return l1WeightedBytes();
    }

    /** Waits until this runtime's results queued for L2 are written; {@code false} if that took too long. */
    boolean awaitL2Writes(Duration timeout) throws InterruptedException {
        return l2Store == null || l2Store.awaitWrites(timeout);
    }

    /**
     * Counts and reports (at most once a minute) a failure inside tiered while handling a call of this method, which
     * therefore runs uncached. For callers, like the agent's advice, that catch what this class does not.
     */
    public void fault(Throwable t) {
        stats.faults.increment();
        stats.uncached.increment();
        if (traced) {
            trace(CallTrace.UNCACHED, 0, namespace.version(), null);
        }
        faults.warn("fault:" + name, "a call of " + name + " ran uncached after an internal error: " + t, t);
    }

    @Override
    public String toString() {
        return name + " [" + tier + ", ttl " + Durations.format(ttl) + ", namespace " + namespace.name
                + (entityKey == null ? "" : ", entity key parameter " + (entityKey.parameter() + 1)) + "]";
    }
}
