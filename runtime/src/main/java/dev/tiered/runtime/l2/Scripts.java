package dev.tiered.runtime.l2;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The Lua scripts tiered runs in Redis, each one atomic step and one round trip, and the one rule every version
 * follows there, so that nothing Redis drops can bring an old entry back:
 * <ul>
 *   <li>a version is an integer from 1 to 2^53 (exact in Lua's doubles; anything else in a version key is refused
 *       with an error naming the key, never counted on);</li>
 *   <li>a key that holds no version (never written, evicted, expired, deleted) gets a <em>fresh</em> one: the
 *       server's clock in microseconds, plus a second, and above the floor the caller knows of;</li>
 *   <li>a bump moves a version to the next: one more, and never behind the server's clock.</li>
 * </ul>
 * So versions follow the clock of the Redis that holds them, and a fresh version is above every version that key
 * ever held, as long as that clock does not step back by more than a second and no key is bumped more than a
 * million times a second faster than its clock runs. A read that finds no version for an entry's stamp makes a fresh
 * one, which no entry was stamped with: an absent version is never read as an old one.
 */
final class Scripts {
    /** The version rule, in Lua: the functions {@code held}, {@code fresh}, {@code after} and {@code text}. */
    private static final String VERSIONS =
            "local LIMIT = 9007199254740991\n"
                    + "local function now()\n"
                    + "  local t = redis.call('TIME')\n"
                    + "  return tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
                    + "end\n"
                    + "local function held(key)\n"
                    + "  local raw = redis.call('GET', key)\n"
                    + "  if not raw then return nil end\n"
                    + "  local n = tonumber(raw)\n"
                    + "  if not n or n < 1 or n >= LIMIT or n ~= math.floor(n) then\n"
                    + "    error({err = 'ERR tiered: ' .. key .. ' holds ' .. raw .. ', which is not a version tiered"
                    + " writes (a whole number from 1 to 2^53); delete the key'})\n"
                    + "  end\n"
                    + "  return n\n"
                    + "end\n"
                    + "local function fresh(floor)\n"
                    + "  local v = now() + 1000000\n"
                    + "  if floor >= v then v = floor + 1 end\n"
                    + "  return v\n"
                    + "end\n"
                    + "local function after(v)\n"
                    + "  return math.max(v + 1, now())\n"
                    + "end\n"
                    + "local function text(v)\n"
                    + "  return string.format('%.0f', v)\n"
                    + "end\n";

    /**
     * Reads an entry, its remaining TTL and the version its stamp must match, and takes the lease to compute it
     * when nobody holds it and the entry is absent, or (for a refresh) has less than a given time left. A stamp key
     * that holds no version gets a fresh one (kept {@code ARGV[4]} ms), and an entry read beside it counts as
     * absent. KEYS: entry, stamp, lease. ARGV: lease milliseconds (0: no lease), lease token, the remaining time
     * below which a present entry is leased for a refresh (0: never), how long a fresh stamp key is kept.
     */
    static final Script GET = new Script(VERSIONS
            + "local stamp = held(KEYS[2])\n"
            + "local v = false\n"
            + "if stamp then\n"
            + "  v = redis.call('GET', KEYS[1])\n"
            + "else\n"
            + "  stamp = fresh(0)\n"
            + "  redis.call('SET', KEYS[2], text(stamp), 'PX', ARGV[4])\n"
            + "end\n"
            + "local ttl = -2\n"
            + "if v then ttl = redis.call('PTTL', KEYS[1]) end\n"
            + "local leased = 0\n"
            + "if ARGV[1] ~= '0' and (not v or ttl < tonumber(ARGV[3])) then\n"
            + "  if redis.call('SET', KEYS[3], ARGV[2], 'NX', 'PX', ARGV[1]) then leased = 1 end\n"
            + "end\n"
            + "return {v, ttl, text(stamp), leased}");

    /**
     * Stores an entry if its stamp is still the current version (a write since it was read makes it unreachable:
     * it is not stored at all), keeps the stamp's version key at least {@code ARGV[5]} ms, longer than the entry,
     * and gives back the lease its computation held. KEYS: entry, lease, stamp. ARGV: value, ttl, token, stamp,
     * keep.
     */
    static final Script SET = new Script(
            "local stored = 0\n"
                    + "if redis.call('GET', KEYS[3]) == ARGV[4] then\n"
                    + "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
                    + "  local left = redis.call('PTTL', KEYS[3])\n"
                    + "  if left >= 0 and left < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[3], ARGV[5]) end\n"
                    + "  stored = 1\n"
                    + "end\n"
                    + "if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end\n"
                    + "return stored");

    /** Gives back a lease whose computation failed, so that others need not wait for it. KEYS: lease. ARGV: token. */
    static final Script RELEASE = new Script(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end\n"
                    + "return 1");

