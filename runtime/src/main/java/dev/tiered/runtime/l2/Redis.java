package dev.tiered.runtime.l2;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
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
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import dev.tiered.runtime.config.RedisEndpoint;
import dev.tiered.runtime.config.RedisTls;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.stats.Clocks;

/**
 * The Redis commands tiered uses, over a bounded pool of connections with connect and read timeouts, through the
 * {@link CircuitBreaker}. Keys are laid out by {@link RedisKeys}; messages on its channel are
 * {@code "<namespace> <version> <origin> <sentAtMicros> <kind>"}, the kind {@code bump} for an invalidation,
 * {@code reset} when a version was started or raised, and {@code key <entity>} for a keyed invalidation (the version
 * is then the entity's).
 *
 * <p>A version starts at the current time in microseconds rather than at zero, so a Redis that lost its data never
 * restarts a namespace at a version that some JVM may still hold entries for; and a JVM that has seen a higher
 * version than Redis holds raises it (and tells the others) before using it.
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
     * An entry to store, and the lease at {@code leaseKey} to release if {@code token} holds it; or, made by
     * {@link #release}, only the lease to release.
     */
    public record Store(String key, byte[] value, long ttlMillis, String leaseKey, String token) {
        private static final byte[] NOTHING = new byte[0];

        /** Gives back the lease at {@code leaseKey} if {@code token} holds it, storing nothing. */
        public static Store release(String leaseKey, String token) {
            return new Store(null, NOTHING, 0, leaseKey, token);
        }

        boolean releaseOnly() {
            return key == null;
        }
    }

    /**
     * Reads an entry, its remaining TTL and the version its stamp must match, and takes the lease to compute it
     * when nobody holds it and the entry is absent, or (for a refresh) has less than a given time left: one round
     * trip. KEYS: entry, stamp, lease. ARGV: lease milliseconds (0: no lease), lease token, the remaining time below
     * which a present entry is leased for a refresh (0: never).
     */
    private static final Script GET = new Script(
            "local stamp = redis.call('GET', KEYS[2]) or '0'\n"
                    + "local v = redis.call('GET', KEYS[1])\n"
                    + "local ttl = -2\n"
                    + "if v then ttl = redis.call('PTTL', KEYS[1]) end\n"
                    + "local leased = 0\n"
                    + "if ARGV[1] ~= '0' and (not v or ttl < tonumber(ARGV[3])) then\n"
                    + "  if redis.call('SET', KEYS[3], ARGV[2], 'NX', 'PX', ARGV[1]) then leased = 1 end\n"
                    + "end\n"
                    + "return {v, ttl, stamp, leased}");

    /** Stores an entry and gives back the lease its computation held. KEYS: entry, lease. ARGV: value, ttl, token. */
    private static final Script SET = new Script(
            "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
                    + "if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end\n"
                    + "return 1");

    /** Gives back a lease whose computation failed, so that others need not wait for it. */
    private static final Script RELEASE = new Script(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end\n"
                    + "return 1");

    /**
     * Raises the version to the floor (or the start value) if Redis holds less than this JVM has seen, bumps it,
     * and tells every JVM. Numbers cross Lua as strings: Lua's numbers are doubles, exact only below 2^53.
     */
    private static final Script BUMP = new Script(
            "local floor = tonumber(ARGV[1])\n"
                    + "local current = tonumber(redis.call('GET', KEYS[1]) or '') or -1\n"
                    + "if current < floor or current < 1 then\n"
                    + "  local start = ARGV[2]\n"
                    + "  if tonumber(start) < floor then start = ARGV[1] end\n"
                    + "  redis.call('SET', KEYS[1], start)\n"
                    + "end\n"
                    + "local v = string.format('%.0f', redis.call('INCR', KEYS[1]))\n"
                    + "redis.call('PUBLISH', ARGV[3], ARGV[4] .. ' ' .. v .. ' ' .. ARGV[5] .. ' bump')\n"
                    + "return v");

    /**
     * Bumps the namespace's any-entity version and the version of each entity a write names, all starting from the
     * clock like namespace versions and kept at least as long as any entry stamped with them can live, and tells
     * every JVM, a message per entity: one atomic step and one round trip however many entities the write names.
     * KEYS: the any-entity key, then one key per entity; ARGV: start, keep, channel, namespace, origin and time,
     * then the entities in the order of their keys.
     */
    private static final Script BUMP_ENTITIES = new Script(
            "local function bump(key)\n"
                    + "  if not redis.call('GET', key) then redis.call('SET', key, ARGV[1]) end\n"
                    + "  local v = string.format('%.0f', redis.call('INCR', key))\n"
                    + "  redis.call('PEXPIRE', key, ARGV[2])\n"
                    + "  return v\n"
                    + "end\n"
                    + "bump(KEYS[1])\n"
                    + "for i = 2, #KEYS do\n"
                    + "  local v = bump(KEYS[i])\n"
                    + "  redis.call('PUBLISH', ARGV[3], ARGV[4] .. ' ' .. v .. ' ' .. ARGV[5] .. ' key ' .. ARGV[i + 4])\n"
                    + "end\n"
                    + "return #KEYS - 1");

    /** Reads the version, starting it (or raising it above the floor, and telling every JVM) when needed. */
    private static final Script READ_VERSION = new Script(
            "local raw = redis.call('GET', KEYS[1])\n"
                    + "local floor = tonumber(ARGV[1])\n"
                    + "local current = tonumber(raw or '') or -1\n"
                    + "if current >= floor and current >= 1 then return raw end\n"
                    + "local start = ARGV[2]\n"
                    + "if tonumber(start) <= floor then start = string.format('%.0f', floor + 1) end\n"
                    + "redis.call('SET', KEYS[1], start)\n"
                    + "redis.call('PUBLISH', ARGV[3], ARGV[4] .. ' ' .. start .. ' ' .. ARGV[5] .. ' reset')\n"
                    + "return start");

    private final RedisEndpoint endpoint;
    private final JedisPool pool;
    private final JedisClientConfig clientConfig;
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
        GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(config.redisPoolSize());
        poolConfig.setMaxIdle(config.redisPoolSize());
        poolConfig.setMinIdle(0);
        poolConfig.setMaxWait(config.redisTimeout());
        poolConfig.setBlockWhenExhausted(true);
        poolConfig.setJmxEnabled(false); // never register MBeans in the application's name
        poolConfig.setTestOnBorrow(false);
        poolConfig.setTestWhileIdle(false);
        this.pool = new JedisPool(poolConfig, new HostAndPort(endpoint.host(), endpoint.port()), clientConfig);
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
     * The entry at {@code key} (its value {@code null} if absent) and the current version at {@code stampKey};
     * with a positive {@code leaseMillis}, also tries to take the lease at {@code leaseKey} for {@code token} if the
     * entry is absent or has less than {@code refreshBelowMillis} left.
     */
    public Fetched get(String key, String stampKey, String leaseKey, long leaseMillis, String token,
                long refreshBelowMillis) {
        return call(jedis -> {
            List<?> parts = (List<?>) GET.run(jedis, List.of(bytes(key), bytes(stampKey), bytes(leaseKey)),
                    List.of(bytes(Long.toString(leaseMillis)), bytes(token), bytes(Long.toString(refreshBelowMillis))));
            return new Fetched((byte[]) parts.get(0), (Long) parts.get(1), parse(parts.get(2)),
                    (Long) parts.get(3) == 1 ? token : null);
        });
    }

    /** Stores an entry, and releases its lease if the store's token holds it. */
    public void set(Store store) {
        call(jedis -> SET.run(jedis, setKeys(store), setArgs(store)));
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
            runAll(jedis, SET, entries, Redis::setKeys, Redis::setArgs);
            runAll(jedis, RELEASE, releases, s -> List.of(bytes(s.leaseKey())), s -> List.of(bytes(s.token())));
            return null;
        });
    }

    private static void runAll(Jedis jedis, Script script, List<Store> stores, Function<Store, List<byte[]>> keys,
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
        return List.of(bytes(s.key()), bytes(s.leaseKey()));
    }

    private static List<byte[]> setArgs(Store s) {
        return List.of(s.value(), bytes(Long.toString(s.ttlMillis())), bytes(s.token()));
    }

    /** Releases the lease at {@code leaseKey} if {@code token} holds it. */
    public void release(String leaseKey, String token) {
        call(jedis -> RELEASE.run(jedis, List.of(bytes(leaseKey)), List.of(bytes(token))));
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
        return call(jedis -> parse(BUMP.run(jedis, List.of(bytes(ns.version())), versionArgs(ns, floor))));
    }

    /**
     * Bumps entities of a namespace and publishes each, in one round trip.
     *
     * @param keepMillis how long the entities' versions must outlive this bump: at least the longest TTL of an entry
     *                   that may be stamped with them
     */
    public void bumpEntities(NamespaceKeys ns, Collection<String> entities, long keepMillis) {
        long start = System.currentTimeMillis() * 1000;
        List<byte[]> keys = new ArrayList<>(entities.size() + 1);
        keys.add(bytes(ns.anyEntity()));
        List<byte[]> args = new ArrayList<>(entities.size() + 5);
        args.addAll(List.of(bytes(Long.toString(start)), bytes(Long.toString(keepMillis)), channel, bytes(ns.name()),
                bytes(origin + " " + Clocks.epochMicros())));
        for (String entity : entities) {
            keys.add(bytes(ns.entity(entity)));
            args.add(bytes(entity));
        }
        call(jedis -> BUMP_ENTITIES.run(jedis, keys, args));
    }

    /** The current version of a namespace, started or raised above {@code floor} first if needed. */
    public long readVersion(NamespaceKeys ns, long floor) {
        return call(jedis -> parse(READ_VERSION.run(jedis, List.of(bytes(ns.version())), versionArgs(ns, floor))));
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
        try (Jedis jedis = pool.getResource()) {
            T result = operation.apply(jedis);
            breaker.succeeded();
            return result;
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
        try (Jedis jedis = pool.getResource()) {
            jedis.ping();
            breaker.probeSucceeded();
        } catch (RuntimeException stillDown) {
            // the next probe tries again
        }
    }

    private List<byte[]> versionArgs(NamespaceKeys ns, long floor) {
        long start = System.currentTimeMillis() * 1000;
        return List.of(bytes(Long.toString(Math.max(0, floor))), bytes(Long.toString(start)),
                channel, bytes(ns.name()), bytes(origin + " " + Clocks.epochMicros()));
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
        return new Jedis(new HostAndPort(endpoint.host(), endpoint.port()), config);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        pool.close();
    }

    /** A Lua script sent by SHA-1 once Redis knows it. */
    private static final class Script {
        private final byte[] source;
        private final byte[] sha;

        Script(String source) {
            this.source = bytes(source);
            try {
                this.sha = bytes(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(this.source)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM has SHA-1", e);
            }
        }

        Object run(Jedis jedis, List<byte[]> keys, List<byte[]> args) {
            try {
                return jedis.evalsha(sha, keys, args);
            } catch (JedisNoScriptException e) {
                return jedis.eval(source, keys, args);
            }
        }

        void load(Jedis jedis) {
            jedis.scriptLoad(source);
        }

        /**
         * Runs the script once per item in one pipeline; returns the items Redis did not know the script for.
         * Any other error is thrown.
         */
        <T> List<T> runPipelined(Jedis jedis, List<T> items, Function<T, List<byte[]>> keys,
                                 Function<T, List<byte[]>> args) {
            List<Response<Object>> responses = new ArrayList<>(items.size());
            Pipeline pipeline = jedis.pipelined();
            for (T item : items) {
                responses.add(pipeline.evalsha(sha, keys.apply(item), args.apply(item)));
            }
            pipeline.sync();
            List<T> unknown = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                try {
                    responses.get(i).get();
                } catch (JedisNoScriptException e) {
                    unknown.add(items.get(i));
                }
            }
            return unknown;
        }
    }
}
