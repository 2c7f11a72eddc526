package dev.tiered.runtime.l1;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.AbstractMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * An estimate of the heap that a cached value retains, for bounding L1 in bytes ({@code tiered.l1.maxBytes}): the
 * object graph reachable from the value is walked once, when the entry is loaded, and never on a hit.
 *
 * <p>Sizes follow the object layout of a 64-bit HotSpot JVM, read once from the VM's options: an object header of
 * 12 bytes with compressed class pointers (16 without, 8 with compact object headers), references of 4 bytes with
 * compressed oops (8 without), an array's elements after its 4-byte length, every object rounded up to
 * {@code ObjectAlignmentInBytes}. An object is its header plus the sum of its instance fields over its class
 * hierarchy, as HotSpot (since JDK 15) packs fields without holes but the one the header may leave. Where an option
 * cannot be read (another VM, no {@code jdk.management}), the default configuration is assumed.
 *
 * <p>What is counted:
 * <ul>
 * <li>Each object reachable from the value, once per call however often it is referenced; cycles end.</li>
 * <li>Nothing for objects the whole JVM shares: classes, enum constants, class loaders, threads,
 *     {@code Boolean.TRUE} and {@code FALSE} and the boxes of the JDK's small-value caches (identity with
 *     {@code valueOf} decides), and the JDK's empty collections and constants such as {@link BigDecimal#ZERO}.</li>
 * <li>A {@link String} as its object plus a {@code byte[]} of one byte a char when every char fits in Latin-1 (compact
 *     strings), two bytes otherwise.</li>
 * <li>Fields of application classes are read, after {@link Field#trySetAccessible()}; a field that stays
 *     inaccessible (a named module not opened to this one) is counted in its holder's size but not followed.</li>
 * <li>Fields of JDK classes are never read: the JDK's modules are not open to us and access is never asked for. A JDK
 *     object is counted from the declared types of its fields, plus what its public API gives: the elements of
 *     collections, the keys and values of maps, the content of {@code Optional}, {@code AtomicReference} and map
 *     entries, the parts of the {@code java.time} date-times, the magnitude of {@code BigInteger} and
 *     {@code BigDecimal}. Other objects a JDK object holds are not counted.</li>
 * <li>The internals of a JDK collection or map are modelled on its implementation, from its size alone: the array of
 *     an {@code ArrayList}, {@code ArrayDeque}, {@code List.of} and the like, as long as the size (its real capacity
 *     may be up to half as long again); for {@code HashMap}, {@code HashSet}, {@code LinkedHashMap},
 *     {@code ConcurrentHashMap} and {@code Hashtable}, a table of the power of two that holds the size at a load
 *     factor of 0.75, and one node an entry; one node an element for trees and linked lists; for {@code Map.of} and
 *     {@code Set.of}, their probe table of twice as many slots as they hold references. Node sizes are those of the
 *     JDK's own node classes. A JDK collection this class does not know is modelled on the commonest implementation
 *     of its interface.</li>
 * </ul>
 *
 * <p>Limits. It is an estimate, not a measurement. Objects the value shares with the rest of the application (a
 * service it references, an interned string, a {@code String} sharing the bytes of another) are counted as if the
 * value owned them; fields the VM injects and {@code @Contended} padding are not counted. The walk visits at most
 * {@value #MAX_OBJECTS} objects and reads at most {@value #MAX_REFERENCES} references (array elements, fields,
 * elements of collections): a larger graph is undercounted, never overcounted. A JDK collection, or an application
 * class extending one, is read through its iterator, concurrently with its writers if it has any: what a concurrent
 * modification hides is not counted, and a JDK wrapper ({@code Collections.unmodifiableList}) runs the iterator of
 * what it wraps.
 *
 * <p>Thread-safe: the only shared state is a cache of the layout of each class; each call has its own visited set
 * and stack, and uses no recursion, so no graph overflows the thread's stack.
 */
public final class HeapEstimator {
    /** The most objects one call visits; beyond, the rest of the graph is not counted. */
    static final int MAX_OBJECTS = 100_000;
    /** The most references one call reads, for graphs that reference the same few objects over and over. */
    static final int MAX_REFERENCES = 10 * MAX_OBJECTS;

    static final boolean COMPRESSED_OOPS;
    static final boolean COMPRESSED_CLASS_POINTERS;
    static final boolean COMPACT_OBJECT_HEADERS;
    static final boolean COMPACT_STRINGS;
    static final int ALIGNMENT;
    static final int REFERENCE_BYTES;
    static final int HEADER_BYTES;
    /** Since JDK 23 (JDK-8139457) an array's elements start at the first offset aligned to their own size. */
    private static final boolean ELEMENTS_ALIGNED_TO_THEIR_SIZE = Runtime.version().feature() >= 23;

    static {
        String[] options = vmOptions(
                "UseCompressedOops", "UseCompressedClassPointers", "UseCompactObjectHeaders", "CompactStrings",
                "ObjectAlignmentInBytes");
        COMPRESSED_OOPS = options[0] == null || Boolean.parseBoolean(options[0]);
        COMPRESSED_CLASS_POINTERS = options[1] == null || Boolean.parseBoolean(options[1]);
        COMPACT_OBJECT_HEADERS = options[2] != null && Boolean.parseBoolean(options[2]);
        COMPACT_STRINGS = options[3] == null || Boolean.parseBoolean(options[3]);
        ALIGNMENT = alignment(options[4]);
        REFERENCE_BYTES = COMPRESSED_OOPS ? 4 : 8;
        HEADER_BYTES = COMPACT_OBJECT_HEADERS ? 8 : COMPRESSED_CLASS_POINTERS ? 12 : 16;
    }

    private static final long BYTE_ARRAY_BASE = arrayBase(1);
    private static final long INT_ARRAY_BASE = arrayBase(4);

    /** Objects the JDK hands out to everybody: empty collections and constants. */
    private static final Set<Object> JVM_WIDE = jvmWideInstances();

    private static final ClassValue<Layout> LAYOUTS = new ClassValue<>() {
        @Override
        protected Layout computeValue(Class<?> type) {
            try {
                return Layout.of(type);
            } catch (RuntimeException | LinkageError unreadable) {
                // a field's type that cannot be loaded, a security manager: the object is at least its header
                return new Layout(Kind.PLAIN, align(HEADER_BYTES), 0, new Field[0], null);
            }
        }
    };

    private HeapEstimator() {
    }

    /** The size of an instance of {@code type} without what it references, aligned. */
    static long shallow(Class<?> type) {
        return LAYOUTS.get(type).shallow;
    }

    /**
     * Estimates the heap retained by the object graph reachable from {@code value}, in bytes.
     *
     * <p>Thread-safe, and throws nothing but the VM's own errors ({@link VirtualMachineError}): where measuring an
     * object fails unexpectedly, what was counted of it stays counted (its own size at least) and the walk goes on
     * with the others.
     *
     * @param value any object, or null
     * @return the estimate; 0 for null and for an object the JVM shares
     */
    public static long bytes(Object value) {
        if (value == null) {
            return 0;
        }
        Walk walk = new Walk();
        try {
            walk.run(value);
        } catch (RuntimeException | LinkageError unexpected) {
            // keep what was counted
        }
        return walk.total;
    }

    /** The size of an array of {@code length} elements of {@code elementBytes} each. */
    static long arrayBytes(int elementBytes, long length) {
        return align(arrayBase(elementBytes) + length * elementBytes);
    }

    static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** Where an array's elements start: after the header and the 4-byte length, aligned as HotSpot aligns them. */
    private static long arrayBase(int elementBytes) {
        int afterLength = HEADER_BYTES + 4;
        int unit = ELEMENTS_ALIGNED_TO_THEIR_SIZE ? elementBytes : 8;
        return (afterLength + unit - 1) / unit * unit;
    }

    private static long stringValueBytes(String s) {
        int length = s.length();
        boolean latin1 = COMPACT_STRINGS;
        for (int i = 0; latin1 && i < length; i++) {
            latin1 = s.charAt(i) <= 0xFF;
        }
        return align(BYTE_ARRAY_BASE + (latin1 ? length : 2L * length));
    }

    /** The {@code int[]} magnitude of a {@code BigInteger}: 32 bits of the absolute value an element. */
    private static long magnitudeBytes(BigInteger value) {
        if (value.signum() == 0) {
            return align(INT_ARRAY_BASE);
        }
        int bits = value.bitLength() + (value.signum() < 0 ? 1 : 0);
        return align(INT_ARRAY_BASE + 4L * ((bits + 31) >>> 5));
    }

    /** One graph walk: the objects seen so far, those still to measure, and the count. */
    private static final class Walk {
        private final IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
        private final ArrayDeque<Object> pending = new ArrayDeque<>();
        private int references;
        long total;

        void run(Object root) {
            offer(root);
            Object next;
            while ((next = pending.poll()) != null) {
                try {
                    measure(next);
                } catch (RuntimeException | LinkageError unexpected) {
                    // what is left of this object is not counted; the rest of the graph still is
                }
            }
        }

        private void offer(Object o) {
            references++;
            if (o != null && seen.size() < MAX_OBJECTS && seen.put(o, Boolean.TRUE) == null) {
                pending.push(o);
            }
        }

        private boolean full() {
            return seen.size() >= MAX_OBJECTS || references >= MAX_REFERENCES;
        }

        private void measure(Object o) {
            Layout layout = LAYOUTS.get(o.getClass());
            switch (layout.kind) {
                case SHARED -> {
                }
                case STRING -> total += layout.shallow + stringValueBytes((String) o);
                case PRIMITIVE_ARRAY ->
                        total += align(layout.shallow + (long) Array.getLength(o) * layout.elementBytes);
                case REFERENCE_ARRAY -> {
                    Object[] elements = (Object[]) o;
                    total += align(layout.shallow + (long) elements.length * layout.elementBytes);
                    for (int i = 0; i < elements.length && !full(); i++) {
                        offer(elements[i]);
                    }
                }
                case BOX -> {
                    if (!cachedBox(o)) {
                        total += layout.shallow;
                    }
                }
                case PLAIN -> {
                    total += layout.shallow;
                    follow(o, layout.references);
                }
                case JDK -> {
                    if (!JVM_WIDE.contains(o)) {
                        total += layout.shallow;
                        follow(o, layout.references);
                        followJdk(o);
                    }
                }
                case COLLECTION -> {
                    if (!JVM_WIDE.contains(o)) {
                        total += layout.shallow;
                        follow(o, layout.references);
                        Collection<?> collection = (Collection<?>) o;
                        total += layout.structure.bytes(o, collection.size());
                        try {
                            for (Object element : collection) {
                                if (full()) {
                                    break;
                                }
                                offer(element);
                            }
                        } catch (RuntimeException concurrentlyModified) {
                            // the elements seen so far are counted
                        }
                    }
                }
                case MAP -> {
                    if (!JVM_WIDE.contains(o)) {
                        total += layout.shallow;
                        follow(o, layout.references);
                        Map<?, ?> map = (Map<?, ?>) o;
                        total += layout.structure.bytes(o, map.size());
                        try {
                            for (Map.Entry<?, ?> entry : map.entrySet()) {
                                if (full()) {
                                    break;
                                }
                                offer(entry.getKey());
                                offer(entry.getValue());
                            }
                        } catch (RuntimeException concurrentlyModified) {
                            // the entries seen so far are counted
                        }
                    }
                }
            }
        }

        private void follow(Object o, Field[] references) {
            for (Field field : references) {
                if (full()) {
                    return;
                }
                try {
                    offer(field.get(o));
                } catch (IllegalAccessException notAccessibleAfterAll) {
                    // counted in the holder's size; what it references is not
                }
            }
        }

        /** What the public API of a JDK object reveals of the objects it holds. */
        private void followJdk(Object o) {
            if (o instanceof Optional) {
                offer(((Optional<?>) o).orElse(null));
            } else if (o instanceof BigInteger) {
                total += magnitudeBytes((BigInteger) o);
            } else if (o instanceof BigDecimal) {
                BigDecimal decimal = (BigDecimal) o;
                // up to 18 digits the unscaled value is a long field; beyond, it may be a BigInteger, returned as is
                if (decimal.precision() > 18) {
                    BigInteger unscaled = decimal.unscaledValue();
                    if (unscaled.bitLength() > 63) {
                        offer(unscaled);
                    }
                }
            } else if (o instanceof LocalDateTime) {
                offer(((LocalDateTime) o).toLocalDate());
                offer(((LocalDateTime) o).toLocalTime());
            } else if (o instanceof OffsetDateTime) {
                offer(((OffsetDateTime) o).toLocalDateTime());
            } else if (o instanceof ZonedDateTime) {
                offer(((ZonedDateTime) o).toLocalDateTime());
            } else if (o instanceof OffsetTime) {
                offer(((OffsetTime) o).toLocalTime());
            } else if (o instanceof Map.Entry) {
                offer(((Map.Entry<?, ?>) o).getKey());
                offer(((Map.Entry<?, ?>) o).getValue());
            } else if (o instanceof AtomicReference) {
                offer(((AtomicReference<?>) o).get());
            }
        }
    }

    private static boolean cachedBox(Object o) {
        if (o instanceof Integer) {
            return Integer.valueOf((Integer) o) == o;
        } else if (o instanceof Long) {
            long v = (Long) o;
            return v >= -128 && v <= 127 && Long.valueOf(v) == o;
        } else if (o instanceof Short) {
            short v = (Short) o;
            return v >= -128 && v <= 127 && Short.valueOf(v) == o;
        } else if (o instanceof Character) {
            char v = (Character) o;
            return v <= 127 && Character.valueOf(v) == o;
        } else if (o instanceof Byte) {
            return Byte.valueOf((Byte) o) == o;
        } else if (o instanceof Boolean) {
            return Boolean.valueOf((Boolean) o) == o;
        }
        return false;
    }

    private enum Kind {
        SHARED, STRING, PRIMITIVE_ARRAY, REFERENCE_ARRAY, BOX, PLAIN, JDK, COLLECTION, MAP
    }

    /** What is known of a class once and for all: its instances' own size, and how to reach what they hold. */
    private static final class Layout {
        final Kind kind;
        /** The size of an instance without what it references, aligned; for an array, where its elements start. */
        final long shallow;
        final int elementBytes;
        /** The reference fields to follow: those of application classes, made accessible. */
        final Field[] references;
        final Structure structure;

        Layout(Kind kind, long shallow, int elementBytes, Field[] references, Structure structure) {
            this.kind = kind;
            this.shallow = shallow;
            this.elementBytes = elementBytes;
            this.references = references;
            this.structure = structure;
        }

        static Layout of(Class<?> type) {
            if (type.isArray()) {
                Class<?> component = type.getComponentType();
                int elementBytes = fieldBytes(component);
                Kind kind = component.isPrimitive() ? Kind.PRIMITIVE_ARRAY : Kind.REFERENCE_ARRAY;
                return new Layout(kind, arrayBase(elementBytes), elementBytes, null, null);
            }
            if (type == Class.class || Enum.class.isAssignableFrom(type) || ClassLoader.class.isAssignableFrom(type)
                    || Thread.class.isAssignableFrom(type)) {
                return new Layout(Kind.SHARED, 0, 0, null, null);
            }
            long fields = 0;
            List<Field> references = new ArrayList<>();
            boolean hiddenReferences = false;
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                boolean jdk = isJdk(c);
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers())) {
                        continue;
                    }
                    fields += fieldBytes(f.getType());
                    if (f.getType().isPrimitive()) {
                        continue;
                    }
                    if (!jdk && accessible(f)) {
                        references.add(f);
                    } else if (c != AbstractMap.class) { // whose only references are views it creates on demand
                        hiddenReferences = true;
                    }
                }
            }
            long shallow = align(HEADER_BYTES + fields);
            Field[] follow = references.toArray(new Field[0]);
            Kind kind;
            Structure structure = null;
            if (type == String.class) {
                kind = Kind.STRING;
            } else if (type == Integer.class || type == Long.class || type == Short.class || type == Character.class
                    || type == Byte.class || type == Boolean.class) {
                kind = Kind.BOX;
            } else if (hiddenReferences && Collection.class.isAssignableFrom(type)) {
                kind = Kind.COLLECTION;
                structure = Structure.of(type);
            } else if (hiddenReferences && Map.class.isAssignableFrom(type)) {
                kind = Kind.MAP;
                structure = Structure.of(type);
            } else if (hiddenReferences || isJdk(type)) {
                kind = Kind.JDK;
            } else {
                kind = Kind.PLAIN;
            }
            return new Layout(kind, shallow, 0, follow, structure);
        }
    }

    private static boolean accessible(Field f) {
        try {
            return f.trySetAccessible();
        } catch (SecurityException refused) {
            return false;
        }
    }

    private static int fieldBytes(Class<?> type) {
        if (type == long.class || type == double.class) {
            return 8;
        } else if (type == int.class || type == float.class) {
            return 4;
        } else if (type == short.class || type == char.class) {
            return 2;
        } else if (type == byte.class || type == boolean.class) {
            return 1;
        }
        return REFERENCE_BYTES;
    }

    /**
     * Whether a class is the JDK's: its fields are not read, and access to them is not asked for. Decided by name
     * (java, javax, jdk, sun), then by module: a named module of the boot or platform class loader.
     */
    static boolean isJdk(Class<?> c) {
        String name = c.getName();
        if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
                || name.startsWith("sun.")) {
            return true;
        }
        ClassLoader loader = c.getClassLoader();
        return c.getModule().isNamed() && (loader == null || loader == ClassLoader.getPlatformClassLoader());
    }

    private static Set<Object> jvmWideInstances() {
        Set<Object> shared = Collections.newSetFromMap(new IdentityHashMap<>());
        Collections.addAll(shared, List.of(), Set.of(), Map.of(), Collections.emptyList(), Collections.emptySet(),
                Collections.emptyMap(), Collections.emptySortedSet(), Collections.emptySortedMap(),
                Collections.emptyNavigableSet(), Collections.emptyNavigableMap(), Optional.empty(), BigInteger.ZERO,
                BigInteger.ONE, BigInteger.TWO, BigInteger.TEN, BigDecimal.ZERO, BigDecimal.ONE, BigDecimal.TEN);
        return Collections.unmodifiableSet(shared);
    }

    private static int alignment(String option) {
        try {
            int alignment = option == null ? 8 : Integer.parseInt(option);
            return Integer.bitCount(alignment) == 1 && alignment >= 8 ? alignment : 8;
        } catch (NumberFormatException notANumber) {
            return 8;
        }
    }

    /** The values of HotSpot options, null for each that this VM does not have or tell. */
    private static String[] vmOptions(String... names) {
        String[] values = new String[names.length];
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            for (int i = 0; i < names.length; i++) {
                try {
                    values[i] = vm.getVMOption(names[i]).getValue();
                } catch (IllegalArgumentException notInThisVm) {
                    // UseCompactObjectHeaders before JDK 24, say
                }
            }
        } catch (RuntimeException | LinkageError noHotSpotManagement) {
            // another VM, or an image without jdk.management: the defaults stand
        }
        return values;
    }
}
