package dev.tiered.runtime.l2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.LocalDate;
import java.time.DayOfWeek;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

import com.esotericsoftware.kryo.io.Output;

/**
 * Results that are not Serializable (records, plain classes, collections of them) reach L2 through the field
 * encoding, in a closed world whose decoding costs no more than its bytes, whatever a forged value claims.
 */
class FieldCodecTest {
    record OwnerView(long id, String name, List<String> pets, LocalDate since) {}

    /** A DTO as written by hand: no Serializable, no equals, fields only. */
    static final class Invoice {
        long number;
        BigDecimal total;
        Map<String, Integer> lines = new LinkedHashMap<>();
        UUID reference;
    }

    static final class Node {
        Node next;
    }

    record Unreached(String secret) {}

    record Schedule(Optional<String> note, TreeMap<String, Integer> slots, EnumSet<DayOfWeek> days,
                    ArrayDeque<Long> queue, OptionalInt limit) {}

    @SuppressWarnings("unused")
    static final class Returns {
        OwnerView view() { return null; }
        OwnerView[] array() { return null; }
        List<OwnerView> views() { return null; }
        Invoice invoice() { return null; }
        Node node() { return null; }
        Schedule schedule() { return null; }
        Object anything() { return null; }
        Set<Set<Object>> sets() { return null; }
    }

    private static ValueCodec codec(String method) throws Exception {
        return ValueCodec.of(Returns.class.getDeclaredMethod(method), List.of(), 1 << 20);
    }

    private static final OwnerView ANN = new OwnerView(1, "Ann", List.of("Rex", "Tom"), LocalDate.of(2020, 1, 2));

    @Test
    void recordsPlainClassesAndTheirCollectionsReachL2() throws Exception {
        assertEquals(ANN, codec("view").decode(codec("view").encode(ANN)));
        List<OwnerView> views = new ArrayList<>(List.of(ANN, new OwnerView(2, "Bob", List.of(), null)));
        assertEquals(views, codec("views").decode(codec("views").encode(views)));
        assertEquals(List.of(ANN), codec("views").decode(codec("views").encode(List.of(ANN))));

        Invoice invoice = new Invoice();
        invoice.number = 42;
        invoice.total = new BigDecimal("19.90");
        invoice.lines.put("widget", 2);
        invoice.reference = UUID.randomUUID();
        OwnerView[] array = {ANN, null};
        assertArrayEquals(array, (OwnerView[]) codec("array").decode(codec("array").encode(array)));
        Invoice back = (Invoice) codec("invoice").decode(codec("invoice").encode(invoice));
        assertEquals(42, back.number);
        assertEquals(invoice.total, back.total);
        assertEquals(invoice.lines, back.lines);
        assertEquals(invoice.reference, back.reference);
    }

    @Test
    void optionalsSortedMapsEnumSetsAndDequesInsideARecordToo() throws Exception {
        Schedule s = new Schedule(Optional.of("weekly"), new TreeMap<>(Map.of("b", 2, "a", 1)),
                EnumSet.of(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), new ArrayDeque<>(List.of(3L, 1L)), OptionalInt.of(7));
        Schedule back = (Schedule) codec("schedule").decode(codec("schedule").encode(s));
        assertEquals(s.note(), back.note());
        assertEquals(s.slots(), back.slots());
        assertEquals(List.of("a", "b"), List.copyOf(back.slots().keySet()));
        assertEquals(s.days(), back.days());
        assertEquals(List.copyOf(s.queue()), List.copyOf(back.queue()));
        assertEquals(s.limit(), back.limit());
    }

    @Test
    void aPayloadOfAnotherListOfJdkRegistrationsIsAMissNotAWrongValue() throws Exception {
        ValueCodec view = codec("view");
        byte[] stored = view.encode(ANN);
        byte[] payload = java.util.Arrays.copyOfRange(stored, ValueCodec.HEADER, stored.length);
        payload[0] = FieldCodec.REGISTRY + 1;
        ValueCodec.DecodeException e = assertThrows(ValueCodec.DecodeException.class,
                () -> view.decode(envelope(view, ValueCodec.FIELDS, payload)));
        assertTrue(e.getMessage().contains("JDK registrations"), e.getMessage());
    }

