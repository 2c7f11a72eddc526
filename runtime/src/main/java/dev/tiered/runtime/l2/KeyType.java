package dev.tiered.runtime.l2;

import java.util.List;
import java.util.Map;

/**
 * How one parameter of a cached method is encoded into an L2 key, decided from its declared type when the class
 * loads. Only types whose values have a stable, injective text form qualify: two different argument values never
 * give the same key, and the same value gives the same key in every JVM and after every restart.
 */
public sealed interface KeyType {

    /** Types encoded from their own canonical text form. */
    enum Scalar implements KeyType {
        BOOLEAN("boolean", "java.lang.Boolean"),
        BYTE("byte", "java.lang.Byte"),
        SHORT("short", "java.lang.Short"),
        INT("int", "java.lang.Integer"),
        LONG("long", "java.lang.Long"),
        CHAR("char", "java.lang.Character"),
        FLOAT("float", "java.lang.Float"),
        DOUBLE("double", "java.lang.Double"),
        STRING(null, "java.lang.String"),
        UUID(null, "java.util.UUID"),
        BIG_DECIMAL(null, "java.math.BigDecimal"),
        BIG_INTEGER(null, "java.math.BigInteger"),
        INSTANT(null, "java.time.Instant"),
        LOCAL_DATE(null, "java.time.LocalDate"),
        LOCAL_TIME(null, "java.time.LocalTime"),
        LOCAL_DATE_TIME(null, "java.time.LocalDateTime"),
        OFFSET_DATE_TIME(null, "java.time.OffsetDateTime"),
        OFFSET_TIME(null, "java.time.OffsetTime"),
        ZONED_DATE_TIME(null, "java.time.ZonedDateTime"),
        DURATION(null, "java.time.Duration"),
        PERIOD(null, "java.time.Period"),
        YEAR(null, "java.time.Year"),
        YEAR_MONTH(null, "java.time.YearMonth"),
        MONTH_DAY(null, "java.time.MonthDay"),
        ZONE_ID(null, "java.time.ZoneId"),
        ZONE_OFFSET(null, "java.time.ZoneOffset");

        private static final Map<String, Scalar> BY_NAME;

        static {
            Map<String, Scalar> byName = new java.util.HashMap<>();
            for (Scalar s : values()) {
                byName.put(s.boxed, s);
                if (s.primitive != null) {
                    byName.put(s.primitive, s);
                }
            }
            BY_NAME = Map.copyOf(byName);
        }

        final String primitive;
        final String boxed;

        Scalar(String primitive, String boxed) {
            this.primitive = primitive;
            this.boxed = boxed;
        }

        /** The scalar for a type name such as {@code "long"} or {@code "java.time.Instant"}, or {@code null}. */
        public static Scalar forTypeName(String name) {
            return BY_NAME.get(name);
        }
    }

    /** An enum, encoded by constant name (stable across reorderings). */
    record EnumOf(String className) implements KeyType {}

    /** An array of any encodable component type. */
    record ArrayOf(KeyType component) implements KeyType {}

    /** A {@code java.util.List} with an encodable element type. */
    record ListOf(KeyType element) implements KeyType {}

    /** A record whose components are all encodable. */
    record RecordOf(String className, List<Component> components) implements KeyType {
        public RecordOf {
            components = List.copyOf(components);
        }

        public record Component(String name, KeyType type) {}
    }

    /** A type with no stable encoding; {@code typeName} is how the type is shown in the error. */
    record Unsupported(String typeName) implements KeyType {}

    /** The accepted parameter types, for error messages. */
    String ACCEPTED = "primitives and their boxes, String, enums, UUID, BigDecimal, BigInteger, java.time values, "
            + "and arrays, Lists and records of these";

    /** The first unsupported type inside this one, or {@code null} when all of it is encodable. */
    default Unsupported firstUnsupported() {
        if (this instanceof Unsupported u) {
            return u;
        }
        if (this instanceof ArrayOf a) {
            return a.component().firstUnsupported();
        }
        if (this instanceof ListOf l) {
            return l.element().firstUnsupported();
        }
        if (this instanceof RecordOf r) {
            for (RecordOf.Component c : r.components()) {
                Unsupported u = c.type().firstUnsupported();
                if (u != null) {
                    return u;
                }
            }
        }
        return null;
    }
}
