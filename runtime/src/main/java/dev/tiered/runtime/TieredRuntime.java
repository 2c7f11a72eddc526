package dev.tiered.runtime;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.slf4j.Logger;

import dev.tiered.Tier;

/**
 * The engine: one per JVM (per agent), holding the configuration, the namespaces and their versions, the link to
 * Redis and the invalidation bus. {@link #register(MethodSpec)} turns a {@code @Tiered} method into a
 * {@link CachedMethod}; {@link #registerInvalidation(InvalidationSpec)} turns an {@code @Invalidates} method into an
 * {@link Invalidation}. Thread-safe. Starting it does no network I/O on the calling thread.
 */
public final class TieredRuntime implements AutoCloseable {
    /** Most entities one script call bumps, so that a burst of keyed writes never holds Redis long. */
    private static final int ENTITIES_PER_SCRIPT = 256;
    private static final Logger LOG = FaultReporter.LOG;

    private final TieredConfig config;
    private final Redis redis;
    private final InvalidationBus bus;
    /** Writes results to L2 behind the calls; {@code null} without Redis or when writes are synchronous. */
    private final L2Writer writer;
    private final ScheduledExecutorService maintenance;
    private final ConcurrentHashMap<String, Namespace> namespaces = new ConcurrentHashMap<>();
    private final FaultReporter faults = new FaultReporter();
    private final AtomicLong localGenerations = new AtomicLong();
    private final AtomicLong leases = new AtomicLong();
    private final CoarseClock clock = new CoarseClock();
    private final HitCounter l1Hits = new HitCounter();
    private final java.util.concurrent.atomic.AtomicInteger methodIndexes = new java.util.concurrent.atomic.AtomicInteger();
    private final String origin = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final long coalesceMaxWaitNanos;
    private final long maxStalenessNanos;
    private final List<ObjectName> mbeans = new ArrayList<>();
    /** The longest one Redis operation may take: {@link TieredConfig#redisOperationBound()}. */
    private final long redisOperationNanos;
    private volatile boolean cutOff;
    private volatile boolean closed;
    /** The Prometheus endpoint, or {@code null} without {@code tiered.metrics.port}. */
    private final MetricsEndpoint metrics;

