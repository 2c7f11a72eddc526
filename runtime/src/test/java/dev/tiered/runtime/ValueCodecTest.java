package dev.tiered.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

class ValueCodecTest {
    record Product(long id, String name, BigDecimal price, Instant updated, List<String> tags)
            implements Serializable {}

    record Unrelated(String secret) implements Serializable {}

    static final class NotSerializable {}

    @SuppressWarnings("unused")
    static final class Returns {
        Product product() { return null; }
        List<Product> products() { return null; }
        Optional<Product> maybe() { return Optional.empty(); }
        long count() { return 0; }
        String name() { return null; }
        byte[] bytes() { return null; }
        Object anything() { return null; }
        Map<String, Integer> map() { return null; }
        NotSerializable opaque() { return null; }
    }

    private static ValueCodec codec(String method) throws Exception {
        return ValueCodec.of(Returns.class.getDeclaredMethod(method), List.of(), 1 << 20);
    }

    private static final Product P = new Product(7, "Widget", new BigDecimal("9.99"),
            Instant.parse("2024-05-01T10:00:00Z"), List.of("a", "b"));

    @Test
    void roundTripsEveryKindOfResult() throws Exception {
        assertEquals(P, codec("product").decode(codec("product").encode(P)));
        assertEquals(List.of(P, P), codec("products").decode(codec("products").encode(new ArrayList<>(List.of(P, P)))));
        assertEquals(List.of(P), codec("products").decode(codec("products").encode(List.of(P))));
        assertEquals(Optional.of(P), codec("maybe").decode(codec("maybe").encode(Optional.of(P))));
        assertEquals(Optional.empty(), codec("maybe").decode(codec("maybe").encode(Optional.empty())));
        assertEquals(42L, codec("count").decode(codec("count").encode(42L)));
        assertEquals("héllo \uD83D\uDE00", codec("name").decode(codec("name").encode("héllo \uD83D\uDE00")));
        assertEquals("lone \uD800", codec("name").decode(codec("name").encode("lone \uD800")));
        assertArrayEquals(new byte[] {1, 2}, (byte[]) codec("bytes").decode(codec("bytes").encode(new byte[] {1, 2})));
        assertNull(codec("product").decode(codec("product").encode(null)));
        Map<String, Integer> map = new HashMap<>(Map.of("a", 1));
        assertEquals(map, codec("map").decode(codec("map").encode(map)));
    }

    @Test
    void aNullForAPrimitiveReturnTypeIsAMiss() throws Exception {
        byte[] nullEnvelope = codec("product").encode(null);
        // same fingerprint is needed for the test to reach the type check
        ValueCodec count = codec("count");
        byte[] forged = nullEnvelope.clone();
        ByteBuffer.wrap(forged).putLong(3, count.fingerprint());
        assertThrows(ValueCodec.DecodeException.class, () -> count.decode(forged));
    }

    @Test
    void refusesToStoreAResultItCouldNotReadBack() throws Exception {
        ValueCodec.NotStorableException notAllowed = assertThrows(ValueCodec.NotStorableException.class,
                () -> codec("anything").encode(new Unrelated("x")));
        assertTrue(notAllowed.getMessage().contains(Unrelated.class.getName())
                && notAllowed.getMessage().contains("tiered.codec.allow"), notAllowed.getMessage());
        ValueCodec.NotStorableException notSerializable = assertThrows(ValueCodec.NotStorableException.class,
                () -> codec("opaque").encode(new NotSerializable()));
        assertTrue(notSerializable.getMessage().contains("not java.io.Serializable"), notSerializable.getMessage());
        ValueCodec small = ValueCodec.of(Returns.class.getDeclaredMethod("name"), List.of(), 64);
        assertThrows(ValueCodec.NotStorableException.class, () -> small.encode("x".repeat(100)));
    }

