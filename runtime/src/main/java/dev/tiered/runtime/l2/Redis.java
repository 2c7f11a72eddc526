package dev.tiered.runtime.l2;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.net.ssl.SSLSocketFactory;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisSentinelPool;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisMovedDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
import redis.clients.jedis.util.JedisClusterCRC16;
import redis.clients.jedis.util.Pool;

import dev.tiered.runtime.config.RedisEndpoint;
import dev.tiered.runtime.config.RedisTls;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.stats.Clocks;
import dev.tiered.runtime.stats.FaultReporter;

/**
 * The Redis commands tiered uses, over a bounded pool of connections with connect and read timeouts, through the
 * {@link CircuitBreaker}. Keys are laid out by {@link RedisKeys}; messages on its channel are
 * {@code "<namespace> <version> <origin> <sentAtMicros> <kind>"}, the kind {@code bump} for an invalidation,
 * {@code reset} when a version was started or raised, and {@code key <entity>} for a keyed invalidation (the version
 * is then the entity's).
 *
 * <p>Versions follow the rule {@link Scripts} states; a JVM that has seen a higher namespace version than Redis
 * holds raises it (and tells the others) before using it.
 *
 * <p>Every method throws a {@link RuntimeException} when Redis fails or times out; callers count and absorb it.
 */
public final class Redis implements AutoCloseable {
    /**
     * An entry read from L2 ({@code value} {@code null} when absent), how long it has left to live, the current
     * version of its entity (or of the namespace's any-entity): the entry is current only if it was stamped with
     * that version, and the token of the lease this JVM now holds to compute it ({@code null}: none).
     */
    public record Fetched(byte[] value, long ttlMillis, long stamp, String token) {
        public boolean leased() {
            return token != null;
        }
    }

    /**
     * An entry to store if the version at {@code stampKey} is still {@code stamp} (which is then kept at least
     * {@code keepMillis}), and the lease at {@code leaseKey} to release if {@code token} holds it; or, made by
     * {@link #release}, only the lease to release.
     */
    public record Store(String key, byte[] value, long ttlMillis, String leaseKey, String token, String stampKey,
                        long stamp, long keepMillis) {
        private static final byte[] NOTHING = new byte[0];

        /** Gives back the lease at {@code leaseKey} if {@code token} holds it, storing nothing. */
        public static Store release(String leaseKey, String token) {
            return new Store(null, NOTHING, 0, leaseKey, token, null, 0, 0);
        }

        boolean releaseOnly() {
            return key == null;
        }
    }

    private final RedisEndpoint endpoint;
    private final GenericObjectPoolConfig<Jedis> poolConfig;
    /** Connections to the server, or to the master the sentinels name: made by {@link #connect()} there. */
    private volatile Pool<Jedis> pool;
    /** For a Redis Cluster, its nodes and slots, made by {@link #connect()}; {@code null} else. */
    private volatile ClusterNodes cluster;
    private final JedisClientConfig clientConfig;
    /** How long a bump waits for a replica to confirm it, behind sentinels; 0: no replica is waited for. */
    private final long replicaWaitMillis;
    /**
     * Whether, at the last probe, the sentinels knew a replica of the master that they did not consider down: a bump
     * waits for a replica only then. With every replica down, no failover can lose a bump (there is no one to
     * promote), and waiting would only slow every write until one is back.
     */
    private volatile boolean replicaUp = true;
    private volatile boolean closed;
    /** The attempt to ask the sentinels for the master or the seeds for the cluster; guarded by {@code this}. */
    private CompletableFuture<Void> connecting;
    private long failedAt;
    private final byte[] channel;
    private final String channelName;
    private final String origin;
    private final CircuitBreaker breaker;
    private final RedisKeys keys;
    private final AtomicLong leases = new AtomicLong();

