package dev.tiered.runtime;

import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;

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
 */
public final class CachedMethod {
    /** Stands for a cached {@code null} result. */
    public static final Object NULL_RESULT = new Object() {
        @Override
        public String toString() {
            return "tiered:null";
        }
    };

    /** An L1 entry: a result and the namespace version its computation began under. */
    static final class Entry {
        final long version;
        final Object result;

        Entry(long version, Object result) {
            this.version = version;
            this.result = result;
        }
    }

    private final TieredRuntime runtime;
    final MethodSpec spec;
    final String name;
    final Namespace namespace;
    final Tier tier;
    final Duration ttl;
    final Duration l1Ttl;
    final boolean cacheNulls;
    final MethodStats stats = new MethodStats();
    private final int arity;
    private final Cache<Object, Entry> l1;
    private final Policy.VarExpiration<Object, Entry> l1Expiration;
    private final ConcurrentHashMap<Object, Load> inflight = new ConcurrentHashMap<>();
    private final KeyEncoder keyEncoder;
    private final String keyHead;
    private final WeakReference<ClassLoader> loader;
    private final boolean bootstrapLoaded;
    private volatile Object codec; // ValueCodec, or the String reason why there is none

    CachedMethod(TieredRuntime runtime, MethodSpec spec, Namespace namespace, Tier tier, Duration ttl, Duration l1Ttl,
                 boolean cacheNulls, long l1MaxEntries) {
        this.runtime = runtime;
        this.spec = spec;
        this.name = spec.displayName();
        this.namespace = namespace;
        this.tier = tier;
        this.ttl = ttl;
        this.l1Ttl = l1Ttl;
        this.cacheNulls = cacheNulls;
        this.arity = spec.parameterTypes().size();
        if (tier == Tier.L2) {
            l1 = null;
            l1Expiration = null;
        } else {
            long defaultNanos = l1Ttl.toNanos();
            l1 = Caffeine.newBuilder()
                    .maximumSize(l1MaxEntries)
                    .expireAfter(new Expiry<Object, Entry>() {
                        @Override
                        public long expireAfterCreate(Object key, Entry value, long currentTime) {
                            return defaultNanos;
                        }

                        @Override
                        public long expireAfterUpdate(Object key, Entry value, long currentTime, long currentDuration) {
                            return defaultNanos;
                        }

                        @Override
                        public long expireAfterRead(Object key, Entry value, long currentTime, long currentDuration) {
                            return currentDuration;
                        }
                    })
                    .build();
            l1Expiration = l1.policy().expireVariably().orElseThrow();
        }
        this.keyEncoder = tier == Tier.L1 ? null : new KeyEncoder(spec.keyTypes());
        this.keyHead = runtime.config().keyPrefix() + ":e:" + namespace.name + ":";
        ClassLoader cl = spec.classLoader();
        this.loader = new WeakReference<>(cl);
        this.bootstrapLoaded = cl == null;
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
            if (e != null && e.version == ns.version()) {
                stats.l1Hits.increment();
                return e.result;
            }
        }
        return miss(key, ns);
    }

    private Object miss(Object key, Namespace ns) {
        if (!ns.enabled() || runtime.cutOff()) {
            stats.uncached.increment();
            return null;
        }
        if (keyEncoder != null) {
            runtime.ensureSynced(ns);
        }
        long version = ns.version();
        Load mine = null;
        while (true) {
            Load current = inflight.get(key);
            if (current == null) {
                mine = mine != null ? mine : new Load(this, key, version);
                if (inflight.putIfAbsent(key, mine) == null) {
                    break;
                }
                continue;
            }
            if (current.version != version) {
                long now = ns.version();
                if (now != version) { // we began under an outdated version: begin again under the current one
                    version = now;
                    mine = null;
                    continue;
                }
                mine = mine != null ? mine : new Load(this, key, version);
                if (inflight.replace(key, current, mine)) {
                    break;
                }
                continue;
            }
            if (Load.leadingOnThisThread()) {
                return new Load(this, key, version).start();
            }
            Object shared = current.await(runtime.coalesceMaxWaitNanos());
            if (shared != Load.NO_RESULT) {
                stats.coalesced.increment();
                return shared;
            }
            return new Load(this, key, version).start();
        }
        mine.lead();
        if (keyEncoder != null && version > 0) {
            Object fromL2;
            try {
                fromL2 = readL2(key, version);
            } catch (RuntimeException | Error e) {
                mine.abandon();
                throw e;
            }
            if (fromL2 != null) {
                stats.l2Hits.increment();
                mine.completeFromL2(fromL2);
                return fromL2;
            }
        }
        return mine.start();
    }

    void loadEnded(Load load) {
        inflight.remove(load.key, load);
    }

    /** Stores a load's result in the tiers, unless its version is no longer current. */
    void store(Object key, long version, Object value, Object result) {
        if ((value == null && !cacheNulls) || namespace.version() != version || !namespace.enabled()) {
            return;
        }
        if (l1 != null) {
            l1.put(key, new Entry(version, result));
        }
        if (keyEncoder != null && version > 0) {
            writeL2(key, version, value);
        }
    }

    private Object readL2(Object key, long version) {
        Redis redis = runtime.redis();
        String redisKey = redisKey(key, version);
        ValueCodec codec = codec();
        if (redisKey == null || codec == null) {
            return null;
        }
        Redis.Fetched fetched;
        try {
            fetched = redis.get(redisKey);
        } catch (RuntimeException e) {
            stats.l2Errors.increment();
            runtime.reportL2Error(e);
            return null;
        }
        if (fetched == null) {
            return null;
        }
        Object value;
        try {
            value = codec.decode(fetched.value());
        } catch (ValueCodec.DecodeException e) {
            stats.decodeFailures.increment();
            runtime.faults().debug("decode:" + name, "an L2 value of " + name + " could not be decoded and was "
                    + "treated as a miss: " + e.getMessage());
            return null;
        }
        Object result = value == null ? NULL_RESULT : value;
        if (l1 != null && namespace.version() == version && fetched.ttlMillis() > 0) {
            long nanos = Math.min(l1Ttl.toNanos(), TimeUnit.MILLISECONDS.toNanos(fetched.ttlMillis()));
            l1Expiration.put(key, new Entry(version, result), nanos, TimeUnit.NANOSECONDS);
        }
        return result;
    }

    private void writeL2(Object key, long version, Object value) {
        String redisKey = redisKey(key, version);
        ValueCodec codec = codec();
        if (redisKey == null || codec == null) {
            stats.notStored.increment();
            return;
        }
        byte[] bytes;
        try {
            bytes = codec.encode(value);
        } catch (ValueCodec.NotStorableException e) {
            stats.notStored.increment();
            runtime.faults().warn("store:" + name, "a result of " + name + " was not stored in L2: "
                    + e.getMessage() + ".");
            return;
        }
        try {
            runtime.redis().set(redisKey, bytes, ttl.toMillis());
        } catch (RuntimeException e) {
            stats.l2Errors.increment();
            runtime.reportL2Error(e);
        }
    }

    /** The Redis key of an entry, or {@code null} (counted, logged) when an argument cannot be encoded. */
    String redisKey(Object key, long version) {
        try {
            return keyHead + version + ":" + name + ":" + keyEncoder.arguments(Keys.arguments(key, arity));
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
        if (l1 != null) {
            l1.invalidateAll();
        }
    }

    long l1Size() {
        return l1 == null ? 0 : l1.estimatedSize();
    }

    /**
     * Counts and reports (at most once a minute) a failure inside tiered while handling a call of this method, which
     * therefore runs uncached. For callers, like the agent's advice, that catch what this class does not.
     */
    public void fault(Throwable t) {
        stats.faults.increment();
        stats.uncached.increment();
        runtime.faults().warn("fault:" + name, "a call of " + name + " ran uncached after an internal error: " + t,
                t);
    }

    @Override
    public String toString() {
        return name + " [" + tier + ", ttl " + Durations.format(ttl) + ", namespace " + namespace.name + "]";
    }
}
