package dev.tiered.runtime.l2;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import javax.net.ssl.SSLSocketFactory;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisSentinelPool;
import redis.clients.jedis.exceptions.JedisDataException;
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
    /** The attempt to ask the sentinels for the master, under way or done; guarded by {@code this}. */
    private CompletableFuture<Pool<Jedis>> connecting;
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
        this.replicaWaitMillis = endpoint.masterName() == null ? 0 : Math.max(1, config.redisTimeout().toMillis() / 2);
        this.poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(config.redisPoolSize());
        poolConfig.setMaxIdle(config.redisPoolSize());
        poolConfig.setMinIdle(0);
        poolConfig.setMaxWait(config.redisTimeout());
        poolConfig.setBlockWhenExhausted(true);
        poolConfig.setJmxEnabled(false); // never register MBeans in the application's name
        poolConfig.setTestOnBorrow(false);
        poolConfig.setTestWhileIdle(false);
        this.pool = endpoint.masterName() != null ? null
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

    /** The pool, waiting for the sentinels if need be: for tiered's own threads only. */
    private Pool<Jedis> awaitPool() {
        Pool<Jedis> p = pool;
        if (p != null) {
            return p;
        }
        try {
            return connect().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * The attempt under way to ask the sentinels for the master, started if there is none; after a failed one, a
     * new one starts a second later at the soonest (the one returned until then has failed).
     */
    private synchronized CompletableFuture<Pool<Jedis>> connect() {
        CompletableFuture<Pool<Jedis>> attempt = connecting;
        if (attempt != null && (!attempt.isCompletedExceptionally()
                || System.nanoTime() - failedAt < TimeUnit.SECONDS.toNanos(1))) {
            return attempt;
        }
        CompletableFuture<Pool<Jedis>> next = new CompletableFuture<>();
        connecting = next;
        Thread thread = new Thread(() -> {
            try {
                JedisSentinelPool made = new JedisSentinelPool(endpoint.masterName(), sentinels(), poolConfig,
                        clientConfig, sentinelConfig());
                synchronized (this) {
                    if (closed) {
                        made.close();
                        throw new IllegalStateException("closed");
                    }
                    pool = made;
                }
                next.complete(made);
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

    /** An operation that did not reach Redis because the sentinels have not named the master yet. */
    static final class NoMasterYet extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final NoMasterYet INSTANCE = new NoMasterYet();

        private NoMasterYet() {
            super("the sentinels have not named the master yet", null, false, false);
        }
    }

    private Set<HostAndPort> sentinels() {
        Set<HostAndPort> all = new LinkedHashSet<>();
        for (String node : endpoint.sentinels()) {
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
        for (HostAndPort sentinel : sentinels()) {
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
        return call(jedis -> {
            List<?> parts = (List<?>) Scripts.GET.run(jedis, List.of(bytes(key), bytes(stampKey), bytes(leaseKey)),
                    List.of(bytes(Long.toString(leaseMillis)), bytes(token), bytes(Long.toString(refreshBelowMillis)),
                            bytes(Long.toString(keepMillis))));
            return new Fetched((byte[]) parts.get(0), (Long) parts.get(1), parse(parts.get(2)),
                    (Long) parts.get(3) == 1 ? token : null);
        });
    }

    /** Stores an entry, and releases its lease if the store's token holds it. */
    public void set(Store store) {
        call(jedis -> Scripts.SET.run(jedis, setKeys(store), setArgs(store)));
    }

    /**
     * Stores entries in one pipelined round trip (two if Redis has to learn the script first), releasing their
     * leases, and releases the leases of {@link Store#release releases} in another. Throws if any of them failed.
     */
    void setAll(List<Store> stores) {
        List<Store> entries = new ArrayList<>(stores.size());
        List<Store> releases = new ArrayList<>();
        for (Store s : stores) {
            (s.releaseOnly() ? releases : entries).add(s);
        }
        call(jedis -> {
            runAll(jedis, Scripts.SET, entries, Redis::setKeys, Redis::setArgs);
            runAll(jedis, Scripts.RELEASE, releases, s -> List.of(bytes(s.leaseKey())), s -> List.of(bytes(s.token())));
            return null;
        });
    }

    private static void runAll(Jedis jedis, Scripts.Script script, List<Store> stores, Function<Store, List<byte[]>> keys,
                               Function<Store, List<byte[]>> args) {
        if (stores.isEmpty()) {
            return;
        }
        List<Store> failed = script.runPipelined(jedis, stores, keys, args);
        if (!failed.isEmpty()) {
            script.load(jedis);
            List<Store> again = script.runPipelined(jedis, failed, keys, args);
            if (!again.isEmpty()) {
                throw new IllegalStateException(again.size() + " writes failed after loading the script");
            }
        }
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
        call(jedis -> Scripts.RELEASE.run(jedis, List.of(bytes(leaseKey)), List.of(bytes(token))));
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
        return call(jedis -> replicated(jedis,
                parse(Scripts.BUMP.run(jedis, List.of(bytes(ns.version())), versionArgs(ns, floor)))));
    }

    /**
     * Bumps entities of a namespace and publishes each, in one round trip.
     *
     * @param keepMillis how long the entities' versions must outlive this bump: at least the longest TTL of an entry
     *                   that may be stamped with them
     */
    public void bumpEntities(NamespaceKeys ns, Collection<String> entities, long keepMillis) {
        List<byte[]> keys = new ArrayList<>(entities.size() + 1);
        keys.add(bytes(ns.anyEntity()));
        List<byte[]> args = new ArrayList<>(entities.size() + 4);
        args.addAll(List.of(bytes(Long.toString(keepMillis)), channel, bytes(ns.name()),
                bytes(origin + " " + Clocks.epochMicros())));
        for (String entity : entities) {
            keys.add(bytes(ns.entity(entity)));
            args.add(bytes(entity));
        }
        call(jedis -> replicated(jedis, Scripts.BUMP_ENTITIES.run(jedis, keys, args)));
    }

    /**
     * Behind sentinels, waits until a replica has the bump just made on {@code jedis}: a failover to a replica that
     * lacks it would bring the old version back, and with it entries computed before the write. Throws
     * {@link UnreplicatedException} if none confirms it within half {@code tiered.redis.timeout}; the caller keeps
     * the bump to send again. A master is waited on even when it has no replica connected, unless the sentinels
     * know none that is up: during a failover the old master still takes writes, without a replica, until the
     * sentinels demote it, and what it took then is lost.
     */
    private <T> T replicated(Jedis jedis, T result) {
        if (replicaWaitMillis > 0 && replicaUp && jedis.waitReplicas(1, replicaWaitMillis) < 1) {
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
        return call(jedis -> parse(Scripts.READ_VERSION.run(jedis, List.of(bytes(ns.version())),
                versionArgs(ns, floor))));
    }

    /**
     * Proves that Redis takes this JVM's writes, with the commands a bump needs ({@link Scripts#PROBE}); the proof
     * is kept {@code keepMillis}. Throws as every operation does: a refusal is an error reply
     * ({@link L2Errors#refusal}).
     */
    public void probeWrites(long keepMillis, String message) {
        if (endpoint.masterName() != null) {
            askSentinels(); // first: a probe on a former master, now a replica, fails
        }
        call(jedis -> Scripts.PROBE.run(jedis, List.of(bytes(keys.probe(origin))),
                List.of(bytes(Long.toString(keepMillis)), channel, bytes(message))));
    }

    /**
     * Runs one operation on a pooled connection, through the circuit breaker: at once {@link
     * CircuitBreaker.OpenException} while the breaker is open, else the operation, whose failure counts towards
     * opening it.
     */
    private <T> T call(Function<Jedis, T> operation) {
        if (!breaker.allows()) {
            throw CircuitBreaker.OpenException.INSTANCE;
        }
        try (Jedis jedis = pool().getResource()) {
            T result;
            try {
                result = operation.apply(jedis);
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
            throw e; // not a failure of Redis: the bus, which waits for the sentinels, reports theirs
        } catch (UnreplicatedException e) {
            breaker.succeeded(); // Redis did what it was asked; its replica has not confirmed it yet
            throw e;
        } catch (RuntimeException e) {
            breaker.failed(e);
            throw e;
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
        try (Jedis jedis = pool().getResource()) {
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

    /** A new connection outside the pool for the invalidation bus, with its own read timeout. */
    public Jedis dedicatedConnection(Duration readTimeout) {
        JedisClientConfig config = DefaultJedisClientConfig.builder()
                .from(clientConfig)
                .socketTimeoutMillis((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()))
                .clientName("tiered-bus")
                .build();
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
        }
    }
}