    /**
     * Bumps a namespace's version (a fresh one above the floor if Redis holds none, or less than the floor this JVM
     * has seen) and tells every JVM. KEYS: version. ARGV: floor, channel, namespace, origin and time.
     */
    static final Script BUMP = new Script(VERSIONS
            + "local floor = tonumber(ARGV[1])\n"
            + "local current = held(KEYS[1])\n"
            + "local v\n"
            + "if current and current >= floor then v = after(current) else v = fresh(floor) end\n"
            + "redis.call('SET', KEYS[1], text(v))\n"
            + "redis.call('PUBLISH', ARGV[2], ARGV[3] .. ' ' .. text(v) .. ' ' .. ARGV[4] .. ' bump')\n"
            + "return text(v)");

    /**
     * Bumps versions of a namespace's entities, each kept at least as long as any entry stamped with it can live, and
     * tells every JVM, a message per entity: one atomic step however many entities the write names. The first keys
     * are bumped without a message: the shards a keyed write bumps for the entries of methods without an entity key
     * ({@link NamespaceKeys#shards}). KEYS: the shards' version keys, then one key per entity; ARGV: keep, channel,
     * namespace, origin and time, the number of shard keys, then the entities in the order of their keys.
     */
    static final Script BUMP_ENTITIES = new Script(VERSIONS
            + "local function bump(key)\n"
            + "  local current = held(key)\n"
            + "  local v\n"
            + "  if current then v = after(current) else v = fresh(0) end\n"
            + "  redis.call('SET', key, text(v), 'PX', ARGV[1])\n"
            + "  return text(v)\n"
            + "end\n"
            + "local silent = tonumber(ARGV[5])\n"
            + "for i = 1, #KEYS do\n"
            + "  local v = bump(KEYS[i])\n"
            + "  if i > silent then\n"
            + "    local entity = ARGV[i + 5 - silent]\n"
            + "    redis.call('PUBLISH', ARGV[2], ARGV[3] .. ' ' .. v .. ' ' .. ARGV[4] .. ' key ' .. entity)\n"
            + "  end\n"
            + "end\n"
            + "return #KEYS - silent");

    /**
     * Reads a namespace's version; one that is absent or below the floor this JVM has seen is replaced by a fresh
     * one, and every JVM is told. KEYS: version. ARGV: floor, channel, namespace, origin and time.
     */
    static final Script READ_VERSION = new Script(VERSIONS
            + "local floor = tonumber(ARGV[1])\n"
            + "local current = held(KEYS[1])\n"
            + "if current and current >= floor then return text(current) end\n"
            + "local v = fresh(floor)\n"
            + "redis.call('SET', KEYS[1], text(v))\n"
            + "redis.call('PUBLISH', ARGV[2], ARGV[3] .. ' ' .. text(v) .. ' ' .. ARGV[4] .. ' reset')\n"
            + "return text(v)");

    /**
     * Proves that Redis takes this JVM's writes, with the commands a bump needs: reads the clock, sets a key of this
     * JVM's (kept {@code ARGV[1]} ms) and publishes a probe. KEYS: the probe key. ARGV: keep, channel, message.
     */
    static final Script PROBE = new Script(
            "redis.call('TIME')\n"
                    + "redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])\n"
                    + "redis.call('PUBLISH', ARGV[2], ARGV[3])\n"
                    + "return 1");

    private Scripts() {}

    /** Makes every script known to the server of {@code jedis}. */
    static void loadAll(Jedis jedis) {
        for (Script script : List.of(GET, SET, RELEASE, BUMP, BUMP_ENTITIES, READ_VERSION, PROBE)) {
            script.load(jedis);
        }
    }

    /** A Lua script sent by SHA-1 once Redis knows it. */
    static final class Script {
        private final byte[] source;
        private final byte[] sha;

        Script(String source) {
            this.source = source.getBytes(StandardCharsets.UTF_8);
            try {
                this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(this.source))
                        .getBytes(StandardCharsets.US_ASCII);
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
         * Runs the script once per item in one pipeline; returns the error reply of each item that got one (by
         * identity; {@link JedisNoScriptException} for those Redis did not know the script for).
         */
        <T> Map<T, RuntimeException> runPipelined(Jedis jedis, List<T> items, Function<T, List<byte[]>> keys,
                                                  Function<T, List<byte[]>> args) {
            List<Response<Object>> responses = new ArrayList<>(items.size());
            Pipeline pipeline = jedis.pipelined();
            for (T item : items) {
                responses.add(pipeline.evalsha(sha, keys.apply(item), args.apply(item)));
            }
            pipeline.sync();
            Map<T, RuntimeException> failed = new IdentityHashMap<>();
            for (int i = 0; i < items.size(); i++) {
                try {
                    responses.get(i).get();
                } catch (JedisDataException e) {
                    failed.put(items.get(i), e);
                }
            }
            return failed;
        }
    }
}