    public Redis(TieredConfig config, String origin) {
        this.origin = origin;
        this.endpoint = config.redis();
        this.breaker = new CircuitBreaker(config.breakerFailures(), endpoint.toString());
        this.keys = new RedisKeys(config.keyPrefix());
        this.channelName = keys.channel();
        this.channel = channelName.getBytes(StandardCharsets.UTF_8);
        this.clientConfig = clientConfig(endpoint, config.redisTls(), config.redisConnectTimeout(),
                config.redisTimeout());
        // within the read timeout, so that a replica slow to confirm is told apart from a master slow to answer
        this.replicaWaitMillis = endpoint.masterName() == null && !endpoint.cluster() ? 0
                : Math.max(1, config.redisTimeout().toMillis() / 2);
        this.poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(config.redisPoolSize());
        poolConfig.setMaxIdle(config.redisPoolSize());
        poolConfig.setMinIdle(0);
        poolConfig.setMaxWait(config.redisTimeout());
        poolConfig.setBlockWhenExhausted(true);
        poolConfig.setJmxEnabled(false); // never register MBeans in the application's name
        poolConfig.setTestOnBorrow(false);
        poolConfig.setTestWhileIdle(false);
        this.pool = endpoint.masterName() != null || endpoint.cluster() ? null
                : new JedisPool(poolConfig, new HostAndPort(endpoint.host(), endpoint.port()), clientConfig);
    }

    /**
     * The pool. Behind sentinels it is made once the sentinels have named the master, on a daemon thread of its own
     * (whose daemon status the pool's listener threads inherit, so that they never keep the application's JVM alive),
     * and until then an operation fails at once with {@link NoMasterYet}: asking the sentinels is I/O, which no
     * caller of the application waits for.
     */
    private Pool<Jedis> pool() {
        Pool<Jedis> p = pool;
        if (p != null) {
            return p;
        }
        connect();
        throw NoMasterYet.INSTANCE;
    }

    /** A connection to the server that holds {@code key}; fails at once with {@link NoMasterYet} as {@link #pool()}. */
    private Jedis borrow(String key) {
        if (!endpoint.cluster()) {
            return pool().getResource();
        }
        ClusterNodes c = cluster;
        if (c == null) {
            connect();
            throw NoMasterYet.INSTANCE;
        }
        return c.forKey(key);
    }

    /** The pool, waiting for the sentinels if need be: for tiered's own threads only. */
    private Pool<Jedis> awaitPool() {
        Pool<Jedis> p = pool;
        if (p != null) {
            return p;
        }
        awaitConnected();
        return pool;
    }

    /** The cluster's nodes, waiting for the seeds if need be: for tiered's own threads only. */
    private ClusterNodes awaitCluster() {
        ClusterNodes c = cluster;
        if (c != null) {
            return c;
        }
        awaitConnected();
        return cluster;
    }

