package dev.tiered.runtime.coherence;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.slf4j.Logger;

import dev.tiered.runtime.config.Durations;
import dev.tiered.runtime.config.NamespaceSettings;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l2.L2Errors;
import dev.tiered.runtime.l2.MethodL2;
import dev.tiered.runtime.l2.Redis;
import dev.tiered.runtime.stats.Clocks;
import dev.tiered.runtime.stats.FaultReporter;

/**
 * The namespaces of one runtime and their versions: bumps (coalesced), first reads and resynchronisation, the
 * invalidation bus that brings other JVMs' invalidations, and the cut-off when invalidations may be going missing
 * for longer than {@code tiered.l1.maxStaleness}: the bus silent, or Redis refusing writes (a write it refused
 * bumped nothing, and told nobody). Without Redis, versions are local and invalidations reach this JVM only.
 *
 * <p>Thread-safe. Nothing here throws because Redis failed: a bump that cannot reach Redis makes a local version
 * at once, and is sent when Redis is back.
 */
public final class Versions implements AutoCloseable {
    /** Most entities one script call bumps, so that a burst of keyed writes never holds Redis long. */
    private static final int ENTITIES_PER_SCRIPT = 256;
    private static final Logger LOG = FaultReporter.LOG;

    private final TieredConfig config;
    /** {@code null} in L1-only mode. */
    private final Redis redis;
    private final L2Errors errors;
    private final InvalidationBus bus;
    private final FaultReporter faults;
    private final ScheduledExecutorService maintenance;
    private final Consumer<Namespace> added;
    private final ConcurrentHashMap<String, Namespace> namespaces = new ConcurrentHashMap<>();
    private final AtomicLong localVersions = new AtomicLong();
    private final long maxStalenessNanos;
    /** The longest one Redis operation may take: {@link TieredConfig#redisOperationBound()}. */
    private final long redisOperationNanos;
    /** Calls run uncached: the bus was silent for too long; cleared once it is back and versions are re-read. */
    private volatile boolean cutOffByBus;
    /** Calls run uncached: Redis refused writes for too long; cleared once it takes them and versions are re-read. */
    private volatile boolean cutOffByRefusal;
    /** Whether Redis takes this JVM's writes; {@code null} without Redis. */
    private final WriteWatch writes;
    private final LongAdder rejectedMessages = new LongAdder();
    private volatile boolean closed;

    /**
     * Starts subscribing to the invalidation bus (in the background) if there is a Redis.
     *
     * @param redis       the Redis of L2, or {@code null}
     * @param errors      where failed version reads and bumps are reported; {@code null} without Redis
     * @param maintenance runs syncs, staleness checks and the bus heartbeat
     * @param added       told of each new namespace, on the maintenance thread
     */
    public Versions(TieredConfig config, Redis redis, L2Errors errors, FaultReporter faults,
                    ScheduledExecutorService maintenance, Consumer<Namespace> added) {
        this.config = config;
        this.redis = redis;
        this.errors = errors;
        this.faults = faults;
        this.maintenance = maintenance;
        this.added = added;
        this.maxStalenessNanos = config.l1MaxStaleness().toNanos();
        this.redisOperationNanos = config.redisOperationBound().toNanos();
        if (redis == null) {
            bus = null;
            writes = null;
            return;
        }
        writes = new WriteWatch(redis, config);
        bus = new InvalidationBus(redis, config.busHeartbeat(), new BusListener(), maintenance);
        maintenance.scheduleWithFixedDelay(this::checkStaleness, 100, 100, TimeUnit.MILLISECONDS);
        maintenance.scheduleWithFixedDelay(this::flushPendingBumps, 1, 1, TimeUnit.SECONDS);
        long heartbeat = config.busHeartbeat().toMillis();
        maintenance.scheduleWithFixedDelay(this::probeWrites, 0, heartbeat, TimeUnit.MILLISECONDS);
        if (maxStalenessNanos <= 2 * config.busHeartbeat().toNanos()) {
            LOG.warn("{} ({}) should be more than twice {} ({}), or a healthy bus may look lost",
                    TieredConfig.L1_MAX_STALENESS, Durations.format(config.l1MaxStaleness()),
                    TieredConfig.BUS_HEARTBEAT, Durations.format(config.busHeartbeat()));
        }
    }

    /** The namespace of that name, made on first use; the name is well-formed ({@link TieredConfig#isNamespace}). */
    public Namespace namespace(String name) {
        return namespaces.computeIfAbsent(name, n -> {
            NamespaceSettings settings = config.namespace(n);
            boolean enabled = settings.enabled() == null || settings.enabled();
            if (!enabled) {
                LOG.info("namespace {} is disabled by {}{}.enabled=false: its methods run uncached", n,
                        TieredConfig.NS_PREFIX, n);
            }
            Namespace ns = new Namespace(n, redis == null ? null : redis.keys().of(n), enabled, maintenance);
            if (!closed) {
                maintenance.execute(() -> {
                    added.accept(ns);
                    if (busConnected()) {
                        trySync(ns);
                    }
                });
            }
            return ns;
        });
    }

