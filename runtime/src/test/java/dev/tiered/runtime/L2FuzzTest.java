package dev.tiered.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongFunction;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

import dev.tiered.Tier;
import dev.tiered.runtime.l2.KeyType;
import dev.tiered.runtime.l2.MethodL2;
import dev.tiered.runtime.l2.ValueCodec;
import dev.tiered.runtime.stats.NamespaceStats;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;

/**
 * Corrupted L2 entries, written under the real key of a real entry on a real redis-server, with its TTL kept: every
 * one is a miss, counted, never an exception and never a wrong value.
 *
 * <p>An entry is the entity version it was computed under (its stamp) followed by the codec's envelope. A payload
 * whose stamp is intact but whose envelope is damaged is a decode failure ({@code DecodeFailures}); one whose stamp
 * does not match is, by design, a silent miss, exactly like an entry of an older version; a payload too short to
 * hold a stamp is a decode failure.
 */
class L2FuzzTest {
    private static final int PAYLOADS_PER_METHOD = 3_400;
    private static final long SEED = 20261122L;
    private static final long ARGUMENT = 1L;
    private static final SetParams KEEP_TTL = SetParams.setParams().keepTtl();

    /** The fuzzed methods: real methods the codec reflects on; each call supplies its own body. */
    @SuppressWarnings("unused")
    static final class Lookup {
        Fixtures.Product product(long id) { return null; }
        Object anything(long id) { return null; }
        String name(long id) { return null; }
    }

    /** Reachable from none of the return types above: reading one back would set {@link #READ}. */
    static final class Planted implements Serializable {
        private static final long serialVersionUID = 1L;
        static final AtomicBoolean READ = new AtomicBoolean();

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            READ.set(true);
            in.defaultReadObject();
        }