    private void awaitConnected() {
        try {
            connect().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * The attempt under way to ask the sentinels for the master (or the seeds for the cluster's nodes), started if
     * there is none; after a failed one, a new one starts a second later at the soonest (the one returned until then
     * has failed).
     */
    private synchronized CompletableFuture<Void> connect() {
        CompletableFuture<Void> attempt = connecting;
        if (attempt != null && (!attempt.isCompletedExceptionally()
                || System.nanoTime() - failedAt < TimeUnit.SECONDS.toNanos(1))) {
            return attempt;
        }
        CompletableFuture<Void> next = new CompletableFuture<>();
        connecting = next;
        Thread thread = new Thread(() -> {
            try {
                AutoCloseable made = endpoint.cluster()
                        ? new ClusterNodes(nodes(endpoint.clusterNodes()), clientConfig, nodePoolConfig())
                        : new JedisSentinelPool(endpoint.masterName(), nodes(endpoint.sentinels()), poolConfig,
                                clientConfig, sentinelConfig());
                synchronized (this) {
                    if (closed) {
                        closeQuietly(made);
                        throw new IllegalStateException("closed");
                    }
                    if (made instanceof ClusterNodes c) {
                        cluster = c;
                    } else {
                        pool = (JedisSentinelPool) made;
                    }
                }
                next.complete(null);
            } catch (RuntimeException e) {
                synchronized (this) {
                    failedAt = System.nanoTime();
                }
                next.completeExceptionally(e);
            }
        }, "tiered-connect");
        thread.setDaemon(true);
        thread.start();
        return next;
    }

    private static void closeQuietly(AutoCloseable made) {
        try {
            made.close();
        } catch (Exception ignored) {
            // nothing was borrowed from it yet
        }
    }

    /** The pool of each cluster node: as the one pool of a single server. */
    private GenericObjectPoolConfig<Connection> nodePoolConfig() {
        GenericObjectPoolConfig<Connection> c = new GenericObjectPoolConfig<>();
        c.setMaxTotal(poolConfig.getMaxTotal());
        c.setMaxIdle(poolConfig.getMaxIdle());
        c.setMinIdle(0);
        c.setMaxWait(poolConfig.getMaxWaitDuration());
        c.setBlockWhenExhausted(true);
        c.setJmxEnabled(false);
        c.setTestOnBorrow(false);
        c.setTestWhileIdle(false);
        return c;
    }

    /**
     * An operation that did not reach Redis because no server is known for it yet: the sentinels have not named the
     * master, or no node of the cluster has answered (or named a master for the key's slot) yet.
     */
    static final class NoMasterYet extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final NoMasterYet INSTANCE = new NoMasterYet();

        private NoMasterYet() {
            super("no master is known yet: the sentinels or the cluster's nodes have not answered", null, false,
                    false);
        }
    }

    private static Set<HostAndPort> nodes(List<String> addresses) {
        Set<HostAndPort> all = new LinkedHashSet<>();
        for (String node : addresses) {
            all.add(HostAndPort.from(node));
        }
        return all;
    }

    /** Sentinels are asked without credentials: those of the URI are the master's. */
    private JedisClientConfig sentinelConfig() {
        return DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(clientConfig.getConnectionTimeoutMillis())
                .socketTimeoutMillis(clientConfig.getSocketTimeoutMillis())
                .clientName("tiered-sentinel")
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .autoNegotiateProtocol(false)
                .build();
    }

    /**
     * Asks the first sentinel that answers which server is master and whether it knows a replica of it that is up
     * (if none answers, a replica is assumed up: bumps keep waiting). A pool still on another master (one that missed
     * the sentinels' announcement, say while its listener was reconnecting) is replaced.
     */
    private void askSentinels() {
        for (HostAndPort sentinel : nodes(endpoint.sentinels())) {
            HostAndPort master;
            boolean up = false;
            try (Jedis jedis = new Jedis(sentinel, sentinelConfig())) {
                List<String> address = jedis.sentinelGetMasterAddrByName(endpoint.masterName());
                master = address == null || address.size() != 2 ? null
                        : new HostAndPort(address.get(0), Integer.parseInt(address.get(1)));
                for (Map<String, String> replica : jedis.sentinelReplicas(endpoint.masterName())) {
                    String flags = replica.getOrDefault("flags", "");
                    up |= !flags.contains("s_down") && !flags.contains("o_down") && !flags.contains("disconnected");
                }
            } catch (RuntimeException unreachable) {
                continue;
            }
            replicaUp = up;
            if (master != null) {
                replaceIfNotOn(master);
            }
            return;
        }
        replicaUp = true;
    }

    private synchronized void replaceIfNotOn(HostAndPort master) {
        if (pool instanceof JedisSentinelPool current && !current.getCurrentHostMaster().equals(master)) {
            FaultReporter.LOG.info("the sentinels name {} master of {}, not {}: tiered's connections follow", master,
                    endpoint.masterName(), current.getCurrentHostMaster());
            pool = null;
            connecting = null;
            current.close(); // connections borrowed now are closed as they come back
            connect();
        }
    }

    private static JedisClientConfig clientConfig(RedisEndpoint endpoint, RedisTls tls, Duration connect,
                                                  Duration read) {
        SSLSocketFactory sockets = null;
        if (endpoint.tls() && tls.configured()) {
            try {
                sockets = tls.socketFactory(); // Jedis still checks the host name, as with the default factory
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot make a TLS context from " + tls + ": " + e.getMessage(), e);
            }
        }
        return DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) Math.min(Integer.MAX_VALUE, connect.toMillis()))
                .socketTimeoutMillis((int) Math.min(Integer.MAX_VALUE, read.toMillis()))
                .user(endpoint.user())
                .password(endpoint.password())
                .database(endpoint.database())
                .ssl(endpoint.tls())
                .sslSocketFactory(sockets)
                .clientName("tiered")
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .autoNegotiateProtocol(false) // RESP2, which every Redis since 2.6 speaks and pub/sub here relies on
                .build();
    }

