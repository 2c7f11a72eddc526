package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.Tier;
import dev.tiered.runtime.l2.KeyEncoder;
import dev.tiered.runtime.l2.KeyType;
import dev.tiered.runtime.l2.ValueCodec;
import dev.tiered.testkit.RedisServer;

/**
 * What L2 refuses to hold, on a real redis-server: results larger than {@code tiered.l2.maxValueBytes}, and keys as
 * long as the arguments they are made of.
 */
class L2LimitsTest {
    @RegisterExtension
    final RedisRuntimes runtimes = new RedisRuntimes("m");
    private RedisServer redis;

    /** The cached methods; a test supplies the body of every call. */
    @SuppressWarnings("unused")
    static final class Texts {
        String describe(long id) { return null; }
        String byText(String text) { return null; }
    }

    @BeforeEach
    void start() {
        redis = RedisServer.shared();
    }

    /**
     * A runtime that writes results on the calling thread, so that what is in Redis after a call is final, and
     * waits for a slow Redis on a busy machine rather than count it as failed.
     */
    private TieredRuntime runtime(String... settings) {
        String[] all = new String[settings.length + 4];
        all[0] = "tiered.l2.writeBehindBytes";
        all[1] = "0";
        all[2] = "tiered.redis.timeout";
        all[3] = "10s";
        System.arraycopy(settings, 0, all, 4, settings.length);
        return runtimes.start(redis, all);
    }