    /** The namespace of that name, or {@code null} if no method uses it. */
    public Namespace get(String name) {
        return namespaces.get(name);
    }

    /** Every namespace in use, sorted by name. */
    public List<Namespace> all() {
        List<Namespace> all = new ArrayList<>(namespaces.values());
        all.sort(Comparator.comparing(ns -> ns.name));
        return all;
    }

    /** Whether the invalidation bus is subscribed; always {@code false} in L1-only mode. */
    public boolean busConnected() {
        return bus != null && bus.connected();
    }

    /**
     * Whether calls run uncached because invalidations may have gone missing for longer than
     * {@code tiered.l1.maxStaleness}: the bus was silent, or Redis refused writes.
     */
    public boolean cutOff() {
        return cutOffByBus || cutOffByRefusal;
    }

    /** What Redis answered the last write it refused, while it refuses writes; {@code null} while it takes them. */
    public String writesRefused() {
        return writes == null ? null : writes.refusal();
    }

    /** Writes of this JVM that Redis refused since start-up: probes and bumps. */
    public long refusals() {
        return writes == null ? 0 : writes.refusals();
    }

    /** Whether calls run uncached because the bus has been silent for longer than {@code tiered.l1.maxStaleness}. */
    public boolean cutOffByBus() {
        return cutOffByBus;
    }

    /** Whether calls run uncached because Redis has refused writes for longer than {@code tiered.l1.maxStaleness}. */
    public boolean cutOffByRefusal() {
        return cutOffByRefusal;
    }

    /**
     * The bus as an operator needs it while it is down: since when (epoch milliseconds), why (the last failure, or
     * {@code null}), and whether it was ever up. {@code null} without Redis.
     */
    public BusDown busDown() {
        return bus == null ? null : new BusDown(bus.downSinceMillis(), bus.lastFailure(), bus.everSubscribed());
    }

    /** See {@link #busDown()}. */
    public record BusDown(long sinceMillis, String failure, boolean everUp) {}

    /** Since when Redis refuses writes (epoch milliseconds); meaningless while it takes them. */
    public long refusingSinceMillis() {
        return writes == null ? 0 : writes.refusingSinceMillis();
    }

    /** Messages on the channel that no tiered JVM sends, ignored since start-up. */
    public long rejectedMessages() {
        return rejectedMessages.sum();
    }

    /**
     * Bumps a namespace: in Redis and here, or here only (sent later) if Redis cannot be reached. Concurrent bumps of
     * one namespace are coalesced: a caller waits for a bump that started after it asked, so a burst of writes
     * costs about two round trips at a time, not one per write.
     */
    public void bump(Namespace ns) {
        ns.invalidationsSent.increment();
        ns.bumps.run(null, writes -> bumpNow(ns));
    }