    public RedisEndpoint endpoint() {
        return endpoint;
    }

    public String channel() {
        return channelName;
    }

    /** The key layout. */
    public RedisKeys keys() {
        return keys;
    }

    /** A token unique to one attempt to take a lease, across JVMs. */
    public String leaseToken() {
        return origin + "-" + leases.incrementAndGet();
    }

    /**
     * The entry at {@code key} (its value {@code null} if absent) and the current version at {@code stampKey}, made
     * fresh and kept {@code keepMillis} if it holds none; with a positive {@code leaseMillis}, also tries to take the
     * lease at {@code leaseKey} for {@code token} if the entry is absent or has less than {@code refreshBelowMillis}
     * left.
     */
    public Fetched get(String key, String stampKey, String leaseKey, long leaseMillis, String token,
                       long refreshBelowMillis, long keepMillis) {
        return call(key, jedis -> {
            List<?> parts = (List<?>) Scripts.GET.run(jedis, List.of(bytes(key), bytes(stampKey), bytes(leaseKey)),
                    List.of(bytes(Long.toString(leaseMillis)), bytes(token), bytes(Long.toString(refreshBelowMillis)),
                            bytes(Long.toString(keepMillis))));
            return new Fetched((byte[]) parts.get(0), (Long) parts.get(1), parse(parts.get(2)),
                    (Long) parts.get(3) == 1 ? token : null);
        });
    }

    /** Stores an entry, and releases its lease if the store's token holds it. */
    public void set(Store store) {
        call(store.key(), jedis -> Scripts.SET.run(jedis, setKeys(store), setArgs(store)));
    }

    /** Learns of a write of {@link #setAll} that failed: its index in the list, and why. */
    interface Failures {
        void failed(int index, RuntimeException cause);
    }

    /**
     * Stores entries in pipelined round trips, one per server (two if Redis has to learn the script first),
     * releasing their leases, and releases the leases of {@link Store#release releases} the same way. Tells
     * {@code failures} of each one that failed.
     */
    void setAll(List<Store> stores, Failures failures) {
        List<Integer> all = new ArrayList<>(stores.size());
        for (int i = 0; i < stores.size(); i++) {
            all.add(i);
        }
        perServer(all, i -> stores.get(i).releaseOnly() ? stores.get(i).leaseKey() : stores.get(i).key(),
                (jedis, indexes) -> {
                    List<Integer> entries = new ArrayList<>(indexes.size());
                    List<Integer> releases = new ArrayList<>();
                    for (Integer i : indexes) {
                        (stores.get(i).releaseOnly() ? releases : entries).add(i);
                    }
                    Map<Integer, RuntimeException> failed = runAll(jedis, Scripts.SET, entries,
                            i -> setKeys(stores.get(i)), i -> setArgs(stores.get(i)));
                    failed.putAll(runAll(jedis, Scripts.RELEASE, releases,
                            i -> List.of(bytes(stores.get(i).leaseKey())), i -> List.of(bytes(stores.get(i).token()))));
                    return failed;
                }, failures::failed);
    }

