package dev.tiered.runtime.l2;

import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.MapSerializer;
import com.esotericsoftware.kryo.serializers.OptionalSerializers;
import com.esotericsoftware.kryo.serializers.TimeSerializers;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import com.esotericsoftware.kryo.util.Pool;

import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * The L2 encoding of results that Java serialization cannot take: records, classes that are not
 * {@code Serializable}, collections of them. Kryo 5, in a closed world:
 * <ul>
 *   <li>only registered classes are written or read, and a stream names them by number, never by name: a fixed list
 *       of JDK value and collection types, then the application classes reachable from the method's declared return
 *       type ({@link AllowList}), in the order of their names, so that every JVM numbers them alike (the return
 *       type's fingerprint covers that list and the classes' fields). A value holding anything else (a Hibernate
 *       proxy or persistent collection, a class the declared type does not reach) is not stored, and says which;</li>
 *   <li>no references: an object is written where it occurs. A stream is then a tree, so decoding it costs time and
 *       memory in proportion to its bytes (a hash set nested in hash sets costs its size times the depth, never
 *       the exponential of a graph of shared sets); a cycle (a bidirectional association) makes a value too deep to
 *       store;</li>
 *   <li>every length read from a stream (a string, an array, a collection, a map) is checked against the bytes
 *       left before anything is allocated, and nesting is limited to {@value #MAX_DEPTH}.</li>
 * </ul>
 * Thread-safe: each call borrows a Kryo from a pool.
 */
final class FieldCodec {
    static final int MAX_DEPTH = 64;
    /**
     * The first byte of every payload: which list of JDK registrations wrote it. The list only grows, at its end,
     * and each change moves this number, so that a JVM never reads a class under another's number.
     */
    static final byte REGISTRY = 1;

    static {
        quietKryo();
    }

    /**
     * Kryo logs through MinLog to standard output, the application's: nothing of ours goes there. And its
     * {@code Util} looks for {@code sun.misc.Unsafe} unless {@code kryo.unsafe=false}, which on JDK 24 and later
     * prints a warning about Unsafe's memory-access methods in the application's log: tiered's Kryo never uses
     * Unsafe, so the property is set while {@code Util} initialises in tiered's class loader, and put back.
     */
    private static void quietKryo() {
        com.esotericsoftware.minlog.Log.set(com.esotericsoftware.minlog.Log.LEVEL_NONE);
        synchronized (System.getProperties()) {
            String before = System.getProperty("kryo.unsafe");
            System.setProperty("kryo.unsafe", "false");
            try {
                Class.forName("com.esotericsoftware.kryo.util.Util", true, FieldCodec.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("Kryo is not where tiered's own classes are", e);
            } finally {
                if (before == null) {
                    System.clearProperty("kryo.unsafe");
                } else {
                    System.setProperty("kryo.unsafe", before);
                }
            }
        }
    }

    private final Pool<Kryo> pool;
    private final int maxBytes;

    FieldCodec(AllowList allowList, ClassLoader loader, int maxBytes) {
        List<Class<?>> application = new ArrayList<>(allowList.applicationClasses());
        application.sort(Comparator.comparing(Class::getName));
        this.maxBytes = maxBytes;
        this.pool = new Pool<>(true, false, 16) {
            @Override
            protected Kryo create() {
                return kryo(application, loader);
            }
        };
    }

    /** The value's bytes. */
    byte[] encode(Object value) throws ValueCodec.NotStorableException {
        Kryo kryo = pool.obtain();
        try (Output out = new Output(256, maxBytes)) {
            out.writeByte(REGISTRY);
            kryo.writeClassAndObject(out, value);
            byte[] bytes = out.toBytes();
            pool.free(kryo);
            return bytes;
        } catch (KryoException | IllegalArgumentException e) { // Kryo says "not registered" with the latter
            throw new ValueCodec.NotStorableException(notStorable(e));
        } catch (RuntimeException | StackOverflowError e) {
            throw new ValueCodec.NotStorableException("it could not be encoded: " + e);
        }
    }

    private String notStorable(RuntimeException e) {
        String message = String.valueOf(e.getMessage());
        int line = message.indexOf('\n');
        String first = line < 0 ? message : message.substring(0, line);
        if (first.startsWith("Class is not registered")) {
            String name = first.substring(first.indexOf(':') + 1).trim().split(" ")[0];
            if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")) {
                return "it holds a " + name + ", which the field encoding does not take (it takes the JDK's value "
                        + "types and Optionals, ArrayList, LinkedList, ArrayDeque, HashSet, LinkedHashSet, TreeSet, "
                        + "EnumSet, HashMap, LinkedHashMap, TreeMap, ConcurrentHashMap, List.of, Set.of, Map.of, "
                        + "unmodifiable views, and arrays; sorted ones in natural order): use one of those, or make "
                        + "it Serializable with tiered.codec=auto";
            }
            return "it holds a " + name + ", which the declared return type does not reach (a Hibernate proxy or "
                    + "lazy collection, a subclass the type does not name): return a record or DTO of the values";
        }
        if (first.contains("Max depth exceeded")) {
            return "it is nested deeper than " + MAX_DEPTH + " objects, or holds a cycle (a bidirectional "
                    + "association): return a record or DTO of the values";
        }
        if (first.contains("Buffer overflow") || first.contains("Max buffer size")) {
            return "its encoded size exceeds tiered.l2.maxValueBytes (" + maxBytes + ")";
        }
        return "it could not be encoded: " + first;
    }

    /** The value in {@code bytes[offset, offset + length)}. */
    Object decode(byte[] bytes, int offset, int length) throws ValueCodec.DecodeException {
        Kryo kryo = pool.obtain();
        try {
            if (length < 1 || bytes[offset] != REGISTRY) {
                throw new ValueCodec.DecodeException("written with JDK registrations " + (length < 1 ? "none"
                        : bytes[offset]) + ", this version has " + REGISTRY);
            }
            BoundedInput in = new BoundedInput(bytes, offset + 1, length - 1);
            Object value = kryo.readClassAndObject(in);
            if (in.position() != in.limit()) {
                throw new ValueCodec.DecodeException("trailing bytes after the value");
            }
            pool.free(kryo); // a Kryo that failed mid-stream is dropped, not reused
            return value;
        } catch (ValueCodec.DecodeException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError | LinkageError e) {
            throw new ValueCodec.DecodeException("the field encoding refused or failed: " + e);
        }
    }

    private static Kryo kryo(List<Class<?>> application, ClassLoader loader) {
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        kryo.setMaxDepth(MAX_DEPTH);
        if (loader != null) {
            kryo.setClassLoader(loader);
        }
        kryo.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
        // The JDK's types, in an order that never changes (append only): registration numbers are the format.
        kryo.register(ArrayList.class, new BoundedCollection());
        kryo.register(LinkedList.class, new BoundedCollection());
        kryo.register(HashSet.class, new BoundedCollection());
        kryo.register(LinkedHashSet.class, new BoundedCollection());
        kryo.register(HashMap.class, new BoundedMap());
        kryo.register(LinkedHashMap.class, new BoundedMap());
        kryo.register(List.of().getClass(), new UnmodifiableList());
        kryo.register(List.of(1).getClass(), new UnmodifiableList());
        kryo.register(Set.of().getClass(), new UnmodifiableSet());
        kryo.register(Set.of(1).getClass(), new UnmodifiableSet());
        kryo.register(Map.of().getClass(), new UnmodifiableMap());
        kryo.register(Map.of(1, 1).getClass(), new UnmodifiableMap());
        kryo.register(Collections.emptyList().getClass(), new DefaultSerializers.CollectionsEmptyListSerializer());
        kryo.register(Collections.emptySet().getClass(), new DefaultSerializers.CollectionsEmptySetSerializer());
        kryo.register(Collections.emptyMap().getClass(), new DefaultSerializers.CollectionsEmptyMapSerializer());
        kryo.register(Collections.unmodifiableList(new ArrayList<>()).getClass(), new UnmodifiableList());
        kryo.register(Collections.unmodifiableList(new LinkedList<>()).getClass(), new UnmodifiableList());
        kryo.register(Collections.unmodifiableSet(new HashSet<>()).getClass(), new UnmodifiableSet());
        kryo.register(Collections.unmodifiableMap(new HashMap<>()).getClass(), new UnmodifiableMap());
        kryo.register(Arrays.asList().getClass(), new UnmodifiableList());
        kryo.register(BigDecimal.class, new DefaultSerializers.BigDecimalSerializer());
        kryo.register(BigInteger.class, new DefaultSerializers.BigIntegerSerializer());
        kryo.register(UUID.class, new DefaultSerializers.UUIDSerializer());
        kryo.register(Date.class, new DefaultSerializers.DateSerializer());
        TimeSerializers.addDefaultSerializers(kryo);
        for (Class<?> time : List.of(Duration.class, Instant.class, LocalDate.class, LocalTime.class,
                LocalDateTime.class, ZoneOffset.class, OffsetTime.class, OffsetDateTime.class, ZonedDateTime.class,
                Year.class, YearMonth.class, MonthDay.class, Period.class, DayOfWeek.class, Month.class)) {
            kryo.register(time);
        }
        kryo.register(byte[].class, new BoundedArray<>(new DefaultArraySerializers.ByteArraySerializer()));
        kryo.register(char[].class, new BoundedArray<>(new DefaultArraySerializers.CharArraySerializer()));
        kryo.register(short[].class, new BoundedArray<>(new DefaultArraySerializers.ShortArraySerializer()));
        kryo.register(int[].class, new BoundedArray<>(new DefaultArraySerializers.IntArraySerializer()));
        kryo.register(long[].class, new BoundedArray<>(new DefaultArraySerializers.LongArraySerializer()));
        kryo.register(float[].class, new BoundedArray<>(new DefaultArraySerializers.FloatArraySerializer()));
        kryo.register(double[].class, new BoundedArray<>(new DefaultArraySerializers.DoubleArraySerializer()));
        kryo.register(boolean[].class, new BoundedArray<>(new DefaultArraySerializers.BooleanArraySerializer()));
        kryo.register(String[].class, new BoundedArray<>(new DefaultArraySerializers.StringArraySerializer()));
        kryo.register(Object[].class, new BoundedArray<>(new DefaultArraySerializers.ObjectArraySerializer(kryo,
                Object[].class)));
        kryo.register(Optional.class, new OptionalSerializers.OptionalSerializer());
        kryo.register(OptionalInt.class, new OptionalSerializers.OptionalIntSerializer());
        kryo.register(OptionalLong.class, new OptionalSerializers.OptionalLongSerializer());
        kryo.register(OptionalDouble.class, new OptionalSerializers.OptionalDoubleSerializer());
        // sorted collections in natural order (a comparator is a class of its own, which would not be registered)
        kryo.register(TreeMap.class, new DefaultSerializers.TreeMapSerializer());
        kryo.register(TreeSet.class, new DefaultSerializers.TreeSetSerializer());
        kryo.register(ArrayDeque.class, new BoundedCollection());
        kryo.register(ConcurrentHashMap.class, new BoundedMap());
        kryo.register(EnumSet.noneOf(DayOfWeek.class).getClass(), new DefaultSerializers.EnumSetSerializer());
        kryo.register(Collections.singletonList(1).getClass(), new UnmodifiableList());
        kryo.register(Collections.singleton(1).getClass(), new UnmodifiableSet());
        kryo.register(Collections.singletonMap(1, 1).getClass(), new UnmodifiableMap());
        // end of registry 1
        for (Class<?> c : application) {
            if (!c.isInterface() && !Modifier.isAbstract(c.getModifiers())) {
                kryo.register(c);
            }
            Class<?> array = java.lang.reflect.Array.newInstance(c, 0).getClass();
            kryo.register(array, new BoundedArray<>(new DefaultArraySerializers.ObjectArraySerializer(kryo, array)));
        }
        return kryo;
    }

    /** The number a class is written as, for tests that forge streams. */
    int registrationId(Class<?> type) {
        Kryo kryo = pool.obtain();
        try {
            return kryo.getRegistration(type).getId();
        } finally {
            pool.free(kryo);
        }
    }

    /** Bytes left in the stream: no length read from it may claim more elements than that. */
    static void check(int count, Input input) {
        if (count < 0 || count > input.limit() - input.position()) {
            throw new KryoException("a length of " + count + " with " + (input.limit() - input.position())
                    + " bytes left");
        }
    }

    /** Kryo's input, with every length it reads checked against the bytes left before anything is allocated. */
    static final class BoundedInput extends Input {
        BoundedInput(byte[] bytes, int offset, int length) {
            super(bytes, offset, length);
        }

        @Override
        public String readString() {
            peekUtf8Length();
            return super.readString();
        }

        @Override
        public StringBuilder readStringBuilder() {
            peekUtf8Length();
            return super.readStringBuilder();
        }

        /** A string in UTF8 (not the ASCII form, which reads byte by byte) starts with its character count + 1. */
        private void peekUtf8Length() {
            if (position() < limit() && readVarIntFlag()) {
                int start = position();
                int count = readVarIntFlag(true);
                setPosition(start);
                check(count - 1, this);
            }
        }

        @Override
        public byte[] readBytes(int length) {
            check(length, this);
            return super.readBytes(length);
        }

        @Override
        public int[] readInts(int length, boolean optimizePositive) {
            check(length, this);
            return super.readInts(length, optimizePositive);
        }

        @Override
        public long[] readLongs(int length, boolean optimizePositive) {
            check(length, this);
            return super.readLongs(length, optimizePositive);
        }

        @Override
        public int[] readInts(int length) {
            check(length, this);
            return super.readInts(length);
        }

        @Override
        public long[] readLongs(int length) {
            check(length, this);
            return super.readLongs(length);
        }

        @Override
        public float[] readFloats(int length) {
            check(length, this);
            return super.readFloats(length);
        }

        @Override
        public double[] readDoubles(int length) {
            check(length, this);
            return super.readDoubles(length);
        }

        @Override
        public short[] readShorts(int length) {
            check(length, this);
            return super.readShorts(length);
        }

        @Override
        public char[] readChars(int length) {
            check(length, this);
            return super.readChars(length);
        }

        @Override
        public boolean[] readBooleans(int length) {
            check(length, this);
            return super.readBooleans(length);
        }
    }

    /** An array serializer whose stream starts with the length + 1: checked before the array is allocated. */
    static final class BoundedArray<T> extends Serializer<T> {
        private final Serializer<T> delegate;

        BoundedArray(Serializer<T> delegate) {
            super(true);
            this.delegate = delegate;
        }

        @Override
        public void write(Kryo kryo, Output output, T array) {
            delegate.write(kryo, output, array);
        }

        @Override
        public T read(Kryo kryo, Input input, Class<? extends T> type) {
            int start = input.position();
            int length = input.readVarInt(true);
            input.setPosition(start);
            check(length - 1, input);
            return delegate.read(kryo, input, type);
        }
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    static final class BoundedCollection extends CollectionSerializer {
        @Override
        protected Collection create(Kryo kryo, Input input, Class type, int size) {
            check(size, input);
            return super.create(kryo, input, type, size);
        }
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    static final class BoundedMap extends MapSerializer {
        @Override
        protected Map create(Kryo kryo, Input input, Class type, int size) {
            check(size, input);
            return super.create(kryo, input, type, size);
        }
    }

    /** {@code List.of}, {@code Arrays.asList}, unmodifiable views: read back as an unmodifiable list. */
    static final class UnmodifiableList extends Serializer<List<?>> {
        UnmodifiableList() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, List<?> list) {
            output.writeVarInt(list.size(), true);
            for (Object element : list) {
                kryo.writeClassAndObject(output, element);
            }
        }

        @Override
        public List<?> read(Kryo kryo, Input input, Class<? extends List<?>> type) {
            int size = input.readVarInt(true);
            check(size, input);
            Object[] elements = new Object[size];
            for (int i = 0; i < size; i++) {
                elements[i] = kryo.readClassAndObject(input);
            }
            return Collections.unmodifiableList(Arrays.asList(elements));
        }
    }

    /** {@code Set.of} and unmodifiable views: read back as an unmodifiable set, in the order written. */
    static final class UnmodifiableSet extends Serializer<Set<?>> {
        UnmodifiableSet() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, Set<?> set) {
            output.writeVarInt(set.size(), true);
            for (Object element : set) {
                kryo.writeClassAndObject(output, element);
            }
        }

        @Override
        public Set<?> read(Kryo kryo, Input input, Class<? extends Set<?>> type) {
            int size = input.readVarInt(true);
            check(size, input);
            Set<Object> set = new LinkedHashSet<>();
            for (int i = 0; i < size; i++) {
                set.add(kryo.readClassAndObject(input));
            }
            return Collections.unmodifiableSet(set);
        }
    }

    /** {@code Map.of} and unmodifiable views: read back as an unmodifiable map, in the order written. */
    static final class UnmodifiableMap extends Serializer<Map<?, ?>> {
        UnmodifiableMap() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, Map<?, ?> map) {
            output.writeVarInt(map.size(), true);
            for (Map.Entry<?, ?> e : map.entrySet()) {
                kryo.writeClassAndObject(output, e.getKey());
                kryo.writeClassAndObject(output, e.getValue());
            }
        }

        @Override
        public Map<?, ?> read(Kryo kryo, Input input, Class<? extends Map<?, ?>> type) {
            int size = input.readVarInt(true);
            check(size, input);
            Map<Object, Object> map = new LinkedHashMap<>();
            for (int i = 0; i < size; i++) {
                map.put(kryo.readClassAndObject(input), kryo.readClassAndObject(input));
            }
            return Collections.unmodifiableMap(map);
        }
    }
}