    /** Every key under this test's prefix: entries, versions, leases. */
    private Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        for (Object key : (List<?>) redis.command("KEYS", runtimes.prefix() + ":*")) {
            keys.add(key.toString());
        }
        return keys;
    }

    @Test
    void aResultLargerThanMaxValueBytesIsNotWrittenToRedisAndIsCountedAsNotStored() throws Exception {
        TieredRuntime a = runtime("tiered.l2.maxValueBytes", "1KB");
        CachedMethod describe = a.register(Specs.of(Texts.class, "describe", "10m", Tier.L1_L2, "limits"));
        L2FuzzTest.awaitSynced(a, describe, -1L);
        // the limit is on the encoded form: the envelope's header, then the string's UTF-8 bytes
        String fits = "f".repeat(1024 - ValueCodec.HEADER);
        String tooLarge = "t".repeat(1024 - ValueCodec.HEADER + 1);
        call(describe, () -> fits, 1L);
        assertEquals(0, describe.stats.notStored.sum(), "exactly at the limit is stored");
        Set<String> before = difference(keys(), versions(keys()));

        assertEquals(tooLarge, call(describe, () -> tooLarge, 2L));
        assertEquals(1, describe.stats.notStored.sum());
        assertEquals(1, a.stats("limits").notStored(), "NotStored of the namespace");
        // the read made the version key of its shard of the namespace, if there was none
        assertEquals(before, difference(keys(), versions(keys())),
                "nothing written to Redis, and no lease left behind");
        long l1Hits = describe.l1Hits();
        assertEquals(tooLarge, call(describe, () -> "unexpected", 2L), "kept in L1");
        assertEquals(l1Hits + 1, describe.l1Hits());

        TieredRuntime b = runtime("tiered.l2.maxValueBytes", "1KB");
        CachedMethod other = b.register(Specs.of(Texts.class, "describe", "10m", Tier.L1_L2, "limits"));
        L2FuzzTest.awaitSynced(b, other, -1L);
        AtomicInteger runs = new AtomicInteger();
        assertEquals(fits, call(other, () -> "run " + runs.incrementAndGet(), 1L), "another JVM reads it from L2");
        assertEquals("run 1", call(other, () -> "run " + runs.incrementAndGet(), 2L), "and computes this one");
        assertEquals(1, other.stats.l2Hits.sum());
    }

    @Test
    void anEntryLargerThanTheReadersMaxValueBytesIsACountedMiss() throws Exception {
        TieredRuntime big = runtime();
        CachedMethod writer = big.register(Specs.of(Texts.class, "describe", "10m", Tier.L1_L2, "limits"));
        L2FuzzTest.awaitSynced(big, writer, -1L);
        call(writer, () -> "w".repeat(4096), 1L);
        TieredRuntime small = runtime("tiered.l2.maxValueBytes", "1KB");
        CachedMethod reader = small.register(Specs.of(Texts.class, "describe", "10m", Tier.L1_L2, "limits"));
        L2FuzzTest.awaitSynced(small, reader, -1L);
        assertEquals("computed", call(reader, () -> "computed", 1L));
        assertEquals(1, small.stats("limits").decodeFailures());
        assertEquals(0, small.stats("limits").l2Hits());
    }

    @Test
    void aTenMegabyteArgumentGetsAShortKeyAndArgumentsDifferingInTheirLastCharacterGetDifferentKeys()
            throws Exception {
        TieredRuntime a = runtime();
        CachedMethod byText = a.register(Specs.keyed(Texts.class, "byText", "10m", Tier.L1_L2, "texts", 0));
        L2FuzzTest.awaitSynced(a, byText, "probe");
        String big = "x".repeat(10 << 20);
        String bigToo = big.substring(0, big.length() - 1) + "y";
        String modest = "z".repeat(KeyEncoder.MAX_ARGUMENT_CHARS + 1);

        call(byText, () -> "warm", "a"); // from now on, one call adds one entry, and its entity's version key
        Set<String> warm = keys();
        call(byText, () -> "first", big);
        Set<String> withBig = keys();
        call(byText, () -> "second", bigToo);
        Set<String> withBoth = keys();
        call(byText, () -> "modest", modest);
        String bigKey = only(entries(difference(withBig, warm)));
        String bigTooKey = only(entries(difference(withBoth, withBig)));
        String modestKey = only(entries(difference(keys(), withBoth)));
        assertEquals(modestKey.length(), bigKey.length(), "a 10 MB argument makes a key no longer than 257 chars do");
        assertEquals(modestKey.length(), bigTooKey.length());
        assertShort(withBoth);

        TieredRuntime b = runtime();
        CachedMethod elsewhere = b.register(Specs.keyed(Texts.class, "byText", "10m", Tier.L1_L2, "texts", 0));
        L2FuzzTest.awaitSynced(b, elsewhere, "probe");
        assertEquals("first", call(elsewhere, () -> "unexpected", big));
        assertEquals("second", call(elsewhere, () -> "unexpected", bigToo));
        assertEquals(2, elsewhere.stats.l2Hits.sum(), "each served its own entry from L2");

        // the entity a keyed write names is hashed the same way: its version key is short too, and only it moves
        Invalidation update = a.registerInvalidation(new InvalidationSpec("x.W", "update",
                List.of("java.lang.String"), List.of("texts"), List.of(0), KeyType.Scalar.STRING, false));
        String versionKey = only(versions(difference(withBig, warm)));
        Object before = redis.command("GET", versionKey);
        update.run(new Object[] {big});
        assertNotEquals(before, redis.command("GET", versionKey), "the write moved the entity's version");
        assertShort(keys());
        assertEquals("recomputed", call(byText, () -> "recomputed", big));
        assertEquals("second", call(byText, () -> "unexpected", bigToo));
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> d = new HashSet<>(a);
        d.removeAll(b);
        return d;
    }

    private Set<String> entries(Set<String> keys) {
        return keys.stream().filter(k -> k.startsWith(runtimes.prefix() + ":e:")).collect(Collectors.toSet());
    }

    private Set<String> versions(Set<String> keys) {
        return keys.stream().filter(k -> k.startsWith(runtimes.prefix() + ":k:")).collect(Collectors.toSet());
    }

    private static String only(Set<String> keys) {
        assertEquals(1, keys.size(), keys.toString());
        return keys.iterator().next();
    }

    private static void assertShort(Set<String> keys) {
        for (String key : keys) {
            assertTrue(key.getBytes(StandardCharsets.UTF_8).length < 512, "a key of " + key.length() + " chars: "
                    + key.substring(0, Math.min(key.length(), 200)));
        }
    }
}