    /**
     * Runs {@code operation} on the items each server holds, as {@code key} tells, and hands each item that failed to
     * {@code failed}, with why. On one server, all on one connection, through the breaker as {@link #call}; on a
     * Redis Cluster, one connection per master that serves any of them, and the items a master redirected
     * ({@code MOVED}: after a failover or a resharding) once more on the master it named.
     *
     * @param operation runs on one connection, and returns the items that got an error reply (by identity)
     */
    private <T> void perServer(List<T> items, Function<T, String> key,
                               BiFunction<Jedis, List<T>, Map<T, RuntimeException>> operation,
                               BiConsumer<T, RuntimeException> failed) {
        if (items.isEmpty()) {
            return;
        }
        if (!endpoint.cluster()) {
            Map<T, RuntimeException> replies;
            try {
                replies = call(key.apply(items.get(0)), jedis -> operation.apply(jedis, items));
            } catch (RuntimeException e) {
                items.forEach(item -> failed.accept(item, e));
                return;
            }
            replies.forEach(failed);
            return;
        }
        ClusterNodes c = cluster;
        if (c == null) {
            connect();
            items.forEach(item -> failed.accept(item, NoMasterYet.INSTANCE));
            return;
        }
        Map<HostAndPort, List<T>> byNode = new LinkedHashMap<>();
        for (T item : items) {
            HostAndPort node = c.nodeOf(key.apply(item));
            if (node == null) {
                c.refreshSoon();
                failed.accept(item, NoMasterYet.INSTANCE);
            } else {
                byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(item);
            }
        }
        Map<HostAndPort, List<T>> moved = new LinkedHashMap<>();
        onEach(c, byNode, operation, (item, e) -> {
            if (e instanceof JedisMovedDataException m) {
                moved.computeIfAbsent(m.getTargetNode(), n -> new ArrayList<>()).add(item);
            } else {
                failed.accept(item, e);
            }
        });
        if (!moved.isEmpty()) {
            c.refreshSoon();
            onEach(c, moved, operation, failed);
        }
    }

    private <T> void onEach(ClusterNodes c, Map<HostAndPort, List<T>> byNode,
                            BiFunction<Jedis, List<T>, Map<T, RuntimeException>> operation,
                            BiConsumer<T, RuntimeException> failed) {
        for (Map.Entry<HostAndPort, List<T>> e : byNode.entrySet()) {
            Map<T, RuntimeException> replies;
            try {
                replies = run(() -> c.at(e.getKey()), false, jedis -> operation.apply(jedis, e.getValue()));
            } catch (RuntimeException failure) {
                e.getValue().forEach(item -> failed.accept(item, failure));
                continue;
            }
            replies.forEach(failed);
        }
    }

    /**
     * Runs {@code script} once per item in one pipeline, and once more for those whose server had to learn it
     * first; returns the error reply of each item that got one, by identity.
     */
    private static <T> Map<T, RuntimeException> runAll(Jedis jedis, Scripts.Script script, List<T> items,
                                                       Function<T, List<byte[]>> keys,
                                                       Function<T, List<byte[]>> args) {
        if (items.isEmpty()) {
            return new IdentityHashMap<>();
        }
        Map<T, RuntimeException> failed = script.runPipelined(jedis, items, keys, args);
        List<T> unknown = new ArrayList<>();
        failed.forEach((item, e) -> {
            if (e instanceof JedisNoScriptException) {
                unknown.add(item);
            }
        });
        if (!unknown.isEmpty()) {
            script.load(jedis);
            unknown.forEach(failed::remove);
            failed.putAll(script.runPipelined(jedis, unknown, keys, args));
        }
        return failed;
    }

    private static List<byte[]> setKeys(Store s) {
        return List.of(bytes(s.key()), bytes(s.leaseKey()), bytes(s.stampKey()));
    }