    @Test
    void theAllowListCanBeWidenedByPackageOrClass() throws Exception {
        ValueCodec widened = ValueCodec.of(Returns.class.getDeclaredMethod("anything"),
                List.of(Unrelated.class.getName()), 1 << 20);
        assertEquals(new Unrelated("x"), widened.decode(widened.encode(new Unrelated("x"))));
        ValueCodec byPackage = ValueCodec.of(Returns.class.getDeclaredMethod("anything"),
                List.of(ValueCodecTest.class.getPackageName()), 1 << 20);
        assertEquals(new Unrelated("y"), byPackage.decode(byPackage.encode(new Unrelated("y"))));
    }

    /** A well-formed envelope (right fingerprint and checksum) around a Java-serialized object. */
    private static byte[] envelope(ValueCodec codec, Object payloadObject) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(payloadObject);
        }
        byte[] payload = bytes.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return ByteBuffer.allocate(ValueCodec.HEADER + payload.length).put(ValueCodec.MAGIC).put(ValueCodec.FORMAT)
                .put((byte) 1).putLong(codec.fingerprint()).putInt((int) crc.getValue()).put(payload).array();
    }

    @Test
    void refusesAPayloadNamingAClassOutsideTheAllowListBeforeInstantiatingIt() throws Exception {
        ValueCodec products = codec("products");
        // a class that the method's return type cannot reach
        byte[] unrelated = envelope(products, new ArrayList<>(List.of(new Unrelated("planted"))));
        ValueCodec.DecodeException e = assertThrows(ValueCodec.DecodeException.class, () -> products.decode(unrelated));
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        // a JDK class that gadget chains rely on (its hashCode resolves host names)
        byte[] url = envelope(products, new ArrayList<>(List.of(new java.net.URL("http://example.invalid/"))));
        assertThrows(ValueCodec.DecodeException.class, () -> products.decode(url));
        // a dynamic proxy
        Object proxy = java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Serializable.class}, new ProxyHandler());
        byte[] proxied = envelope(products, new ArrayList<>(List.of(proxy)));
        assertThrows(ValueCodec.DecodeException.class, () -> products.decode(proxied));
    }

    static final class ProxyHandler implements java.lang.reflect.InvocationHandler, Serializable {
        @Override
        public Object invoke(Object proxy, java.lang.reflect.Method method, Object[] args) {
            return null;
        }
    }

    @Test
    void aValueOfTheWrongTypeIsAMissNotAWrongValue() throws Exception {
        ValueCodec product = codec("product");
        byte[] aList = envelope(product, new ArrayList<>(List.of(P)));
        assertThrows(ValueCodec.DecodeException.class, () -> product.decode(aList));
    }

    @Test
    void aValueWrittenForAnotherShapeOfTheReturnTypeIsAMiss() throws Exception {
        byte[] written = codec("product").encode(P);
        assertThrows(ValueCodec.DecodeException.class, () -> codec("products").decode(written));
    }

    @Test
    void randomTruncatedAndBitFlippedPayloadsAreAllMisses() throws Exception {
        ValueCodec codec = codec("products");
        byte[] good = codec.encode(new ArrayList<>(List.of(P, P)));
        Random random = new Random(20261122);
        int refused = 0;
        for (int i = 0; i < 3_000; i++) {
            byte[] bad;
            switch (i % 3) {
                case 0:
                    bad = java.util.Arrays.copyOf(good, random.nextInt(good.length));
                    break;
                case 1:
                    bad = good.clone();
                    int flips = 1 + random.nextInt(4);
                    for (int f = 0; f < flips; f++) {
                        int bit = random.nextInt(bad.length * 8);
                        bad[bit / 8] ^= (byte) (1 << (bit % 8));
                    }
                    break;
                default:
                    bad = new byte[random.nextInt(200)];
                    random.nextBytes(bad);
            }
            try {
                Object decoded = codec.decode(bad);
                throw new AssertionError("corrupted payload #" + i + " decoded to " + decoded);
            } catch (ValueCodec.DecodeException expected) {
                refused++;
            }
        }
        assertEquals(3_000, refused);
    }
}
