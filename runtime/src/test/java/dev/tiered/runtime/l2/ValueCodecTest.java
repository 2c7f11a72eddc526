package dev.tiered.runtime.l2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

import dev.tiered.runtime.config.L2Encoding;

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
        ValueCodec.NotStorableException unreachable = assertThrows(ValueCodec.NotStorableException.class,
                () -> codec("anything").encode(new NotSerializable()));
        assertTrue(unreachable.getMessage().contains(NotSerializable.class.getName() + ", which the declared "
                + "return type does not reach"), unreachable.getMessage());
        ValueCodec small = ValueCodec.of(Returns.class.getDeclaredMethod("name"), List.of(), 64);
        assertThrows(ValueCodec.NotStorableException.class, () -> small.encode("x".repeat(100)));
    }

    @Test
    void tieredCodecChoosesJavaSerializationTheFieldEncodingOrEachWhereItFits() throws Exception {
        assertEquals(1, codec("product").encode(P)[2], "auto: a Serializable value by Java serialization");
        ValueCodec fields = ValueCodec.of(Returns.class.getDeclaredMethod("product"), List.of(), 1 << 20,
                L2Encoding.FIELDS);
        byte[] stored = fields.encode(P);
        assertEquals(ValueCodec.FIELDS, stored[2]);
        assertEquals(P, fields.decode(stored));
        ValueCodec.DecodeException never = assertThrows(ValueCodec.DecodeException.class,
                () -> fields.decode(envelope(fields, P)));
        assertTrue(never.getMessage().contains("tiered.codec=fields never reads"), never.getMessage());
        ValueCodec java = ValueCodec.of(Returns.class.getDeclaredMethod("opaque"), List.of(), 1 << 20,
                L2Encoding.JAVA);
        ValueCodec.NotStorableException refused = assertThrows(ValueCodec.NotStorableException.class,
                () -> java.encode(new NotSerializable()));
        assertTrue(refused.getMessage().contains("is not java.io.Serializable"), refused.getMessage());
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
        return envelope(codec, serialize(payloadObject));
    }

    private static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /** A well-formed envelope around a Java serialization stream. */
    private static byte[] envelope(ValueCodec codec, byte[] payload) {
        int serial = 1;
        CRC32C crc = new CRC32C();
        crc.update(serial);
        crc.update(payload);
        return ByteBuffer.allocate(ValueCodec.HEADER + payload.length).put(ValueCodec.MAGIC).put(ValueCodec.FORMAT)
                .put((byte) serial).putLong(codec.fingerprint()).putInt((int) crc.getValue()).put(payload).array();
    }

    @Test
    void refusesAnUnreachableClassAJdkGadgetClassAndADynamicProxy() throws Exception {
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

    /**
     * Records what {@link Trap} went through. Public, and loaded by the test's own class loader: a Trap defined by
     * another loader sees the same flags.
     */
    public static final class TrapFlags {
        public static final AtomicBoolean INITIALIZED = new AtomicBoolean();
        public static final AtomicBoolean CONSTRUCTED = new AtomicBoolean();
        public static final AtomicBoolean READ = new AtomicBoolean();

        static void reset() {
            INITIALIZED.set(false);
            CONSTRUCTED.set(false);
            READ.set(false);
        }

        static boolean any() {
            return INITIALIZED.get() || CONSTRUCTED.get() || READ.get();
        }
    }

    /** Deserializing a Trap runs this constructor: that of its first superclass that is not Serializable. */
    static class TrapBase {
        TrapBase() {
            TrapFlags.CONSTRUCTED.set(true);
        }
    }

    /** A gadget: its static initializer, its superclass's constructor and its readObject each set a flag. */
    static final class Trap extends TrapBase implements Serializable {
        private static final long serialVersionUID = 1L;

        static {
            TrapFlags.INITIALIZED.set(true);
        }

        String payload;

        private void readObject(java.io.ObjectInputStream in) throws IOException, ClassNotFoundException {
            TrapFlags.READ.set(true);
            in.defaultReadObject();
        }
    }

    /**
     * Trap's twin (same name length, serialVersionUID and fields): the stream is written from a Bait and renamed,
     * so that no Trap is ever loaded to write it.
     */
    static final class Bait implements Serializable {
        private static final long serialVersionUID = 1L;
        String payload = "planted";
    }

    /** Whose method's codec reads the stream: loaded, with Trap, by an {@link IsolatingLoader}. */
    @SuppressWarnings("unused")
    static final class TrapHolder {
        Object anything() { return null; }
    }

    /**
     * Defines the given classes itself from the test's class files (so each instance has fresh ones, never
     * initialized), delegates the rest, and records every name it is asked for.
     */
    static final class IsolatingLoader extends ClassLoader {
        final Set<String> requested = ConcurrentHashMap.newKeySet();
        private final Set<String> own;

        IsolatingLoader(Class<?>... own) {
            super(ValueCodecTest.class.getClassLoader());
            this.own = Arrays.stream(own).map(Class::getName).collect(Collectors.toSet());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            requested.add(name);
            if (!own.contains(name)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        byte[] b = in.readAllBytes();
                        c = defineClass(name, b, 0, b.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                return c;
            }
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }
    }

    private static final String TRAP = "dev.tiered.runtime.l2.ValueCodecTest$Trap";

    /** A stream that deserializes to a Trap, written without loading Trap. */
    private static byte[] trapStream() throws IOException {
        byte[] stream = serialize(new Bait());
        byte[] from = Bait.class.getName().getBytes(StandardCharsets.UTF_8);
        byte[] to = TRAP.getBytes(StandardCharsets.UTF_8);
        assertEquals(from.length, to.length);
        int at = indexOf(stream, from);
        assertTrue(at > 0 && indexOf(Arrays.copyOfRange(stream, at + 1, stream.length), from) < 0, "named once");
        System.arraycopy(to, 0, stream, at, to.length);
        return stream;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void aClassOutsideTheAllowListIsRefusedBeforeItIsLoadedInitializedConstructedOrRead() throws Exception {
        TrapFlags.reset();
        byte[] stream = trapStream();
        IsolatingLoader loader = new IsolatingLoader(TrapHolder.class, Trap.class, TrapBase.class);
        Method method = loader.loadClass(TrapHolder.class.getName()).getDeclaredMethod("anything");
        ValueCodec strict = ValueCodec.of(method, List.of(), 1 << 20);
        byte[] bytes = envelope(strict, stream);
        ValueCodec.DecodeException e = assertThrows(ValueCodec.DecodeException.class, () -> strict.decode(bytes));
        assertFalse(loader.requested.contains(TRAP), "the method's class loader was asked for " + TRAP);
        assertFalse(loader.loaded(TRAP));
        assertFalse(TrapFlags.any(), "initialized " + TrapFlags.INITIALIZED + ", constructed "
                + TrapFlags.CONSTRUCTED + ", read " + TrapFlags.READ);
        assertTrue(e.getMessage().contains(TRAP) && e.getMessage().contains("allow-list"), e.getMessage());

        // the same bytes, where the allow-list admits the class, do load, initialize, construct and read it
        IsolatingLoader admitting = new IsolatingLoader(TrapHolder.class, Trap.class, TrapBase.class);
        Method admitted = admitting.loadClass(TrapHolder.class.getName()).getDeclaredMethod("anything");
        ValueCodec widened = ValueCodec.of(admitted, List.of(TRAP), 1 << 20);
        Object trap = widened.decode(envelope(widened, stream));
        assertEquals(TRAP, trap.getClass().getName());
        assertSame(admitting, trap.getClass().getClassLoader());
        assertTrue(TrapFlags.INITIALIZED.get() && TrapFlags.CONSTRUCTED.get() && TrapFlags.READ.get(),
                "the trap works: initialized " + TrapFlags.INITIALIZED + ", constructed " + TrapFlags.CONSTRUCTED
                        + ", read " + TrapFlags.READ);
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