    private static List<byte[]> setArgs(Store s) {
        return List.of(s.value(), bytes(Long.toString(s.ttlMillis())), bytes(s.token()),
                bytes(Long.toString(s.stamp())), bytes(Long.toString(s.keepMillis())));
    }

    /** Releases the lease at {@code leaseKey} if {@code token} holds it. */
    public void release(String leaseKey, String token) {
        call(leaseKey, jedis -> Scripts.RELEASE.run(jedis, List.of(bytes(leaseKey)), List.of(bytes(token))));
    }

    /** What identifies this JVM in messages and lease tokens. */
    public String origin() {
        return origin;
    }

    /**
     * Bumps a namespace's version and publishes the new one; returns it. {@code floor}: the highest version this
     * JVM has seen, which the new one must exceed.
     */
    public long bump(NamespaceKeys ns, long floor) {
        return call(ns.version(), jedis -> replicated(jedis,
                parse(Scripts.BUMP.run(jedis, List.of(bytes(ns.version())), versionArgs(ns, floor)))));
    }

    /** The version keys one {@link Scripts#BUMP_ENTITIES} call bumps: shards first, then entities. */
    private record EntityBump(List<String> keys, int shards, List<String> entities) {}

    /**
     * Bumps entities of a namespace and its shards ({@link NamespaceKeys#shards}), and publishes each entity: in one
     * atomic step and round trip on one server; on a Redis Cluster, in one step per slot they fall in and one round
     * trip per master, which is as safe, since every version is bumped on its own. Throws if any failed.
     *
     * @param keepMillis how long the entities' versions must outlive this bump: at least the longest TTL of an entry
     *                   that may be stamped with them
     */
    public void bumpEntities(NamespaceKeys ns, Collection<String> entities, long keepMillis) {
        List<EntityBump> bumps = new ArrayList<>();
        if (!endpoint.cluster()) {
            List<String> all = new ArrayList<>(ns.shards());
            entities.forEach(e -> all.add(ns.entity(e)));
            bumps.add(new EntityBump(all, ns.shards().size(), List.copyOf(entities)));
        } else {
            Map<Integer, List<String>> shardsBySlot = new LinkedHashMap<>();
            Map<Integer, List<String>> entitiesBySlot = new LinkedHashMap<>();
            for (String shard : ns.shards()) {
                shardsBySlot.computeIfAbsent(JedisClusterCRC16.getSlot(shard), k -> new ArrayList<>()).add(shard);
            }
            for (String entity : entities) {
                entitiesBySlot.computeIfAbsent(JedisClusterCRC16.getSlot(ns.entity(entity)), k -> new ArrayList<>())
                        .add(entity);
            }
            Set<Integer> slots = new LinkedHashSet<>(shardsBySlot.keySet());
            slots.addAll(entitiesBySlot.keySet());
            for (int slot : slots) {
                List<String> keysOfSlot = new ArrayList<>(shardsBySlot.getOrDefault(slot, List.of()));
                List<String> entitiesOfSlot = entitiesBySlot.getOrDefault(slot, List.of());
                entitiesOfSlot.forEach(e -> keysOfSlot.add(ns.entity(e)));
                bumps.add(new EntityBump(keysOfSlot, keysOfSlot.size() - entitiesOfSlot.size(), entitiesOfSlot));
            }
        }
        byte[] head = bytes(origin + " " + Clocks.epochMicros());
        RuntimeException[] first = new RuntimeException[1];
        perServer(bumps, b -> b.keys().get(0), (jedis, group) -> {
            Map<EntityBump, RuntimeException> failed = runAll(jedis, Scripts.BUMP_ENTITIES, group,
                    b -> b.keys().stream().map(Redis::bytes).toList(), b -> {
                        List<byte[]> args = new ArrayList<>(b.entities().size() + 5);
                        args.addAll(List.of(bytes(Long.toString(keepMillis)), channel, bytes(ns.name()), head,
                                bytes(Integer.toString(b.shards()))));
                        b.entities().forEach(e -> args.add(bytes(e)));
                        return args;
                    });
            return failed.size() == group.size() ? failed : replicated(jedis, failed); // nothing to wait for
        }, (bump, e) -> first[0] = first[0] == null ? e : first[0]);
        if (first[0] != null) {
            throw first[0];
        }
    }