    private void bumpNow(Namespace ns) {
        if (redis == null) {
            ns.localVersion(localVersions.decrementAndGet());
            return;
        }
        int pending = ns.pendingBumps.get();
        try {
            long version = redis.bump(ns.keys, ns.lastRedisVersion());
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
        writes.refused(cause);
        ns.pendingBumps.incrementAndGet();
        ns.localVersion(localVersions.decrementAndGet());
        faults.warn("bump:" + ns.name, "could not bump namespace " + ns.name + " in Redis (" + cause
                + "); it is invalidated in this JVM now and in the others once Redis accepts the bump");
    }

    /**
     * Invalidates entities of a namespace, in Redis and here. Concurrent keyed writes to one namespace are coalesced
     * as bumps are: a caller waits for a script call that started after it asked and bumps its entities with those
     * of the writes that came meanwhile.
     */
    public void bumpEntities(Namespace ns, Collection<String> entities) {
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
                    redis.bumpEntities(ns.keys, all.subList(from, Math.min(all.size(), from + ENTITIES_PER_SCRIPT)),
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

    /**
     * How long an entity's version is kept when a write bumps it: as long as the namespace's longest TTL here, and a
     * day. Entries stored later keep it longer where they live longer (in any JVM), and a version key that is gone
     * anyway is made fresh, above every stamp it ever had.
     */
    private static long entityVersionLifetime(Namespace ns) {
        long longest = 0;
        for (Namespace.Member m : ns.members()) {
            longest = Math.max(longest, MethodL2.versionLifetime(m.ttl()));
        }
        return Math.max(longest, MethodL2.versionLifetime(java.time.Duration.ZERO));
    }

    /** Reads a namespace's version on first use, so that the first calls can already use L2. */
    public void ensureSynced(Namespace ns) {
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
                long version = pending > 0 ? redis.bump(ns.keys, ns.lastRedisVersion())
                        : redis.readVersion(ns.keys, ns.lastRedisVersion());
                if (pending > 0) {
                    ns.pendingBumps.addAndGet(-pending);
                }
                ns.advanceTo(version);
                return true;
            } catch (RuntimeException e) {
                versionFailed(ns, e);
                errors.report(e);
                writes.refused(e);
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
    private int resyncAll(boolean reconnect) {
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
                    ns.localVersion(localVersions.decrementAndGet());
                }
            }
        }
        return failed;
    }

    /** What a resynchronisation did, for the line that says caching resumed. */
    private String resynchronised(int failed) {
        return namespaces.size() - failed + " namespaces resynchronised"
                + (failed == 0 ? "" : ", " + failed + " left local until their next use");
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
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        long silent = now - bus.lastHeardNanos();
        if (!cutOffByBus && silent > maxStalenessNanos) {
            cutOffByBus = true;
            dropEverything();
            LOG.warn("no word from the invalidation bus for {}: L1 entries are dropped and calls run uncached "
                    + "until Redis is reachable again", millis(silent));
        }
        long refusing = writes.refusingNanos(now);
        if (!cutOffByRefusal && refusing > maxStalenessNanos) {
            cutOffByRefusal = true;
            dropEverything();
            LOG.warn("Redis at {} has refused writes for {} ({}): a write it refused reached no other JVM, so L1 "
                    + "entries are dropped and calls run uncached until it takes writes again", redis.endpoint(),
                    millis(refusing), writes.refusal());
        }
    }

    /** Every namespace moves to a local version: no L1 entry is served, L2 is not used. */
    private void dropEverything() {
        for (Namespace ns : namespaces.values()) {
            ns.localVersion(localVersions.decrementAndGet());
        }
    }

    private static String millis(long nanos) {
        return Durations.format(Duration.ofNanos(nanos).truncatedTo(ChronoUnit.MILLIS));
    }

    /**
     * Probes whether Redis takes this JVM's writes, while the bus is up (without it, calls are cut off anyway); once
     * Redis takes them again after a cut-off, caching resumes.
     */
    private void probeWrites() {
        if (closed || !bus.connected() || !writes.probe()) {
            return;
        }
        if (cutOffByRefusal) {
            int failed = resyncAll(true); // writes refused meanwhile were told to nobody: nothing cached is trusted
            cutOffByRefusal = false;
            LOG.info("Redis at {} takes writes again: caching resumed ({})", redis.endpoint(), resynchronised(failed));
        } else {
            LOG.info("Redis at {} takes writes again, within {} of refusing them: caching goes on", redis.endpoint(),
                    Durations.format(config.l1MaxStaleness()));
        }
    }

    /** Counts a failed version read or bump of a namespace, unless the breaker was open. */
    private static void versionFailed(Namespace ns, RuntimeException e) {
        if (!L2Errors.skipped(e)) {
            ns.versionErrors.increment();
            if (L2Errors.timedOut(e)) {
                ns.versionTimeouts.increment();
            }
        }
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
            maintenance.execute(() -> {
                int failed = resyncAll(reconnect);
                if (cutOffByBus) {
                    cutOffByBus = false;
                    LOG.info("invalidation bus is back: caching resumed ({})", resynchronised(failed));
                }
            });
        }

        @Override
        public void rejected(String message, String why) {
            rejectedMessages.increment();
            String shown = message.length() > 120 ? message.substring(0, 120) + "…" : message;
            faults.warn("bus-message", "a message on " + redis.channel() + " was ignored: " + why + " (\""
                    + shown.replaceAll("\\p{Cntrl}", "?") + "\"); only tiered JVMs should publish there");
        }

        @Override
        public void message(String namespace, long version, boolean bump, String from, long sentAtMicros) {
            Namespace ns = namespaces.get(namespace);
            if (ns == null) {
                return;
            }
            ns.advanceTo(version);
            // counted once applied: whoever sees the count sees the invalidation in effect
            if (bump && !redis.origin().equals(from)) {
                ns.propagationLag.record(Clocks.epochMicros() - sentAtMicros);
                ns.invalidationsReceived.increment();
            }
        }

        @Override
        public void entity(String namespace, String entity, String from, long sentAtMicros) {
            Namespace ns = namespaces.get(namespace);
            if (ns == null || redis.origin().equals(from)) {
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

    /**
     * Sends the bumps still waiting for Redis: for a JVM about to exit, whose writes would otherwise never reach the
     * others. Tries again until {@code deadlineNanos} ({@link System#nanoTime()}) while Redis answers but refuses
     * them (a refusal may end: a replica back, memory freed), once only when it does not answer at all, so that a JVM
     * never waits long to exit for a Redis that is down. Returns how many namespaces are still waiting.
     */
    public int flushPending(long deadlineNanos) {
        if (redis == null) {
            return 0;
        }
        while (true) {
            int waiting = 0;
            for (Namespace ns : namespaces.values()) {
                if (ns.pendingBumps.get() > 0 && !syncNow(ns)) {
                    waiting++;
                }
            }
            if (waiting == 0 || System.nanoTime() - deadlineNanos >= 0 || writes.refusal() == null) {
                return waiting;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** Namespaces whose bumps are waiting for Redis. */
    public int pendingNamespaces() {
        int n = 0;
        for (Namespace ns : namespaces.values()) {
            if (ns.pendingBumps.get() > 0) {
                n++;
            }
        }
        return n;
    }

    /** Stops the bus; calls run uncached from now on. */
    @Override
    public void close() {
        closed = true;
        cutOffByBus = true;
        if (bus != null) {
            bus.close();
        }
    }
}