        private Object readResolve() {
            READ.set(true);
            return this;
        }
    }

    /** Which counter a corrupted payload must move. */
    enum Outcome { DECODE_FAILURE, STAMP_MISMATCH }

    record Payload(String what, byte[] bytes) {}

    /**
     * A method to fuzz: its tier (an {@code L1_L2} method has its L1 cleared before each call, so that only L2 can
     * serve it), whether it has an entity key, the value its body returns on call {@code i}, valid values of other
     * types that its codec will nevertheless encode, and values of classes outside its allow-list.
     */
    record Target(String method, Tier tier, boolean keyed, LongFunction<Object> body, List<Object> otherTypes,
                  List<Object> outsideAllowList) {
        String namespace() {
            return "fuzz." + method;
        }
    }

    @RegisterExtension
    final RedisRuntimes runtimes = new RedisRuntimes("f");

    @BeforeEach
    void start() {
        Planted.READ.set(false);
    }

    @Test
    void everyCorruptedEntryUnderARealKeyIsACountedMissNeverAnExceptionOrAWrongValue() throws Exception {
        RedisServer redis = RedisServer.shared();
        // results are written by the call itself: nothing runs behind the test's back between two payloads; and a
        // slow Redis on a busy machine is not mistaken for a failed one, which would count as a miss of its own
        TieredRuntime runtime = runtimes.start(redis, "tiered.l2.writeBehindBytes", "0",
                "tiered.redis.timeout", "10s");
        Fixtures.Product product = new Fixtures.Product(7, "widget");
        List<Target> targets = List.of(
                new Target("product", Tier.L2, true, i -> new Fixtures.Product(i, "widget " + i),
                        List.of("a string", 42L, 7, true, 'c', (short) 3, (byte) 4, 1.5d, 2.5f, new byte[] {1, 2, 3},
                                Optional.of(product), Optional.empty(), new ArrayList<>(List.of(product)),
                                List.of(product), new BigDecimal("9.99"), UUID.nameUUIDFromBytes(new byte[] {7}), LocalDate.of(2026, 1, 1),
                                new HashMap<>(Map.of("id", 7L))),
                        List.of(new Planted(), new ArrayList<>(List.of(new Planted())),
                                new URL("http://example.invalid/"))),
                // any JDK value is a valid result of Object: only the allow-list and the envelope stand guard
                new Target("anything", Tier.L2, false, i -> 1_000L + i, List.of(),
                        List.of(new Planted(), new ArrayList<>(List.of(new Planted())), product,
                                new URL("http://example.invalid/"))),
                new Target("name", Tier.L1_L2, false, i -> "name " + i,
                        List.of(42L, new byte[] {1}, Optional.of("x"), new ArrayList<>(List.of("x")), 'x'),
                        List.of(new Planted(), product, new URL("http://example.invalid/"))));

        long started = System.nanoTime();
        int total = 0;
        long decodeFailures = 0;
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            Random random = new Random(SEED);
            for (Target target : targets) {
                long[] counts = fuzz(runtime, jedis, target, random);
                total += counts[0];
                decodeFailures += counts[1];
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("L2FuzzTest: " + total + " corrupted entries (" + decodeFailures + " decode failures, "
                + (total - decodeFailures) + " stamp mismatches) in " + millis + " ms, seed " + SEED);
        assertTrue(total >= 10_000, "fuzzed only " + total);
        assertFalse(Planted.READ.get(), "a class outside the allow-list was deserialized");
    }

    /** Fuzzes one method; returns the number of payloads and how many of them were decode failures. */
    private long[] fuzz(TieredRuntime runtime, Jedis jedis, Target target, Random random) throws Exception {
        String ns = target.namespace();
        CachedMethod m = runtime.register(target.keyed()
                ? Specs.keyed(Lookup.class, target.method(), "10m", target.tier(), ns, 0)
                : Specs.of(Lookup.class, target.method(), "10m", target.tier(), ns));
        if (target.keyed()) {
            // a keyed write gives the entity a real version, so that the entry carries a real stamp, not zero
            runtime.registerInvalidation(new InvalidationSpec("fuzz.Writer", "update", List.of("long"), List.of(ns),
                    List.of(0), KeyType.Scalar.LONG, false)).run(new Object[] {ARGUMENT});
        }
        awaitSynced(runtime, m, -1L);
        NamespaceStats base = runtime.stats(ns);
        long baseLoads = m.stats.loads.sum();
        long baseDecodeFailures = m.stats.decodeFailures.sum();
        Object first = target.body().apply(0);
        assertEquals(first, Fixtures.call(m, () -> first, ARGUMENT));
        // the codec the method writes with: from its return type, with the default allow-list and size
        ValueCodec codec = ValueCodec.of(Lookup.class.getDeclaredMethod(target.method(), long.class), List.of(),
                1 << 20);
        byte[] envelope = codec.encode(first);
        String key = entryKey(jedis, runtimes.prefix(), envelope);
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        byte[] good = jedis.get(keyBytes);
        int stampBytes = good.length - envelope.length;
        assertEquals(MethodL2.STAMP_BYTES, stampBytes, "the entry is its stamp, then the envelope");
        byte[] stamp = Arrays.copyOf(good, stampBytes);
        if (target.keyed()) {
            assertNotEquals(0, ByteBuffer.wrap(stamp).getLong(), "the entity's version, not the absent one");
        }
        assertServedFromL2(m, first);

        List<String> allow = new ArrayList<>(List.of(Planted.class.getName(), Fixtures.Product.class.getName(),
                "java.net"));
        ValueCodec permissive = ValueCodec.of(Lookup.class.getDeclaredMethod(target.method(), long.class), allow,
                1 << 20);
        assertEquals(codec.fingerprint(), permissive.fingerprint(), "the fingerprint ignores tiered.codec.allow");
        List<Payload> payloads = corruptions(good, stampBytes, codec, permissive, target, random);

        long expectedDecodeFailures = 0;
        long expectedStampMismatches = 0;
        for (int i = 0; i < payloads.size(); i++) {
            Payload p = payloads.get(i);
            Outcome outcome = outcome(p.bytes(), stamp);
            jedis.set(keyBytes, p.bytes(), KEEP_TTL);
            if (i == 0) {
                long ttl = jedis.pttl(keyBytes);
                assertTrue(ttl > 0 && ttl <= 600_000, "the entry keeps its TTL: " + ttl);
            }
            if (target.tier() == Tier.L1_L2) {
                m.clearL1();
            }
            long loads = m.stats.loads.sum();
            long decode = m.stats.decodeFailures.sum();
            long l2Hits = m.stats.l2Hits.sum();
            Object expected = target.body().apply(i + 1);
            Object got;
            try {
                got = Fixtures.call(m, () -> expected, ARGUMENT);
            } catch (Exception | Error e) {
                throw new AssertionError(describe(target, i, p) + " made the call throw", e);
            }
            if (!expected.equals(got)) {
                throw new AssertionError(describe(target, i, p) + " was served as " + got + ", not the method's "
                        + expected);
            }
            long decodeDelta = m.stats.decodeFailures.sum() - decode;
            if (m.stats.loads.sum() != loads + 1 || m.stats.l2Hits.sum() != l2Hits
                    || decodeDelta != (outcome == Outcome.DECODE_FAILURE ? 1 : 0)) {
                throw new AssertionError(describe(target, i, p) + " should be a " + outcome + ": loads +"
                        + (m.stats.loads.sum() - loads) + ", L2 hits +" + (m.stats.l2Hits.sum() - l2Hits)
                        + ", decode failures +" + decodeDelta);
            }
            if (outcome == Outcome.DECODE_FAILURE) {
                expectedDecodeFailures++;
            } else {
                expectedStampMismatches++;
            }
        }

        jedis.set(keyBytes, good, KEEP_TTL);
        assertServedFromL2(m, first);

        int n = payloads.size();
        assertEquals(n, expectedDecodeFailures + expectedStampMismatches);
        assertTrue(expectedDecodeFailures > 0 && expectedStampMismatches > 0, "both kinds were fuzzed");
        assertEquals(expectedDecodeFailures, m.stats.decodeFailures.sum() - baseDecodeFailures,
                "decode failures of " + m.name);
        assertEquals(n + 1, m.stats.loads.sum() - baseLoads, "every payload and the first call ran the method");
        NamespaceStats stats = runtime.stats(ns);
        assertEquals(expectedDecodeFailures, stats.decodeFailures() - base.decodeFailures(),
                "DecodeFailures of namespace " + ns);
        assertEquals(n + 1, stats.misses() - base.misses(), "Misses of namespace " + ns);
        assertEquals(2, stats.l2Hits() - base.l2Hits(), "the good entry, before and after");
        assertEquals(0, stats.l2Errors());
        assertEquals(0, stats.faults());
        assertEquals(0, stats.uncached() - base.uncached());
        assertEquals(0, stats.loadFailures() - base.loadFailures());
        assertEquals(n + 3, stats.calls() - base.calls(), "each call counted once");
        return new long[] {n, expectedDecodeFailures};
    }

    /**
     * Waits until the method's namespace has its version from Redis: until then (or while another thread of the
     * runtime syncs it) a call goes without L2. Each probe is a call with {@code probe} that fails, so stores nothing.
     */
    static void awaitSynced(TieredRuntime runtime, CachedMethod m, Object probe) {
        Await.until("namespace " + m.namespace() + " to learn its version from Redis", RedisRuntimes.WAIT,
                () -> Fixtures.misses(m, probe) && runtime.stats(m.namespace()).version() > 0);
    }

    /** The good entry is a hit: without this, a codec that refused everything would pass. */
    private static void assertServedFromL2(CachedMethod m, Object value) throws Exception {
        m.clearL1();
        long l2Hits = m.stats.l2Hits.sum();
        assertEquals(value, Fixtures.call(m, () -> "not from L2", ARGUMENT));
        assertEquals(l2Hits + 1, m.stats.l2Hits.sum());
    }

    /** The one key under the test's prefix that holds a stamp and then exactly this envelope. */
    private static String entryKey(Jedis jedis, String prefix, byte[] envelope) {
        List<String> found = new ArrayList<>();
        ScanParams params = new ScanParams().match(prefix + ":*").count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = jedis.scan(cursor, params);
            for (String key : page.getResult()) {
                if (!"string".equals(jedis.type(key))) {
                    continue;
                }
                byte[] value = jedis.get(key.getBytes(StandardCharsets.UTF_8));
                if (value != null && value.length > envelope.length
                        && Arrays.equals(value, value.length - envelope.length, value.length, envelope, 0,
                        envelope.length)) {
                    found.add(key);
                }
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        assertEquals(1, found.size(), "keys holding the entry: " + found);
        return found.get(0);
    }

    /**
     * Every single-bit flip and every truncation of the good entry; valid envelopes of other types and of classes
     * outside the allow-list, behind the right stamp and behind a wrong one; then, up to the budget, random 2 to 4
     * bit flips, random bytes, random bytes behind the right stamp, and a good stamp and envelope header followed by
     * random bytes.
     */
    private static List<Payload> corruptions(byte[] good, int stampBytes, ValueCodec codec, ValueCodec permissive,
                                             Target target, Random random) throws Exception {
        List<Payload> out = new ArrayList<>();
        for (int bit = 0; bit < good.length * 8; bit++) {
            out.add(new Payload("bit " + bit + " flipped", flip(good.clone(), bit)));
        }
        for (int length = 0; length < good.length; length++) {
            out.add(new Payload("truncated to " + length + " bytes", Arrays.copyOf(good, length)));
        }
        byte[] stamp = Arrays.copyOf(good, stampBytes);
        byte[] wrongStamp = ByteBuffer.allocate(stampBytes).putLong(ByteBuffer.wrap(stamp).getLong() + 1).array();
        for (Object value : target.otherTypes()) {
            byte[] envelope = codec.encode(value);
            out.add(new Payload("a valid envelope of a " + value.getClass().getName(), concat(stamp, envelope)));
            out.add(new Payload("a valid envelope of a " + value.getClass().getName() + " behind a wrong stamp",
                    concat(wrongStamp, envelope)));
        }
        for (Object value : target.outsideAllowList()) {
            byte[] envelope = permissive.encode(value);
            out.add(new Payload("an envelope of a " + value.getClass().getName() + " outside the allow-list",
                    concat(stamp, envelope)));
            out.add(new Payload("an envelope of a " + value.getClass().getName() + " outside the allow-list behind "
                    + "a wrong stamp", concat(wrongStamp, envelope)));
        }
        int header = stampBytes + ValueCodec.HEADER;
        for (int i = 0; out.size() < PAYLOADS_PER_METHOD; i++) {
            switch (i % 4) {
                case 0: {
                    byte[] bad = good.clone();
                    int flips = 2 + random.nextInt(3);
                    // distinct bits: flipping one twice would restore it
                    random.ints(0, bad.length * 8).distinct().limit(flips).forEach(bit -> flip(bad, bit));
                    out.add(new Payload(flips + " random bits flipped", bad));
                    break;
                }
                case 1:
                    out.add(new Payload("random bytes", randomBytes(random, 2 * good.length)));
                    break;
                case 2:
                    out.add(new Payload("random bytes behind the right stamp",
                            concat(stamp, randomBytes(random, 2 * good.length))));
                    break;
                default:
                    out.add(new Payload("the right stamp and envelope header, then random bytes",
                            concat(Arrays.copyOf(good, header), randomBytes(random, 2 * (good.length - header)))));
            }
        }
        return out;
    }

    private static Outcome outcome(byte[] payload, byte[] stamp) {
        if (payload.length < stamp.length) {
            return Outcome.DECODE_FAILURE; // too short to hold a stamp
        }
        return Arrays.equals(payload, 0, stamp.length, stamp, 0, stamp.length)
                ? Outcome.DECODE_FAILURE : Outcome.STAMP_MISMATCH;
    }

    private static byte[] flip(byte[] bytes, int bit) {
        bytes[bit / 8] ^= (byte) (1 << (bit % 8));
        return bytes;
    }

    private static byte[] randomBytes(Random random, int maxLength) {
        byte[] bytes = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String describe(Target target, int index, Payload p) {
        String hex = HexFormat.of().formatHex(p.bytes(), 0, Math.min(p.bytes().length, 64));
        return "payload #" + index + " of " + target.method() + " (" + p.what() + ", " + p.bytes().length + " bytes: "
                + hex + (p.bytes().length > 64 ? "..." : "") + ")";
    }
}