    /**
     * Behind sentinels or on a cluster, waits until a replica has the bump just made on {@code jedis}: a failover to
     * a replica that lacks it would bring the old version back, and with it entries computed before the write.
     * Throws {@link UnreplicatedException} if none confirms it within half {@code tiered.redis.timeout}; the caller
     * keeps the bump to send again. A master is waited on even when it has no replica connected, unless the
     * sentinels (or the cluster) know none that is up: during a failover the old master still takes writes, without
     * a replica, until it is demoted, and what it took then is lost.
     */
    private <T> T replicated(Jedis jedis, T result) {
        ClusterNodes c = cluster;
        boolean up = c != null ? c.replicaUp(jedis.getConnection().getHostAndPort()) : replicaUp;
        if (replicaWaitMillis > 0 && up && jedis.waitReplicas(1, replicaWaitMillis) < 1) {
            throw new UnreplicatedException("no replica confirmed the bump within " + replicaWaitMillis + " ms");
        }
        return result;
    }

    /** A bump that the master made but no replica confirmed: it could be lost at a failover, so it is sent again. */
    static final class UnreplicatedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnreplicatedException(String message) {
            super(message, null, false, false);
        }
    }

    /** The current version of a namespace, started or raised above {@code floor} first if needed. */
    public long readVersion(NamespaceKeys ns, long floor) {
        return call(ns.version(), jedis -> parse(Scripts.READ_VERSION.run(jedis, List.of(bytes(ns.version())),
                versionArgs(ns, floor))));
    }

    /**
     * Proves that Redis takes this JVM's writes, with the commands a bump needs ({@link Scripts#PROBE}); the proof
     * is kept {@code keepMillis}. Behind sentinels, first asks them for the master; on a cluster, first refreshes
     * the slot table, then proves it on every master. Throws as every operation does: a refusal is an error reply
     * ({@link L2Errors#refusal}), which comes first if several masters failed.
     */
    public void probeWrites(long keepMillis, String message) {
        if (endpoint.masterName() != null) {
            askSentinels(); // first: a probe on a former master, now a replica, fails
        }
        List<String> probeKeys = new ArrayList<>();
        if (endpoint.cluster()) {
            ClusterNodes c = awaitCluster();
            c.refresh();
            c.masters().forEach(m -> probeKeys.add(keys.probe(origin, m.tag())));
        } else {
            probeKeys.add(keys.probe(origin));
        }
        RuntimeException worst = null;
        for (String key : probeKeys) {
            try {
                call(key, jedis -> Scripts.PROBE.run(jedis, List.of(bytes(key)),
                        List.of(bytes(Long.toString(keepMillis)), channel, bytes(message))));
            } catch (RuntimeException e) {
                worst = worst == null || (L2Errors.refusal(worst) == null && L2Errors.refusal(e) != null) ? e : worst;
            }
        }
        if (worst != null) {
            throw worst;
        }
    }

    /**
     * Runs one operation on a pooled connection to the server that holds {@code key}, through the circuit breaker:
     * at once {@link CircuitBreaker.OpenException} while the breaker is open, else the operation, whose failure
     * counts towards opening it. On a cluster, a redirection ({@code MOVED}, {@code ASK}) is followed once, and
     * a {@code MOVED} or a failed connection asks for a refresh of the slot table.
     */
    private <T> T call(String key, Function<Jedis, T> operation) {
        return run(() -> borrow(key), true, operation);
    }

    private <T> T run(Supplier<Jedis> connection, boolean followRedirections, Function<Jedis, T> operation) {
        if (!breaker.allows()) {
            throw CircuitBreaker.OpenException.INSTANCE;
        }
        try (Jedis jedis = connection.get()) {
            T result;
            try {
                result = operation.apply(jedis);
            } catch (JedisRedirectionException e) {
                result = redirected(e, followRedirections, operation);
            } catch (JedisDataException e) {
                if (endpoint.masterName() != null && e.getMessage() != null && e.getMessage().startsWith("READONLY")) {
                    // a server demoted by a failover: this connection was borrowed when the pool switched to the
                    // new master, which clears idle connections only; dropped as it goes back
                    jedis.getConnection().setBroken();
                }
                throw e;
            }
            breaker.succeeded();
            return result;
        } catch (NoMasterYet e) {
            throw e; // not a failure of Redis: the bus, which waits for the sentinels or the seeds, reports theirs
        } catch (UnreplicatedException e) {
            breaker.succeeded(); // Redis did what it was asked; its replica has not confirmed it yet
            throw e;
        } catch (RuntimeException e) {
            ClusterNodes c = cluster;
            if (c != null && (e instanceof JedisConnectionException || e instanceof JedisMovedDataException)) {
                c.refreshSoon(); // a master down, or slots moved (a failover): the table is out of date
            }
            if (L2Errors.writeRefused(e)) {
                breaker.succeeded(); // Redis answered: it refuses writes, which the write watch bounds, and reads on
            } else {
                breaker.failed(e);
            }
            throw e;
        }
    }

    /**
     * Follows a cluster's redirection once: to the master that serves the slot now ({@code MOVED}, after a failover
     * or a resharding: the slot table is refreshed meanwhile) or, during a slot's migration, to the one that has the
     * key ({@code ASK}).
     */
    private <T> T redirected(JedisRedirectionException e, boolean follow, Function<Jedis, T> operation) {
        ClusterNodes c = cluster;
        if (c == null || !follow) {
            throw e;
        }
        if (e instanceof JedisMovedDataException) {
            c.refreshSoon();
        }
        try (Jedis target = c.at(e.getTargetNode())) {
            if (!(e instanceof JedisAskDataException)) {
                return operation.apply(target);
            }
            // ASKING lasts one command: a script sent by SHA-1 must be known there already, or its source would be
            // sent without it, and bounced back
            Scripts.loadAll(target);
            target.asking();
            return operation.apply(target);
        }
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    /** While the breaker is open: one {@code PING} past it, which closes it if Redis answers. */
    public void probe() {
        if (!breaker.isOpen()) {
            return;
        }
        try (Jedis jedis = endpoint.cluster() ? awaitCluster().anyMaster() : pool().getResource()) {
            jedis.ping();
            breaker.probeSucceeded();
        } catch (RuntimeException stillDown) {
            // the next probe tries again
        }
    }

    private List<byte[]> versionArgs(NamespaceKeys ns, long floor) {
        return List.of(bytes(Long.toString(Math.max(0, floor))), channel, bytes(ns.name()),
                bytes(origin + " " + Clocks.epochMicros()));
    }

    private static long parse(Object reply) {
        return Long.parseLong(new String((byte[]) reply, StandardCharsets.US_ASCII));
    }

    /**
     * A new connection outside the pool for the invalidation bus, with its own read timeout: to the server, the
     * master the sentinels name, or any node of a cluster (every node hears every message published on any).
     */
    public Jedis dedicatedConnection(Duration readTimeout) {
        JedisClientConfig config = DefaultJedisClientConfig.builder()
                .from(clientConfig)
                .socketTimeoutMillis((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()))
                .clientName("tiered-bus")
                .build();
        if (endpoint.cluster()) {
            return awaitCluster().dedicated(config);
        }
        HostAndPort server = endpoint.masterName() == null ? new HostAndPort(endpoint.host(), endpoint.port())
                : ((JedisSentinelPool) awaitPool()).getCurrentHostMaster();
        return new Jedis(server, config);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (pool != null) {
                pool.close();
            }
            if (cluster != null) {
                cluster.close();
            }
        }
    }
}
