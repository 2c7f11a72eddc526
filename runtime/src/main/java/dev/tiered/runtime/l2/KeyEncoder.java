package dev.tiered.runtime.l2;

import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Turns argument values into the argument part of an L2 key.
 *
 * <p>The encoding is readable and injective for the method's declared parameter types: strings are quoted with
 * escapes, numbers use their canonical {@code toString}, enums their constant name, arrays and lists
 * {@code [a,b]}, records {@code (a,b)}, and {@code null} is {@code null}. Values whose runtime class does not match
 * the declared type (possible only through unchecked casts) are refused rather than encoded ambiguously. An
 * argument part longer than {@value #MAX_ARGUMENT_CHARS} characters is replaced by {@code #} and the base64url
 * SHA-256 of its UTF-8 form, so keys stay short however large the arguments.
 */
public final class KeyEncoder {
    public static final int MAX_ARGUMENT_CHARS = 256;

    private static final ClassValue<Method[]> RECORD_ACCESSORS = new ClassValue<>() {
        @Override
        protected Method[] computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            Method[] accessors = new Method[components.length];
            for (int i = 0; i < components.length; i++) {
                accessors[i] = components[i].getAccessor();
                accessors[i].setAccessible(true);
            }
            return accessors;
        }
    };

    private final List<KeyType> types;

    public KeyEncoder(List<KeyType> types) {
        this.types = List.copyOf(types);
    }

    /** Thrown when a value cannot be encoded; the call then skips L2. */
    public static final class EncodingException extends Exception {
        EncodingException(String message) {
            super(message, null, false, false);
        }
    }

    /** The argument part of the key for the given argument values. */
    public String arguments(Object[] args) throws EncodingException {
        StringBuilder sb = new StringBuilder(32);
        for (int i = 0; i < args.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            encode(sb, types.get(i), args[i]);
        }
        if (sb.length() > MAX_ARGUMENT_CHARS) {
            return "#" + sha256(sb.toString());
        }
        return sb.toString();
    }

    private static String sha256(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static void encode(StringBuilder sb, KeyType type, Object value) throws EncodingException {
        if (value == null) {
            sb.append("null");
        } else if (type instanceof KeyType.Scalar) {
            scalar(sb, (KeyType.Scalar) type, value);
        } else if (type instanceof KeyType.EnumOf) {
            String expected = ((KeyType.EnumOf) type).className();
            if (!(value instanceof Enum) || !((Enum<?>) value).getDeclaringClass().getName().equals(expected)) {
                throw mismatch(expected, value);
            }
            sb.append(((Enum<?>) value).name());
        } else if (type instanceof KeyType.ArrayOf) {
            if (!value.getClass().isArray()) {
                throw mismatch("an array", value);
            }
            KeyType component = ((KeyType.ArrayOf) type).component();
            sb.append('[');
            int length = Array.getLength(value);
            for (int i = 0; i < length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                encode(sb, component, Array.get(value, i));
            }
            sb.append(']');
        } else if (type instanceof KeyType.ListOf) {
            if (!(value instanceof List)) {
                throw mismatch("java.util.List", value);
            }
            KeyType element = ((KeyType.ListOf) type).element();
            sb.append('[');
            boolean first = true;
            for (Object item : (List<?>) value) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                encode(sb, element, item);
            }
            sb.append(']');
        } else if (type instanceof KeyType.RecordOf) {
            KeyType.RecordOf record = (KeyType.RecordOf) type;
            if (!value.getClass().getName().equals(record.className())) {
                throw mismatch(record.className(), value);
            }
            Method[] accessors = RECORD_ACCESSORS.get(value.getClass());
            if (accessors.length != record.components().size()) {
                throw new EncodingException(record.className() + " has changed shape since its class was loaded");
            }
            sb.append('(');
            for (int i = 0; i < accessors.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                Object component;
                try {
                    component = accessors[i].invoke(value);
                } catch (ReflectiveOperationException e) {
                    throw new EncodingException("cannot read " + record.className() + "." + accessors[i].getName()
                            + ": " + e);
                }
                encode(sb, record.components().get(i).type(), component);
            }
            sb.append(')');
        } else {
            throw new EncodingException("no stable encoding for " + ((KeyType.Unsupported) type).typeName());
        }
    }

    private static void scalar(StringBuilder sb, KeyType.Scalar type, Object v) throws EncodingException {
        switch (type) {
            case BOOLEAN: sb.append((boolean) expect(v, Boolean.class, type)); break;
            case BYTE: sb.append((byte) expect(v, Byte.class, type)); break;
            case SHORT: sb.append((short) expect(v, Short.class, type)); break;
            case INT: sb.append((int) expect(v, Integer.class, type)); break;
            case LONG: sb.append((long) expect(v, Long.class, type)); break;
            case FLOAT: sb.append((float) expect(v, Float.class, type)); break;
            case DOUBLE: sb.append((double) expect(v, Double.class, type)); break;
            case CHAR: quote(sb, String.valueOf((char) expect(v, Character.class, type))); break;
            case STRING: quote(sb, expect(v, String.class, type)); break;
            case UUID: sb.append(expect(v, UUID.class, type)); break;
            case BIG_DECIMAL: sb.append(expect(v, BigDecimal.class, type)); break;
            case BIG_INTEGER: sb.append(expect(v, BigInteger.class, type)); break;
            case INSTANT: sb.append(expect(v, Instant.class, type)); break;
            case LOCAL_DATE: sb.append(expect(v, LocalDate.class, type)); break;
            case LOCAL_TIME: sb.append(expect(v, LocalTime.class, type)); break;
            case LOCAL_DATE_TIME: sb.append(expect(v, LocalDateTime.class, type)); break;
            case OFFSET_DATE_TIME: sb.append(expect(v, OffsetDateTime.class, type)); break;
            case OFFSET_TIME: sb.append(expect(v, OffsetTime.class, type)); break;
            // the only java.time form with brackets ("...[Europe/Paris]"), so it is quoted like a string
            case ZONED_DATE_TIME: quote(sb, expect(v, ZonedDateTime.class, type).toString()); break;
            case DURATION: sb.append(expect(v, Duration.class, type)); break;
            case PERIOD: sb.append(expect(v, Period.class, type)); break;
            case YEAR: sb.append(expect(v, Year.class, type)); break;
            case YEAR_MONTH: sb.append(expect(v, YearMonth.class, type)); break;
            case MONTH_DAY: sb.append(expect(v, MonthDay.class, type)); break;
            case ZONE_ID: sb.append(expect(v, ZoneId.class, type).getId()); break;
            case ZONE_OFFSET: sb.append(expect(v, ZoneOffset.class, type).getId()); break;
            default: throw new EncodingException("no encoding for " + type);
        }
    }

    private static <T> T expect(Object v, Class<T> type, KeyType.Scalar scalar) throws EncodingException {
        if (!type.isInstance(v)) {
            throw mismatch(scalar.boxed, v);
        }
        return type.cast(v);
    }

    private static EncodingException mismatch(String expected, Object value) {
        return new EncodingException("expected " + expected + " but got " + value.getClass().getName());
    }

    /** Appends {@code s} in double quotes; quotes, backslashes, control characters and lone surrogates escaped. */
    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                unicode(sb, c);
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                unicode(sb, c); // a lone surrogate has no UTF-8 form and would collide with '?'
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }

    private static void unicode(StringBuilder sb, char c) {
        sb.append("\\u").append(String.format("%04x", (int) c));
    }
}
