package dev.tiered.runtime.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.tiered.runtime.Specs;

class KeyEncoderTest {
    enum Color { RED, GREEN }

    record Range(LocalDate from, LocalDate to) {}

    record Query(String text, List<Integer> pages, Color color, Range range) {}

    private static String encode(List<KeyType> types, Object... args) throws KeyEncoder.EncodingException {
        return new KeyEncoder(types).arguments(args);
    }

    private static String one(Class<?> type, Object value) throws KeyEncoder.EncodingException {
        return encode(List.of(Specs.keyType(type)), value);
    }

    @Test
    void encodesScalarsInTheirCanonicalReadableForm() throws Exception {
        UUID id = UUID.fromString("6f1c1ea4-2a6e-4b2f-9d2c-4c1b3a7d9e10");
        assertEquals("42", one(long.class, 42L));
        assertEquals("-7", one(Integer.class, -7));
        assertEquals("true", one(boolean.class, true));
        assertEquals("1.5", one(double.class, 1.5));
        assertEquals("\"x\"", one(char.class, 'x'));
        assertEquals("\"hello\"", one(String.class, "hello"));
        assertEquals(id.toString(), one(UUID.class, id));
        assertEquals("1.50", one(BigDecimal.class, new BigDecimal("1.50")));
        assertEquals("2024-01-02T03:04:05Z", one(Instant.class, Instant.parse("2024-01-02T03:04:05Z")));
        assertEquals("Europe/Paris", one(ZoneId.class, ZoneId.of("Europe/Paris")));
        assertEquals("null", one(String.class, null));
        assertEquals("GREEN", one(Color.class, Color.GREEN));
    }

    @Test
    void encodesArraysListsAndRecordsStructurally() throws Exception {
        assertEquals("[1,2,3]", one(int[].class, new int[] {1, 2, 3}));
        assertEquals("[[\"a\"],[]]", one(String[][].class, new String[][] {{"a"}, {}}));
        Query q = new Query("a,b", List.of(1, 2), Color.RED, new Range(LocalDate.of(2024, 1, 1), null));
        assertEquals("(\"a,b\",[1,2],RED,(2024-01-01,null))", one(Query.class, q));
        assertEquals("1,\"x\"", encode(List.of(KeyType.Scalar.LONG, KeyType.Scalar.STRING), 1L, "x"));
        assertEquals("", encode(List.of()));
    }

    @Test
    void differentArgumentsNeverShareAKey() throws Exception {
        List<KeyType> twoStrings = List.of(KeyType.Scalar.STRING, KeyType.Scalar.STRING);
        List<Object[]> cases = new ArrayList<>(List.of(
                new Object[] {"a,b", "c"}, new Object[] {"a", "b,c"}, new Object[] {"a\",\"b", "c"},
                new Object[] {"a", "\",\"b\",\"c"}, new Object[] {null, "x"}, new Object[] {"null", "x"},
                new Object[] {"", "x"}, new Object[] {"\\", "x"}, new Object[] {"\\\\", "x"},
                new Object[] {"\uD800", "x"}, new Object[] {"?", "x"}, new Object[] {"\uDC00\uD800", "x"},
                new Object[] {"\n", "x"}, new Object[] {"\\u000a", "x"}, new Object[] {"é", "x"},
                new Object[] {"e\u0301", "x"}));
        Set<String> seen = new HashSet<>();
        for (Object[] args : cases) {
            assertTrue(seen.add(encode(twoStrings, args)), "collision for " + Arrays.toString(args));
        }
        assertNotEquals(one(double.class, 0.0), one(double.class, -0.0));
        assertEquals(one(double.class, Double.NaN), one(double.class, Double.longBitsToDouble(0x7ff8000000000001L)));
        assertNotEquals(one(BigDecimal.class, new BigDecimal("1.0")), one(BigDecimal.class, new BigDecimal("1.00")));
        List<KeyType> listThenString = List.of(new KeyType.ListOf(KeyType.Scalar.STRING), KeyType.Scalar.STRING);
        assertNotEquals(encode(listThenString, List.of("a", "b"), "c"), encode(listThenString, List.of("a"), "b,c"));
    }

    @Test
    void zonedDateTimesAreQuotedBecauseTheirFormHasBrackets() throws Exception {
        ZonedDateTime t = ZonedDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneId.of("Europe/Paris"));
        assertEquals("[\"2024-01-01T00:00+01:00[Europe/Paris]\"]", one(ZonedDateTime[].class, new ZonedDateTime[] {t}));
    }

    @Test
    void longArgumentsAreHashedIntoAShortCollisionResistantForm() throws Exception {
        String big = "x".repeat(10_000);
        String encoded = one(String.class, big);
        assertTrue(encoded.startsWith("#") && encoded.length() == 44, encoded);
        assertNotEquals(encoded, one(String.class, big + "y"));
        assertEquals(encoded, one(String.class, "x".repeat(10_000)));
    }

    @Test
    void tenMegabyteArgumentsDifferingOnlyInOneCharacterGetDifferentShortForms() throws Exception {
        String big = "x".repeat(10 << 20);
        String encoded = one(String.class, big);
        String lastDiffers = one(String.class, big.substring(0, big.length() - 1) + "y");
        String firstDiffers = one(String.class, "y" + big.substring(1));
        for (String form : List.of(encoded, lastDiffers, firstDiffers)) {
            assertTrue(form.startsWith("#") && form.length() == 44,
                    () -> form.substring(0, Math.min(80, form.length())) + "... (" + form.length() + " chars)");
        }
        assertEquals(3, Set.of(encoded, lastDiffers, firstDiffers).size());
        List<KeyType> list = List.of(new KeyType.ListOf(KeyType.Scalar.LONG));
        List<Long> many = new ArrayList<>();
        for (long i = 0; i < 100_000; i++) {
            many.add(i);
        }
        List<Long> lastElementDiffers = new ArrayList<>(many);
        lastElementDiffers.set(many.size() - 1, -1L);
        assertNotEquals(encode(list, many), encode(list, lastElementDiffers));
    }

    @Test
    void anArgumentPartIsHashedFromOneCharacterPastTheLimitAndNeverMeetsALiteralOne() throws Exception {
        String atLimit = one(String.class, "a".repeat(KeyEncoder.MAX_ARGUMENT_CHARS - 2)); // quoted
        assertEquals(KeyEncoder.MAX_ARGUMENT_CHARS, atLimit.length());
        assertEquals('"', atLimit.charAt(0), "kept as it is");
        String pastLimit = one(String.class, "a".repeat(KeyEncoder.MAX_ARGUMENT_CHARS - 1));
        assertTrue(pastLimit.startsWith("#") && pastLimit.length() == 44, pastLimit);
        // a literal part never starts with '#': a string that reads like a hash is quoted
        assertNotEquals(pastLimit, one(String.class, pastLimit));
        assertNotEquals(pastLimit, one(String.class, pastLimit.substring(1)));
    }

    @Test
    void refusesAValueWhoseClassDoesNotMatchTheDeclaredType() {
        List<KeyType> longs = List.of(new KeyType.ListOf(KeyType.Scalar.LONG));
        KeyEncoder.EncodingException e = assertThrows(KeyEncoder.EncodingException.class,
                () -> encode(longs, List.of(1)));
        assertTrue(e.getMessage().contains("expected java.lang.Long but got java.lang.Integer"), e.getMessage());
        assertThrows(KeyEncoder.EncodingException.class,
                () -> encode(List.of(new KeyType.Unsupported("java.lang.Object")), new Object()));
    }
}
