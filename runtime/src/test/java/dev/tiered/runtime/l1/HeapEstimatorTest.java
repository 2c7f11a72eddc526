package dev.tiered.runtime.l1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.tiered.testkit.JvmProcess;

/**
 * Expectations are computed from this JVM's layout as {@code sun.misc.Unsafe} reports it (read reflectively), so
 * that they hold whatever the VM's options, and so that the estimator's own reading of the layout is checked too.
 */
class HeapEstimatorTest {
    private static final int HEADER = Jvm.offsetOfFirstField();
    private static final int REFERENCE = Jvm.intConstant("ARRAY_OBJECT_INDEX_SCALE");
    private static final int BYTE_ARRAY_BASE = Jvm.intConstant("ARRAY_BYTE_BASE_OFFSET");
    private static final int LONG_ARRAY_BASE = Jvm.intConstant("ARRAY_LONG_BASE_OFFSET");
    private static final int OBJECT_ARRAY_BASE = Jvm.intConstant("ARRAY_OBJECT_BASE_OFFSET");
    /** JDK 17's String: value, hash, coder, hashIsZero. */
    private static final long STRING = align(HEADER + REFERENCE + 4 + 1 + 1);

    private static long align(long bytes) {
        long alignment = HeapEstimator.ALIGNMENT;
        return (bytes + alignment - 1) / alignment * alignment;
    }

    private static long latin1(String s) {
        return STRING + align(BYTE_ARRAY_BASE + s.length());
    }

    private static long utf16(String s) {
        return STRING + align(BYTE_ARRAY_BASE + 2L * s.length());
    }

    private static long referenceArray(int length) {
        return align(OBJECT_ARRAY_BASE + (long) length * REFERENCE);
    }

    @Test
    void readsTheLayoutThisJvmUses() {
        assertEquals(HEADER, HeapEstimator.HEADER_BYTES, "object header");
        assertEquals(REFERENCE, HeapEstimator.REFERENCE_BYTES, "reference");
        assertEquals(align(BYTE_ARRAY_BASE + 3), HeapEstimator.arrayBytes(1, 3), "byte[3]");
        assertEquals(align(OBJECT_ARRAY_BASE), HeapEstimator.arrayBytes(REFERENCE, 0), "an empty Object[]");
    }

    @Test
    void countsALatin1StringAsOneByteAChar() {
        String s = new String("tiered cache entry".toCharArray());
        assertEquals(latin1(s), HeapEstimator.bytes(s));
        assertEquals(STRING + align(BYTE_ARRAY_BASE + 18), HeapEstimator.bytes(s));
    }

    @Test
    void countsAStringWithACharBeyondLatin1AsTwoBytesAChar() {
        String s = "prix : 12 €";
        assertEquals(utf16(s), HeapEstimator.bytes(s));
        assertTrue(HeapEstimator.bytes(s) > HeapEstimator.bytes("prix : 12 E"));
    }

    @Test
    void countsAPrimitiveArrayAsItsHeaderAndElements() {
        assertEquals(align(LONG_ARRAY_BASE + 10 * 8), HeapEstimator.bytes(new long[10]));
    }

    @Test
    void countsAnObjectArrayAndEachOfItsElements() {
        String a = "alpha";
        String b = "bravo-bravo";
        String c = "charlie-charlie-charlie";
        Object[] array = {a, b, c};
        assertEquals(referenceArray(3) + latin1(a) + latin1(b) + latin1(c), HeapEstimator.bytes(array));
    }

    record Price(int quantity, long cents, String currency) {
    }

    @Test
    void countsARecordFromItsFieldsAndFollowsItsReferences() {
        Price price = new Price(3, 1_999L, "EUR");
        assertEquals(align(HEADER + 4 + 8 + REFERENCE) + latin1("EUR"), HeapEstimator.bytes(price));
    }

    static final class Peer {
        Peer other;
    }

    @Test
    void countsEachObjectOfACycleOnce() {
        Peer a = new Peer();
        Peer b = new Peer();
        a.other = b;
        b.other = a;
        assertEquals(2 * align(HEADER + REFERENCE), HeapEstimator.bytes(a));
        assertEquals(HeapEstimator.bytes(a), HeapEstimator.bytes(b));
    }