    private TieredRuntime(TieredConfig config) {
        this.config = config;
        this.coalesceMaxWaitNanos = config.coalesceMaxWait().toNanos();
        this.maxStalenessNanos = config.l1MaxStaleness().toNanos();
        this.redisOperationNanos = config.redisOperationBound().toNanos();
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tiered-maintenance");
            t.setDaemon(true);
            return t;
        });
        for (String problem : config.problems()) {
            LOG.warn(problem);
        }
        if (config.redis() == null) {
            redis = null;
            bus = null;
            writer = null;
            LOG.info("no {} set: caching in L1 only, and invalidations reach this JVM only", TieredConfig.REDIS_URI);
        } else {
            redis = new Redis(config, origin);
            writer = config.l2WriteBehindBytes() == 0 ? null
                    : new L2Writer(redis, this, config.l2WriteBehindBytes());
            bus = new InvalidationBus(redis, config.busHeartbeat(), new BusListener(), maintenance);
            maintenance.scheduleWithFixedDelay(this::checkStaleness, 100, 100, TimeUnit.MILLISECONDS);
            maintenance.scheduleWithFixedDelay(this::flushPendingBumps, 1, 1, TimeUnit.SECONDS);
            long probe = config.breakerProbeInterval().toNanos();
            maintenance.scheduleWithFixedDelay(redis::probe, probe, probe, TimeUnit.NANOSECONDS);
            if (maxStalenessNanos <= 2 * config.busHeartbeat().toNanos()) {
                LOG.warn("{} ({}) should be more than twice {} ({}), or a healthy bus may look lost",
                        TieredConfig.L1_MAX_STALENESS, Durations.format(config.l1MaxStaleness()),
                        TieredConfig.BUS_HEARTBEAT, Durations.format(config.busHeartbeat()));
            }
            LOG.info("L2 and invalidations through {} ({})", config.redis(), config.summary());
        }
        maintenance.execute(() -> registerMBean("dev.tiered:type=Runtime", new Views.Runtime(this)));
        if (config.metricsPort() >= 0) {
            metrics = new MetricsEndpoint(this, config.metricsHost(), config.metricsPort());
            maintenance.execute(metrics::start); // a daemon thread, which the server's own thread inherits
        } else {
            metrics = null;
        }
        if (config.metricsLogInterval() != null) {
            long every = config.metricsLogInterval().toNanos();
            maintenance.scheduleAtFixedRate(new MetricsLog(this), every, every, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Starts a runtime: logs each of the configuration's problems on one line, and starts connecting to Redis in
     * the background if one is configured.
     */
    public static TieredRuntime start(TieredConfig config) {
        return new TieredRuntime(config);
    }

    public TieredConfig config() {
        return config;
    }

    Redis redis() {
        return redis;
    }

    /** The circuit breaker in front of Redis, or {@code null} in L1-only mode. */
    CircuitBreaker breaker() {
        return redis == null ? null : redis.breaker();
    }

    FaultReporter faults() {
        return faults;
    }

    boolean cutOff() {
        return cutOff;
    }

    /** Problems logged with rate limiting since start-up. */
    long reportedProblems() {
        return faults.total.sum();
    }

    long coalesceMaxWaitNanos() {
        return coalesceMaxWaitNanos;
    }

    /** Where every method counts its L1 hits. */
    HitCounter l1Hits() {
        return l1Hits;
    }

    /** A number for a new cached method, unique in this runtime. */
    int nextMethodIndex() {
        return methodIndexes.getAndIncrement();
    }

    /** The clock of L1 lifetimes: see {@link CoarseClock}. */
    CoarseClock clock() {
        return clock;
    }

    /** A token unique to one attempt to take a lease, across JVMs. */
    String leaseToken() {
        return origin + "-" + leases.incrementAndGet();
    }

    /** Whether the invalidation bus is subscribed; always {@code false} in L1-only mode. */
    public boolean busConnected() {
        return bus != null && bus.connected();
    }

    /**
     * Validates a {@code @Tiered} method and returns its cache.
     *
     * @throws RejectedException if the method cannot be cached; its message is the line to log
     */
    public CachedMethod register(MethodSpec spec) throws RejectedException {
        String name = spec.displayName();
        switch (spec.kind()) {
            case ABSTRACT:
                throw new RejectedException(name, "@Tiered is on an abstract method, which has no body to cache; "
                        + "annotate the method that implements it");
            case NATIVE:
                throw new RejectedException(name, "@Tiered is on a native method, whose body cannot be rewritten; "
                        + "annotate a Java method that calls it");
            case CONSTRUCTOR:
            case STATIC_INITIALIZER:
                throw new RejectedException(name, "@Tiered is on a constructor or initializer; only methods that "
                        + "return a value can be cached");
            default:
                break;
        }
        if (spec.returnType().equals("void")) {
            throw new RejectedException(name, "@Tiered is on a method that returns void, so there is no result to "
                    + "cache; annotate the method that returns the value, and methods that change it @Invalidates");
        }
        String unsupportedReturn = unsupportedReturn(spec.returnType());
        if (unsupportedReturn != null) {
            throw new RejectedException(name, unsupportedReturn);
        }
        String nsName = spec.effectiveNamespace();
        if (!TieredConfig.NAMESPACE.matcher(nsName).matches()) {
            throw new RejectedException(name, "namespace \"" + nsName + "\" is malformed; accepted: "
                    + TieredConfig.NAMESPACE_FORM);
        }
        NamespaceSettings overrides = config.namespace(nsName);
        Duration ttl = overrides.ttl() != null ? overrides.ttl() : duration(name, "ttl", spec.ttl());
        Duration l1Ttl = overrides.l1Ttl() != null ? overrides.l1Ttl()
                : spec.l1Ttl().isEmpty() ? ttl : duration(name, "l1Ttl", spec.l1Ttl());
        if (l1Ttl.compareTo(ttl) > 0) {
            throw new RejectedException(name, "l1Ttl " + Durations.format(l1Ttl) + " is longer than ttl "
                    + Durations.format(ttl) + "; accepted: an l1Ttl no longer than ttl, or none");
        }
        Tier tier = overrides.tier() != null ? overrides.tier() : tier(name, spec.tier());
        List<Integer> cacheKeys = spec.cacheKeyParameters();
        if (cacheKeys.size() > 1) {
            throw new RejectedException(name, "@CacheKey is on " + cacheKeys.size() + " parameters; accepted: at most "
                    + "one, the parameter that identifies the entity");
        }
        if (!cacheKeys.isEmpty()) {
            int i = cacheKeys.get(0);
            KeyType.Unsupported u = spec.keyTypes().get(i).firstUnsupported();
            if (u != null) {
                throw new RejectedException(name, "its @CacheKey parameter " + (i + 1) + " ("
                        + spec.parameterTypes().get(i) + ") has no stable key encoding; accepted: " + KeyType.ACCEPTED);
            }
        }
        if (tier != Tier.L1) {
            for (int i = 0; i < spec.keyTypes().size(); i++) {
                KeyType.Unsupported u = spec.keyTypes().get(i).firstUnsupported();
                if (u != null) {
                    String declared = spec.parameterTypes().get(i);
                    throw new RejectedException(name, "parameter " + (i + 1) + " (" + declared + ") has no stable "
                            + "L2 key encoding" + (u.typeName().equals(declared) ? "" : ": it holds " + u.typeName())
                            + "; accepted: " + KeyType.ACCEPTED + ", or tier = Tier.L1 for any type with a "
                            + "value-based equals");
                }
            }
        }
        boolean cacheNulls = overrides.cacheNulls() != null ? overrides.cacheNulls() : config.cacheNulls();
        long maxEntries = overrides.l1MaxEntries() != null ? overrides.l1MaxEntries() : config.l1MaxEntries();
        long maxBytes = overrides.l1MaxBytes() != null ? overrides.l1MaxBytes() : config.l1MaxBytes();
        Namespace ns = namespace(nsName);
        CachedMethod method = new CachedMethod(this, spec, ns, tier, ttl, l1Ttl, cacheNulls, maxEntries, maxBytes);
        ns.methods.add(method);
        if (!closed) {
            maintenance.execute(() -> registerMBean(Views.Method.objectName(method), new Views.Method(method)));
        }
        LOG.debug("caching {}", method);
        return method;
    }

    private static String unsupportedReturn(String type) {
        switch (type) {
            case "java.util.concurrent.Future":
                return "it returns " + type + ", whose completion cannot be observed without blocking; accepted: "
                        + "a CompletableFuture or CompletionStage, or the value itself";
            case "java.util.stream.Stream":
            case "java.util.stream.IntStream":
            case "java.util.stream.LongStream":
            case "java.util.stream.DoubleStream":
            case "java.util.Iterator":
            case "java.util.Spliterator":
            case "java.io.InputStream":
            case "java.io.Reader":
                return "it returns " + type + ", which can be consumed only once; accepted: a method that returns "
                        + "a collection or value";
            default:
                return null;
        }
    }

    private static Duration duration(String method, String attribute, String text) throws RejectedException {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new RejectedException(method, attribute + " \"" + text + "\" is malformed; accepted: "
                    + Durations.ACCEPTED_FORM);
        }
    }

    private static Tier tier(String method, String text) throws RejectedException {
        try {
            return Tier.valueOf(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new RejectedException(method, "tier \"" + text + "\" is unknown; accepted: L1, L2 or L1_L2");
        }
    }

    /**
     * Validates an {@code @Invalidates} method and returns its effect.
     *
     * @throws RejectedException if a namespace is malformed; the method then invalidates nothing
     */
    public Invalidation registerInvalidation(InvalidationSpec spec) throws RejectedException {
        List<Namespace> targets = new ArrayList<>();
        for (String nsName : spec.effectiveNamespaces()) {
            if (!TieredConfig.NAMESPACE.matcher(nsName).matches()) {
                throw new RejectedException(spec.displayName(), "invalidates nothing", "@Invalidates names the "
                        + "namespace \"" + nsName + "\", which is malformed; accepted: " + TieredConfig.NAMESPACE_FORM);
            }
            targets.add(namespace(nsName));
        }
        List<Integer> cacheKeys = spec.cacheKeyParameters();
        String whole = null;
        if (cacheKeys.size() > 1) {
            whole = "@CacheKey is on " + cacheKeys.size() + " parameters; accepted: at most one";
        } else if (!cacheKeys.isEmpty() && spec.cacheKeyType().firstUnsupported() != null) {
            whole = "its @CacheKey parameter " + (cacheKeys.get(0) + 1) + " (" + spec.parameterTypes()
                    .get(cacheKeys.get(0)) + ") has no stable key encoding; accepted: " + KeyType.ACCEPTED
                    + ", or a List, Collection or array of these";
        }
        if (whole != null) {
            LOG.warn("{} invalidates its whole namespaces: {}.", spec.displayName(), whole);
            return new Invalidation(this, spec.displayName(), targets, -1, null, false);
        }
        return new Invalidation(this, spec.displayName(), targets, cacheKeys.isEmpty() ? -1 : cacheKeys.get(0),
                spec.cacheKeyType(), spec.eachElement());
    }

    private Namespace namespace(String name) {
        return namespaces.computeIfAbsent(name, n -> {
            NamespaceSettings settings = config.namespace(n);
            boolean enabled = settings.enabled() == null || settings.enabled();
            if (!enabled) {
                LOG.info("namespace {} is disabled by {}{}.enabled=false: its methods run uncached", n,
                        TieredConfig.NS_PREFIX, n);
            }
            Namespace ns = new Namespace(n, config.keyPrefix(), enabled, maintenance);
            if (!closed) {
                maintenance.execute(() -> {
                    registerMBean("dev.tiered:type=Namespace,name=" + n, new Views.Namespace(this, ns));
                    if (busConnected()) {
                        trySync(ns);
                    }
                });
            }
            return ns;
        });
    }

    /** A snapshot of one namespace's counters, or {@code null} if no method uses it. */
    public NamespaceStats stats(String namespace) {
        Namespace ns = namespaces.get(namespace);
        return ns == null ? null : snapshot(ns);
    }

    /**
     * Operations on a namespace from JMX, for this JVM (a flush reaches every JVM, as a write does). Each validates
     * its argument like a start-up property, throws {@link IllegalArgumentException} with one line naming what was
     * wrong and the accepted form, and logs the change once.
     */
    void flush(Namespace ns) {
        bump(ns);
        LOG.info("namespace {} flushed through JMX: every JVM's entries of it are invalid from now on", ns.name);
    }

    void enabled(Namespace ns, boolean enabled) {
        if (ns.enabled() == enabled) {
            return;
        }
        ns.enabled(enabled);
        if (!enabled) {
            ns.methods.forEach(CachedMethod::clearL1); // re-enabled, it starts afresh rather than trust old entries
        }
        LOG.info("namespace {} {} through JMX", ns.name, enabled ? "enabled" : "disabled: its methods run uncached");
    }

    void lifetimes(Namespace ns, String what, String value, boolean l1Only) {
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("namespace " + ns.name + ": " + what + " \"" + value
                    + "\" is malformed; accepted: " + Durations.ACCEPTED_FORM + ". Nothing was changed.");
        }
        for (CachedMethod m : ns.methods) {
            m.lifetimes(l1Only ? m.ttl : d, l1Only ? d : m.l1Ttl);
        }
        LOG.info("namespace {}: {} set to {} through JMX, for entries stored from now on{}", ns.name, what,
                Durations.format(d), l1Only ? " (at most each method's ttl)" : " (l1Ttl cut to it where longer)");
    }

    void tier(Namespace ns, String value) {
        Tier tier;
        try {
            tier = Tier.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("namespace " + ns.name + ": tier \"" + value + "\" is malformed; "
                    + "accepted: L1, L2 or L1_L2. Nothing was changed.");
        }
        if (tier != Tier.L1) {
            for (CachedMethod m : ns.methods) {
                if (!m.l2Capable()) {
                    throw new IllegalArgumentException("namespace " + ns.name + ": tier " + tier + " is refused: "
                            + m.name() + " has a parameter with no stable L2 key encoding; accepted: L1. Nothing "
                            + "was changed.");
                }
            }
        }
        ns.methods.forEach(m -> m.tier(tier));
        LOG.info("namespace {}: tier set to {} through JMX{}", ns.name, tier,
                tier == Tier.L2 ? "" : " (L1 starts empty)");
    }

    void resetCounters(Namespace ns) {
        ns.resetCounters();
        LOG.info("namespace {}: counters reset through JMX", ns.name);
    }

    /** Where the Prometheus endpoint listens, or {@code null} when it does not (yet). */
    InetSocketAddress metricsAddress() {
        return metrics == null ? null : metrics.address();
    }

    /** Every namespace in use, sorted by name. */
    List<Namespace> namespacesInUse() {
        List<Namespace> all = new ArrayList<>(namespaces.values());
        all.sort(java.util.Comparator.comparing(ns -> ns.name));
        return all;
    }

    /** Every namespace in use, sorted. */
    public List<String> namespaces() {
        List<String> names = new ArrayList<>(namespaces.keySet());
        names.sort(null);
        return names;
    }

    static NamespaceStats snapshot(Namespace ns) {
        return snapshot(ns, ns.methods, true);
    }

    /** A snapshot of one method's counters: those of its namespace's own operations are left out. */
    static NamespaceStats snapshot(CachedMethod method) {
        return snapshot(method.namespace, List.of(method), false);
    }

    private static NamespaceStats snapshot(Namespace ns, List<CachedMethod> methods, boolean namespaceCounters) {
        long l1 = 0, l2 = 0, coalesced = 0, loads = 0, failures = 0, uncached = 0, nanos = 0;
        long l2Errors = 0, decode = 0, notStored = 0, faults = 0, entries = 0, refreshes = 0, leaseWaits = 0;
        long bytes = 0, stale = 0, verified = 0, mismatches = 0, bySize = 0, expired = 0, staleDrops = 0;
        long l2Reads = 0, l2ReadNanos = 0, l2Timeouts = 0;
        if (namespaceCounters) {
            l2Errors += ns.versionErrors.sum();
            l2Timeouts += ns.versionTimeouts.sum();
        }
        long[] loadTimes = loadTimes(methods);
        long[] l2Times = new long[LagHistogram.BUCKETS];
        for (CachedMethod m : methods) {
            MethodStats s = m.stats;
            l1 += m.l1Hits();
            l2 += s.l2Hits.sum();
            coalesced += s.coalesced.sum();
            loads += s.loads.sum();
            failures += s.loadFailures.sum();
            uncached += s.uncached.sum();
            nanos += s.loadNanos.sum();
            l2Errors += s.l2Errors.sum();
            decode += s.decodeFailures.sum();
            notStored += s.notStored.sum();
            faults += s.faults.sum();
            entries += m.l1Size();
            bytes += Math.max(0, m.l1WeightedBytes());
            refreshes += s.refreshes.sum();
            leaseWaits += s.leaseWaits.sum();
            stale += s.staleServed.sum();
            verified += s.verified.sum();
            mismatches += s.verifyMismatches.sum();
            bySize += s.evictedBySize.sum();
            expired += s.expired.sum();
            staleDrops += s.staleDrops.sum();
            l2Timeouts += s.l2Timeouts.sum();
            l2Reads += s.l2Times.count();
            l2ReadNanos += s.l2Times.sum();
            s.l2Times.addCountsTo(l2Times);
        }
        LagHistogram lag = namespaceCounters ? ns.propagationLag : null;
        return new NamespaceStats(ns.name, ns.version(), l1 + l2 + coalesced + loads + failures + uncached, l1, l2,
                coalesced, loads, failures, uncached, nanos, l2Errors, decode, notStored, faults,
                namespaceCounters ? ns.invalidationsSent.sum() : 0,
                namespaceCounters ? ns.invalidationsReceived.sum() : 0, entries, bytes, refreshes, leaseWaits, stale,
                lag == null ? 0 : lag.quantile(0.5), lag == null ? 0 : lag.quantile(0.99),
                lag == null ? 0 : lag.quantile(1),
                LagHistogram.quantile(loadTimes, 0.5), LagHistogram.quantile(loadTimes, 0.99),
                LagHistogram.quantile(loadTimes, 1), verified, mismatches, bySize, expired, staleDrops, l2Reads,
                l2ReadNanos, LagHistogram.quantile(l2Times, 0.5), LagHistogram.quantile(l2Times, 0.99),
                LagHistogram.quantile(l2Times, 1), l2Timeouts);
    }

    /** The load times of a namespace's methods merged, as bucket counts of a {@link LagHistogram}. */
    static long[] loadTimes(Namespace ns) {
        return loadTimes(ns.methods);
    }

    private static long[] loadTimes(List<CachedMethod> methods) {
        long[] counts = new long[LagHistogram.BUCKETS];
        for (CachedMethod m : methods) {
            m.stats.loadTimes.addCountsTo(counts);
        }
        return counts;
    }

    /**
     * Bumps a namespace: in Redis and here, or here only (sent later) if Redis cannot be reached. Concurrent bumps of
     * one namespace are coalesced: a caller waits for a bump that started after it asked, so a burst of writes
     * costs about two round trips at a time, not one per write.
     */
    void bump(Namespace ns) {
        ns.invalidationsSent.increment();
        ns.bumps.run(null, writes -> bumpNow(ns));
    }

    private void bumpNow(Namespace ns) {
        if (redis == null) {
            ns.localGeneration(localGenerations.decrementAndGet());
            return;
        }
        int pending = ns.pendingBumps.get();
        try {
            long version = redis.bump(ns);
            if (pending > 0) {
                ns.pendingBumps.addAndGet(-pending);
            }
            ns.advanceTo(version);
        } catch (RuntimeException e) {
            bumpLocally(ns, e);
        }
    }

    /** The bump could not reach Redis: this JVM stops using L2 for the namespace and sends a bump when it can. */
    private void bumpLocally(Namespace ns, RuntimeException cause) {
        versionFailed(ns, cause);
        ns.pendingBumps.incrementAndGet();
        ns.localGeneration(localGenerations.decrementAndGet());
        faults.warn("bump:" + ns.name, "could not bump namespace " + ns.name + " in Redis (" + cause
                + "); it is invalidated in this JVM now and in the others once Redis accepts the bump");
    }

    /**
     * Invalidates entities of a namespace, in Redis and here. Concurrent keyed writes to one namespace are coalesced
     * as bumps are: a caller waits for a script call that started after it asked and bumps its entities with those
     * of the writes that came meanwhile.
     */
    void bumpEntities(Namespace ns, Collection<String> entities) {
        if (entities.isEmpty()) {
            return; // a write that names no entity (an empty list) changes none
        }
        ns.invalidationsSent.add(entities.size());
        ns.keyedBumps.run(entities, writes -> bumpEntitiesNow(ns, writes));
    }

    private void bumpEntitiesNow(Namespace ns, List<Collection<String>> writes) {
        Set<String> entities = new LinkedHashSet<>();
        writes.forEach(entities::addAll);
        if (redis != null) {
            try {
                List<String> all = new ArrayList<>(entities);
                for (int from = 0; from < all.size(); from += ENTITIES_PER_SCRIPT) {
                    redis.bumpEntities(ns, all.subList(from, Math.min(all.size(), from + ENTITIES_PER_SCRIPT)),
                            entityVersionLifetime(ns));
                }
            } catch (RuntimeException e) {
                bumpLocally(ns, e); // the whole namespace, later: safe, if coarser
                return;
            }
        }
        for (String entity : entities) {
            ns.invalidateEntity(entity);
        }
    }

    /** An entity's version must outlive every entry stamped with it: the namespace's longest TTL, and a day. */
    private static long entityVersionLifetime(Namespace ns) {
        long longest = TimeUnit.DAYS.toMillis(1);
        for (CachedMethod m : ns.methods) {
            longest = Math.max(longest, m.ttl.toMillis());
        }
        return longest;
    }

    /** Reads a namespace's version on first use, so that the first calls can already use L2. */
    void ensureSynced(Namespace ns) {
        if (ns.version() > 0 || redis == null || !bus.connected()) {
            return;
        }
        long now = System.nanoTime();
        if (now - ns.nextSyncAttempt < 0) {
            return;
        }
        if (ns.syncLock.tryLock()) {
            try {
                if (System.nanoTime() - ns.nextSyncAttempt >= 0) { // unless another thread just failed
                    trySync(ns);
                }
            } finally {
                ns.syncLock.unlock();
            }
            return;
        }
        // another thread is reading the version: this call waits for it (at most one Redis operation), then goes
        // on with what it found rather than trying again itself, so that it never waits for two
        try {
            if (ns.syncLock.tryLock(redisOperationNanos, TimeUnit.NANOSECONDS)) {
                ns.syncLock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean trySync(Namespace ns) {
        if (ns.version() > 0 && ns.pendingBumps.get() == 0) {
            return true;
        }
        if (syncNow(ns)) {
            return true;
        }
        ns.nextSyncAttempt = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        return false;
    }

    /**
     * Reads the namespace's version from Redis, or sends its pending bumps if it has any, and adopts the result.
     * One namespace syncs on one thread at a time.
     */
    private boolean syncNow(Namespace ns) {
        ns.syncLock.lock();
        try {
            try {
                int pending = ns.pendingBumps.get();
                long version = pending > 0 ? redis.bump(ns) : redis.readVersion(ns);
                if (pending > 0) {
                    ns.pendingBumps.addAndGet(-pending);
                }
                ns.advanceTo(version);
                return true;
            } catch (RuntimeException e) {
                versionFailed(ns, e);
                reportL2Error(e);
                return false;
            }
        } finally {
            ns.syncLock.unlock();
        }
    }

    /**
     * Re-reads every version after the bus connected. After a reconnect, messages sent while it was away are
     * lost: every L1 entry is dropped first, since for keyed invalidations it cannot be proven which are valid.
     */
    private void resyncAll(boolean reconnect) {
        if (reconnect) {
            for (Namespace ns : namespaces.values()) {
                ns.forgetAll();
            }
        }
        int failed = 0;
        for (Namespace ns : namespaces.values()) {
            long before = ns.version();
            if (!syncNow(ns)) {
                failed++;
                if (ns.version() == before) { // whether its entries are still valid cannot be proven
                    ns.localGeneration(localGenerations.decrementAndGet());
                }
            }
        }
        if (cutOff) {
            cutOff = false;
            LOG.info("invalidation bus is back: caching resumed ({} namespaces resynchronised{})",
                    namespaces.size() - failed, failed == 0 ? "" : ", " + failed + " left local until their next use");
        }
    }

    private void flushPendingBumps() {
        if (!busConnected()) {
            return;
        }
        for (Namespace ns : namespaces.values()) {
            if (ns.pendingBumps.get() > 0) {
                trySync(ns);
            }
        }
    }

    private void checkStaleness() {
        if (cutOff || closed) {
            return;
        }
        long silent = System.nanoTime() - bus.lastHeardNanos();
        if (silent > maxStalenessNanos) {
            cutOff = true;
            for (Namespace ns : namespaces.values()) {
                ns.localGeneration(localGenerations.decrementAndGet());
            }
            LOG.warn("no word from the invalidation bus for {}: L1 entries are dropped and calls run uncached "
                    + "until Redis is reachable again", Durations.format(Duration.ofNanos(silent)
                    .truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
        }
    }

    /**
     * Stores a result in L2: queued behind the call, or on the calling thread when write-behind is off. Failures
     * are counted against {@code method} and reported, never thrown.
     */
    void writeL2(Redis.Store store, CachedMethod method) {
        if (writer != null) {
            if (!writer.offer(new L2Writer.Write(store, method))) {
                method.stats.notStored.increment();
                faults.warn("write-behind", "results are computed faster than Redis at " + redis.endpoint()
                        + " stores them: some were kept in L1 only; raise " + TieredConfig.L2_WRITE_BEHIND_BYTES
                        + " (now " + config.l2WriteBehindBytes() + ") if Redis keeps up on average");
            }
            return;
        }
        try {
            redis.set(store);
        } catch (RuntimeException e) {
            l2Failed(method.stats, e);
        }
    }

    /**
     * Gives back a lease behind the call, as results are written, so that a call never waits on Redis for it; by
     * the call itself only without write-behind. If that fails, or the queue is full, the lease expires by itself.
     */
    void releaseLease(String leaseKey, String token, CachedMethod method) {
        if (writer != null) {
            writer.offer(new L2Writer.Write(Redis.Store.release(leaseKey, token), method));
            return;
        }
        try {
            redis.release(leaseKey, token);
        } catch (RuntimeException e) {
            l2Failed(method.stats, e);
        }
    }

    /** Counts and reports an L2 failure, unless the call only skipped Redis because the circuit is open. */
    void l2Failed(MethodStats stats, RuntimeException e) {
        if (e != CircuitBreaker.OpenException.INSTANCE) {
            stats.l2Errors.increment();
            if (timedOut(e)) {
                stats.l2Timeouts.increment();
            }
            reportL2Error(e);
        }
    }

    /** Counts a failed version read or bump of a namespace, unless the circuit was open. */
    private static void versionFailed(Namespace ns, RuntimeException e) {
        if (e != CircuitBreaker.OpenException.INSTANCE) {
            ns.versionErrors.increment();
            if (timedOut(e)) {
                ns.versionTimeouts.increment();
            }
        }
    }

    /** Whether Redis failed by not answering in time: a socket timeout, or no pooled connection within the wait. */
    static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.util.NoSuchElementException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Waits until results queued for L2 are written (or failed); {@code false} if that took longer than the
     * timeout. Tests use it where another JVM must find a result in L2.
     */
    boolean awaitL2Writes(Duration timeout) throws InterruptedException {
        return writer == null || writer.awaitIdle(timeout);
    }

    void reportL2Error(RuntimeException e) {
        if (e == CircuitBreaker.OpenException.INSTANCE) {
            return; // its opening was logged
        }
        faults.warn("redis", "Redis at " + redis.endpoint() + " failed: " + e + "; calls fall back to L1 and the "
                + "method");
    }

    private final class BusListener implements InvalidationBus.Listener {
        private boolean everConnected;

        @Override
        public void connected() {
            boolean reconnect = everConnected;
            if (!everConnected) {
                everConnected = true;
                LOG.info("invalidation bus subscribed to {} on {}", redis.channel(), redis.endpoint());
            }
            maintenance.execute(() -> resyncAll(reconnect));
        }

        @Override
        public void message(String namespace, long version, boolean bump, String from, long sentAtMicros) {
            Namespace ns = namespaces.get(namespace);
            if (ns == null) {
                return;
            }
            ns.advanceTo(version);
            // counted once applied: whoever sees the count sees the invalidation in effect
            if (bump && !origin.equals(from)) {
                ns.propagationLag.record(Clocks.epochMicros() - sentAtMicros);
                ns.invalidationsReceived.increment();
            }
        }

        @Override
        public void entity(String namespace, String entity, String from, long sentAtMicros) {
            Namespace ns = namespaces.get(namespace);
            if (ns == null || origin.equals(from)) {
                return; // this JVM applied its own keyed writes before they returned
            }
            ns.invalidateEntity(entity);
            ns.propagationLag.record(Clocks.epochMicros() - sentAtMicros);
            ns.invalidationsReceived.increment();
        }

        @Override
        public void lost(Exception cause) {
            if (!closed) {
                LOG.warn("invalidation bus lost ({}); L1 entries stay in use for at most {} unless it comes back",
                        cause == null ? "unsubscribed" : cause.toString(),
                        Durations.format(config.l1MaxStaleness()));
            }
        }
    }

    private void registerMBean(String name, Object mbean) {
        if (closed) {
            return;
        }
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName objectName = new ObjectName(name);
            if (server.isRegistered(objectName)) {
                server.unregisterMBean(objectName); // a previous runtime in this JVM (tests): the latest wins
            }
            server.registerMBean(mbean, objectName);
            synchronized (mbeans) {
                mbeans.add(objectName);
            }
        } catch (JMException | RuntimeException e) {
            LOG.debug("cannot register MBean {}: {}", name, e.toString());
        }
    }

    /** Stops the bus and the maintenance thread and closes the connections. Cached methods then run uncached. */
    @Override
    public void close() {
        closed = true;
        cutOff = true;
        if (bus != null) {
            bus.close();
        }
        maintenance.shutdownNow();
        if (metrics != null) {
            metrics.close();
        }
        clock.close();
        if (writer != null) {
            writer.close(config.redisTimeout().multipliedBy(4)); // what is queued gets a few round trips to land
        }
        if (redis != null) {
            redis.close();
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        synchronized (mbeans) {
            for (ObjectName name : mbeans) {
                try {
                    server.unregisterMBean(name);
                } catch (JMException e) {
                    // already replaced
                }
            }
        }
    }

    @Override
    public String toString() {
        return "TieredRuntime{" + config.summary() + ", namespaces=" + namespaces.keySet() + "}";
    }
}