    @Test
    void largeValuesAreCompressedAndComeBackWhole() throws Exception {
        List<OwnerView> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(new OwnerView(i, "owner number " + i, List.of("a pet called Rex", "a pet called Tom"), null));
        }
        byte[] stored = codec("views").encode(many);
        assertEquals(ValueCodec.FIELDS | ValueCodec.COMPRESSED, stored[2]);
        assertEquals(many, codec("views").decode(stored));
    }

    @Test
    void whatTheDeclaredTypeDoesNotReachACycleOrAnUnsupportedJdkTypeIsNotStoredAndSaysWhy() throws Exception {
        ValueCodec.NotStorableException unreached = assertThrows(ValueCodec.NotStorableException.class,
                () -> codec("anything").encode(new Unreached("x")));
        assertTrue(unreached.getMessage().contains("does not reach"), unreached.getMessage());
        Node a = new Node();
        a.next = new Node();
        a.next.next = a;
        ValueCodec.NotStorableException cycle = assertThrows(ValueCodec.NotStorableException.class,
                () -> codec("node").encode(a));
        assertTrue(cycle.getMessage().contains("cycle"), cycle.getMessage());
        ValueCodec.NotStorableException jdk = assertThrows(ValueCodec.NotStorableException.class,
                () -> codec("views").encode(new ArrayList<>(List.of(ANN, ANN)).subList(0, 1)));
        assertTrue(jdk.getMessage().contains("java.util.ArrayList$SubList, which the field encoding does not take"),
                jdk.getMessage());
    }

    /** A well-formed envelope (fingerprint, checksum) around a forged field-encoded payload. */
    private static byte[] envelope(ValueCodec codec, int kind, byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(kind);
        crc.update(payload);
        return ByteBuffer.allocate(ValueCodec.HEADER + payload.length).put(ValueCodec.MAGIC).put(ValueCodec.FORMAT)
                .put((byte) kind).putLong(codec.fingerprint()).putInt((int) crc.getValue()).put(payload).array();
    }

    /** A stream that names a registered class, then claims a length (after a flag bit, if any), then ends. */
    private static byte[] claim(ValueCodec codec, Class<?> type, Boolean flag, int length) {
        Output out = new Output(32);
        out.writeByte(FieldCodec.REGISTRY);
        out.writeVarInt(codec.fields().registrationId(type) + 2, true); // Kryo writes a class as its id + 2
        if (flag != null) {
            out.writeVarIntFlag(flag, length + 1, true);
        } else {
            out.writeVarInt(length + 1, true);
        }
        out.writeByte(1);
        return out.toBytes();
    }

    @Test
    void aForgedValueClaimingHugeLengthsCostsNoMoreThanItsBytes() throws Exception {
        ValueCodec views = codec("views");
        ValueCodec anything = codec("anything");
        Map<byte[], ValueCodec> forged = Map.of(
                envelope(views, ValueCodec.FIELDS, claim(views, ArrayList.class, false, Integer.MAX_VALUE - 1)),
                views,
                envelope(views, ValueCodec.FIELDS, claim(views, HashSet.class, false, 1 << 30)), views,
                envelope(anything, ValueCodec.FIELDS, claim(anything, LinkedHashMap.class, null, 1 << 30)), anything,
                envelope(anything, ValueCodec.FIELDS, claim(anything, long[].class, null, 1 << 30)), anything,
                envelope(anything, ValueCodec.FIELDS, claim(anything, Object[].class, null, 1 << 30)), anything,
                envelope(anything, ValueCodec.FIELDS, claim(anything, List.of().getClass(), null, 1 << 30)), anything,
                envelope(anything, ValueCodec.FIELDS, claim(anything, String.class, true, 1 << 30)), anything);
        forged.forEach((bytes, codec) -> assertTimeoutPreemptively(Duration.ofSeconds(1),
                () -> assertThrows(ValueCodec.DecodeException.class, () -> codec.decode(bytes)),
                "a miss, not an allocation"));
        // a compressed payload claiming more than tiered.l2.maxValueBytes once inflated
        byte[] inflated = ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).putInt(0).array();
        assertThrows(ValueCodec.DecodeException.class,
                () -> views.decode(envelope(views, ValueCodec.FIELDS | ValueCodec.COMPRESSED, inflated)));
    }

    /**
     * Sets nested in sets, each holding two sets that are one shared set in the classic attack on Java
     * serialization: without references the stream must spell every set out, so depth 30 is a billion sets no one
     * can send, and what can be sent decodes in time proportional to its size.
     */
    @Test
    void nestedSetsCostTheirSizeNotTheExponentialOfTheirDepth() throws Exception {
        Set<Object> root = new HashSet<>(); // built from the inside out: a set's hash is fixed once it is added
        for (int i = 0; i < 40; i++) {
            Set<Object> outer = new HashSet<>();
            outer.add(root);
            outer.add(Integer.toString(i));
            root = outer;
        }
        Set<Object> nested = root;
        ValueCodec sets = codec("sets");
        byte[] stored = sets.encode(Set.of(nested));
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertEquals(Set.of(nested), sets.decode(stored)));
    }
}