    static final class Pair {
        final Object left;
        final Object right;

        Pair(Object left, Object right) {
            this.left = left;
            this.right = right;
        }
    }

    @Test
    void countsAnObjectReferencedTwiceOnce() {
        String shared = "referenced from both sides";
        assertEquals(align(HEADER + 2 * REFERENCE) + latin1(shared), HeapEstimator.bytes(new Pair(shared, shared)));
    }

    static final class Link {
        final Link next;

        Link(Link next) {
            this.next = next;
        }
    }

    @Test
    void walksAMillionLinksWithoutRecursionAndStopsAtTheBudget() {
        Link head = null;
        for (int i = 0; i < 1_000_000; i++) {
            head = new Link(head);
        }
        assertEquals(100_000 * align(HEADER + REFERENCE), HeapEstimator.bytes(head),
                "the first objects of the chain, and no more");
    }

    @Test
    void readsABoundedNumberOfReferencesToTheSameObject() {
        List<String> copies = Collections.nCopies(Integer.MAX_VALUE, "copy");
        long estimate = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> HeapEstimator.bytes(copies),
                "two billion references are not all read");
        assertEquals(align(HEADER + 4 + REFERENCE) + latin1("copy"), estimate);
    }

    @Test
    void countsAnArrayListAsItsElementsAndItsBackingArray() {
        List<String> list = new ArrayList<>();
        long strings = 0;
        for (int i = 0; i < 100; i++) {
            String s = "element-" + i;
            list.add(s);
            strings += latin1(s);
        }
        long estimate = HeapEstimator.bytes(list);
        assertTrue(estimate >= strings + referenceArray(100), estimate + " counts the strings and the array");
        assertTrue(estimate < 2 * strings, estimate + " counts nothing twice");
    }

    @Test
    void countsTheTableAndNodesOfAHashMap() {
        Map<String, String> map = new HashMap<>();
        List<String> list = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            String s = "value-" + i;
            map.put(s, s);
            list.add(s);
        }
        long node = align(HEADER + 4 + 3 * REFERENCE); // HashMap.Node: hash, key, value, next
        long difference = HeapEstimator.bytes(map) - HeapEstimator.bytes(list);
        assertTrue(difference >= 1_000 * node, difference + " is at least a node an entry more than the list");
    }

    enum Tier {
        L1, L2 {
            @Override
            public String toString() {
                return "redis";
            }
        }
    }

    @Test
    void countsNothingForNullOrWhatTheJvmShares() {
        assertEquals(0, HeapEstimator.bytes(null));
        assertEquals(0, HeapEstimator.bytes(Integer.valueOf(5)), "a cached box");
        assertEquals(0, HeapEstimator.bytes(Boolean.TRUE));
        assertEquals(0, HeapEstimator.bytes(String.class));
        assertEquals(0, HeapEstimator.bytes(TimeUnit.SECONDS));
        assertEquals(0, HeapEstimator.bytes(Tier.L2), "an enum constant with a body of its own");
        assertEquals(0, HeapEstimator.bytes(List.of()));
        assertEquals(align(HEADER + 4), HeapEstimator.bytes(Integer.valueOf(100_000)),
                "a box not cached (16 bytes in the default layout)");
        assertEquals(align(HEADER + 2 * REFERENCE), HeapEstimator.bytes(new Pair(TimeUnit.SECONDS, 5)),
                "an enum constant or a cached box held by an object costs only its reference");
    }

    @Test
    void countsTheObjectsAJdkObjectShowsThroughItsApi() {
        long localDate = align(HEADER + 4 + 2 + 2);
        long localTime = align(HEADER + 1 + 1 + 1 + 4);
        assertEquals(align(HEADER + 2 * REFERENCE) + localDate + localTime,
                HeapEstimator.bytes(LocalDateTime.of(2024, 5, 17, 10, 30, 15)));
        String held = "held by a reference";
        assertEquals(align(HEADER + REFERENCE) + latin1(held), HeapEstimator.bytes(new AtomicReference<>(held)));
        assertEquals(align(HEADER + REFERENCE) + latin1(held), HeapEstimator.bytes(Optional.of(held)));
    }

    @Test
    void neverThrowsWhileACollectionIsModifiedConcurrently() throws InterruptedException {
        List<Object> list = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            int i = 0;
            while (!stop.get()) {
                list.add(new long[] {i++});
                if (list.size() > 1_000) {
                    list.subList(0, 500).clear();
                }
            }
        });
        writer.start();
        try {
            for (int i = 0; i < 2_000; i++) {
                long estimate = HeapEstimator.bytes(list);
                assertTrue(estimate >= align(HEADER + REFERENCE + 4 + 4), estimate + " is at least the list itself");
            }
        } finally {
            stop.set(true);
            writer.join();
        }
    }

    /** A typical small cached value: a name of 20 Latin-1 chars and a few numbers. */
    static final class Sample {
        final String name;
        final long[] numbers;

        Sample(int i) {
            char[] chars = "sample-0000000000000".toCharArray();
            for (int d = chars.length - 1; i > 0; d--, i /= 10) {
                chars[d] = (char) ('0' + i % 10);
            }
            name = new String(chars);
            numbers = new long[4];
        }
    }

    /**
     * In a JVM of its own: heap measured here would count whatever the other tests' threads allocate meanwhile.
     */
    @Test
    void agreesWithTheHeapActuallyUsedWithinThirtyPercent() {
        List<Path> classpath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            classpath.add(Path.of(entry));
        }
        try (JvmProcess jvm = JvmProcess.builder("heap-check").classpath(classpath).jvmArg("-Xmx512m")
                .main(HeapCheck.class.getName()).start()) {
            String[] reply = jvm.request("measure 200000", Duration.ofSeconds(60)).split(" ");
            long estimated = Long.parseLong(reply[0]);
            long measured = Long.parseLong(reply[1]);
            assertEquals(1.0, (double) estimated / measured, 0.30,
                    "estimated " + estimated + " bytes for 200,000 samples, measured " + measured + "\n"
                            + jvm.transcript());
        }
    }

    /** The child JVM: {@code measure <count>} answers the estimate and the heap growth of that many samples. */
    public static final class HeapCheck {
        public static void main(String[] args) throws Exception {
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                int count = Integer.parseInt(line.trim().split(" ")[1]);
                List<Sample> samples = new ArrayList<>(count);
                long before = settledUsedHeap();
                for (int i = 0; i < count; i++) {
                    samples.add(new Sample(i));
                }
                long after = settledUsedHeap();
                long estimated = HeapEstimator.bytes(samples.get(count - 1)) * samples.size();
                System.out.println(JvmProcess.REPLY + estimated + " " + (after - before));
                System.out.flush();
            }
        }
    }

    /** The heap in use once a full collection no longer frees anything. */
    private static long settledUsedHeap() {
        Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            System.gc();
            long now = runtime.totalMemory() - runtime.freeMemory();
            if (now >= used) {
                break;
            }
            used = now;
        }
        return used;
    }

    /** This JVM's layout, as {@code sun.misc.Unsafe} reports it. */
    private static final class Jvm {
        static final class OneInt {
            int value;
        }

        static int intConstant(String name) {
            try {
                return Class.forName("sun.misc.Unsafe").getField(name).getInt(null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("sun.misc.Unsafe." + name + " is not readable on this JVM", e);
            }
        }

        /** Where the first field of an object goes: right after the header. */
        static int offsetOfFirstField() {
            try {
                Class<?> type = Class.forName("sun.misc.Unsafe");
                Field theUnsafe = type.getDeclaredField("theUnsafe");
                theUnsafe.setAccessible(true);
                Field value = OneInt.class.getDeclaredField("value");
                return (int) (long) type.getMethod("objectFieldOffset", Field.class).invoke(theUnsafe.get(null), value);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("sun.misc.Unsafe.objectFieldOffset is not usable on this JVM", e);
            }
        }
    }
}
