package dev.tiered.runtime.l2;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.ObjectStreamField;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.zip.CRC32C;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;

import dev.tiered.runtime.config.L2Encoding;

/**
 * Encodes one method's results for L2 and decodes them back, safely.
 *
 * <p>Every value is stored in an envelope: the magic byte {@code 'T'}, a format version, a kind (null, a boxed
 * primitive, a string, a byte array, an {@code Optional}, Java serialization for a {@code Serializable} value, or
 * the field encoding of {@link FieldCodec} for any other: records, plain classes, collections of them), an 8-byte
 * fingerprint of the declared return type's shape, and a CRC32C of the kind and the payload. A serialized or
 * field-encoded payload over {@value #COMPRESS_ABOVE} bytes is compressed with LZ4 when that makes it smaller (its
 * kind then says so, and its original length comes first, checked against the limit before anything is
 * allocated). Decoding refuses, as a miss, anything
 * that is not such an envelope, was written for another shape of the return type (a class changed between deploys),
 * fails its checksum, names a class outside the method's {@link AllowList} (refused before it is loaded or
 * instantiated), exceeds the size, depth or reference limits, or is not an instance of the declared return type.
 */
public final class ValueCodec {
    static final byte MAGIC = 'T';
    /** 2: the checksum covers the kind too (in format 1 a flipped kind bit could turn a long into a double). */
    static final byte FORMAT = 2;
    public static final int HEADER = 15;

    private static final int NULL = 0;
    private static final int SERIAL = 1;
    private static final int STRING = 2;
    private static final int BOOLEAN = 3;
    private static final int BYTE = 4;
    private static final int SHORT = 5;
    private static final int CHAR = 6;
    private static final int INT = 7;
    private static final int LONG = 8;
    private static final int FLOAT = 9;
    private static final int DOUBLE = 10;
    private static final int BYTES = 11;
    private static final int OPTIONAL_EMPTY = 12;
    /** A value that is not {@code Serializable}, in {@link FieldCodec}'s encoding. */
    static final int FIELDS = 13;
    /** Set on the kind of a payload compressed with LZ4: its original length (4 bytes), then the compressed bytes. */
    static final int COMPRESSED = 0x20;
    /** Set on the kind of the value inside a present {@code Optional}. */
    private static final int OPTIONAL = 0x40;
    /** Serialized and field-encoded payloads longer than this are compressed, if that makes them smaller. */
    static final int COMPRESS_ABOVE = 1024;
    private static final LZ4Factory LZ4 = LZ4Factory.safeInstance(); // pure Java: no JNI, no Unsafe

    private static final int MAX_DEPTH = 64;
    private static final long MAX_REFERENCES = 1_000_000;
    private static final long MAX_ARRAY = 16_000_000;

    private final ClassLoader loader;
    private final Class<?> expected;
    private final boolean nullable;
    private final Class<?> optionalElement;
    private final AllowList allowList;
    private final long fingerprint;
    private final int maxBytes;
    /** For results that are not {@code Serializable}; made on first use. */
    private volatile FieldCodec fields;
    /** Which of Java serialization and the field encoding this method's values use ({@code tiered.codec}). */
    private final L2Encoding encoding;
    /**
     * Whether the declared return type reaches an application class that is not Serializable, so that Java
     * serialization would fail (expensively: half a stream and an exception) before the field encoding is tried.
     */
    private final boolean fieldsFirst;

    private ValueCodec(ClassLoader loader, Class<?> expected, boolean nullable, Class<?> optionalElement,
                       AllowList allowList, long fingerprint, int maxBytes, L2Encoding encoding) {
        this.loader = loader;
        this.expected = expected;
        this.nullable = nullable;
        this.optionalElement = optionalElement;
        this.allowList = allowList;
        this.fingerprint = fingerprint;
        this.maxBytes = maxBytes;
        this.encoding = encoding;
        this.fieldsFirst = encoding == L2Encoding.FIELDS || allowList.applicationClasses().stream()
                .anyMatch(c -> !c.isInterface() && !java.io.Serializable.class.isAssignableFrom(c));
    }

    /**
     * The codec for {@code method}'s results: of its return type, or of the value type of the
     * {@code CompletableFuture} or {@code CompletionStage} it returns.
     */
    public static ValueCodec of(Method method, List<String> extraAllowed, int maxBytes) {
        return of(method, extraAllowed, maxBytes, L2Encoding.AUTO);
    }

    /** As {@link #of(Method, List, int)}, with values that are not simple encoded as {@code encoding} says. */
    public static ValueCodec of(Method method, List<String> extraAllowed, int maxBytes, L2Encoding encoding) {
        Type generic = method.getGenericReturnType();
        Class<?> raw = method.getReturnType();
        if (raw == CompletableFuture.class || raw == CompletionStage.class) {
            generic = generic instanceof ParameterizedType
                    ? ((ParameterizedType) generic).getActualTypeArguments()[0] : Object.class;
            raw = rawClass(generic);
        }
        AllowList allowList = AllowList.of(generic, extraAllowed);
        Class<?> expected = MethodType.methodType(raw).wrap().returnType();
        Class<?> element = null;
        if (raw == Optional.class && generic instanceof ParameterizedType) {
            Type arg = ((ParameterizedType) generic).getActualTypeArguments()[0];
            if (arg instanceof Class) {
                element = (Class<?>) arg;
            } else if (arg instanceof ParameterizedType) {
                element = (Class<?>) ((ParameterizedType) arg).getRawType();
            }
        }
        ClassLoader loader = method.getDeclaringClass().getClassLoader();
        return new ValueCodec(loader, expected, !raw.isPrimitive(), element, allowList,
                fingerprint(generic, allowList), maxBytes, encoding);
    }

    /**
     * Why a result of a method declared to return {@code returnType} (a name, as in a {@code MethodSpec}) can never
     * be stored in L2, or {@code null} if some can: for the warning at registration.
     */
    public static String neverStored(String returnType) {
        return AllowList.neverStored(returnType);
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class) {
            return (Class<?>) type;
        }
        if (type instanceof ParameterizedType) {
            return (Class<?>) ((ParameterizedType) type).getRawType();
        }
        if (type instanceof java.lang.reflect.WildcardType) {
            return rawClass(((java.lang.reflect.WildcardType) type).getUpperBounds()[0]);
        }
        return Object.class;
    }

    /** Thrown when a result cannot go to L2; the message says why and what to do. */
    public static final class NotStorableException extends Exception {
        NotStorableException(String message) {
            super(message, null, false, false);
        }
    }

    /** Thrown when bytes from L2 cannot be decoded into a result; the read is a miss. */
    public static final class DecodeException extends Exception {
        DecodeException(String message) {
            super(message, null, false, false);
        }
    }

    public long fingerprint() {
        return fingerprint;
    }

    AllowList allowList() {
        return allowList;
    }

    public byte[] encode(Object value) throws NotStorableException {
        if (value == null) {
            return envelope(NULL, new byte[0]);
        }
        int flag = 0;
        if (value instanceof Optional) {
            Optional<?> optional = (Optional<?>) value;
            if (optional.isEmpty()) {
                return envelope(OPTIONAL_EMPTY, new byte[0]);
            }
            value = optional.get();
            flag = OPTIONAL;
        }
        byte[] payload;
        int kind;
        if (value instanceof String && !hasLoneSurrogate((String) value)) {
            kind = STRING;
            payload = ((String) value).getBytes(StandardCharsets.UTF_8);
        } else if (value instanceof Long) {
            kind = LONG;
            payload = ByteBuffer.allocate(8).putLong((Long) value).array();
        } else if (value instanceof Integer) {
            kind = INT;
            payload = ByteBuffer.allocate(4).putInt((Integer) value).array();
        } else if (value instanceof Boolean) {
            kind = BOOLEAN;
            payload = new byte[] {(byte) ((Boolean) value ? 1 : 0)};
        } else if (value instanceof Double) {
            kind = DOUBLE;
            payload = ByteBuffer.allocate(8).putLong(Double.doubleToRawLongBits((Double) value)).array();
        } else if (value instanceof Float) {
            kind = FLOAT;
            payload = ByteBuffer.allocate(4).putInt(Float.floatToRawIntBits((Float) value)).array();
        } else if (value instanceof Short) {
            kind = SHORT;
            payload = ByteBuffer.allocate(2).putShort((Short) value).array();
        } else if (value instanceof Character) {
            kind = CHAR;
            payload = ByteBuffer.allocate(2).putChar((Character) value).array();
        } else if (value instanceof Byte) {
            kind = BYTE;
            payload = new byte[] {(Byte) value};
        } else if (value instanceof byte[]) {
            kind = BYTES;
            payload = (byte[]) value;
        } else {
            boolean serializable = value instanceof java.io.Serializable;
            payload = serializable && (!fieldsFirst || encoding == L2Encoding.JAVA) ? serialize(value) : null;
            kind = SERIAL;
            if (payload == null) { // not Serializable, holding something that is not, or tiered.codec=fields
                if (encoding == L2Encoding.JAVA) {
                    throw new NotStorableException(serializable ? "it holds a value that is not java.io.Serializable"
                            : value.getClass().getName() + " is not java.io.Serializable; make it Serializable, or "
                            + "let tiered encode it by its fields (tiered.codec=auto or fields)");
                }
                kind = FIELDS;
                payload = fields().encode(value);
            }
            if (payload.length > COMPRESS_ABOVE) {
                byte[] compressed = compress(payload);
                if (compressed != null) {
                    kind |= COMPRESSED;
                    payload = compressed;
                }
            }
        }
        if (payload.length + HEADER > maxBytes) {
            throw new NotStorableException("its encoded size, " + (payload.length + HEADER)
                    + " bytes, exceeds tiered.l2.maxValueBytes (" + maxBytes + ")");
        }
        return envelope(kind | flag, payload);
    }

    FieldCodec fields() {
        FieldCodec f = fields;
        if (f == null) {
            synchronized (this) {
                f = fields;
                if (f == null) {
                    f = new FieldCodec(allowList, loader, maxBytes);
                    fields = f;
                }
            }
        }
        return f;
    }

    /** The original length, then the LZ4 block; {@code null} when that is not smaller. */
    private static byte[] compress(byte[] payload) {
        LZ4Compressor compressor = LZ4.fastCompressor();
        byte[] out = new byte[4 + compressor.maxCompressedLength(payload.length)];
        int length = compressor.compress(payload, 0, payload.length, out, 4, out.length - 4);
        if (4 + length >= payload.length) {
            return null;
        }
        ByteBuffer.wrap(out).putInt(0, payload.length);
        return Arrays.copyOf(out, 4 + length);
    }

    /** The payload a compressed one stands for, in an envelope of its own (the header copied, then the bytes). */
    private byte[] decompress(byte[] bytes) throws DecodeException {
        if (bytes.length < HEADER + 4) {
            throw new DecodeException("a compressed payload without its length");
        }
        int original = ByteBuffer.wrap(bytes).getInt(HEADER);
        if (original < 0 || original > maxBytes) {
            throw new DecodeException("a compressed payload claiming " + original + " bytes, over "
                    + "tiered.l2.maxValueBytes");
        }
        byte[] plain = new byte[HEADER + original];
        System.arraycopy(bytes, 0, plain, 0, HEADER);
        try {
            int read = LZ4.safeDecompressor().decompress(bytes, HEADER + 4, bytes.length - HEADER - 4, plain, HEADER,
                    original);
            if (read != original) {
                throw new DecodeException("a compressed payload of " + read + " bytes, not " + original);
            }
        } catch (LZ4Exception e) {
            throw new DecodeException("a compressed payload that does not decompress: " + e.getMessage());
        }
        return plain;
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private byte[] envelope(int kind, byte[] payload) {
        ByteBuffer buf = ByteBuffer.allocate(HEADER + payload.length);
        CRC32C crc = new CRC32C();
        crc.update(kind);
        crc.update(payload);
        buf.put(MAGIC).put(FORMAT).put((byte) kind).putLong(fingerprint).putInt((int) crc.getValue()).put(payload);
        return buf.array();
    }

    /** Java serialization's bytes, or {@code null} when the value holds something that is not Serializable. */
    private byte[] serialize(Object value) throws NotStorableException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        CheckedOutput out = null;
        try {
            out = new CheckedOutput(bytes);
            out.writeObject(value);
            out.close();
        } catch (NotSerializableException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            if (out != null && out.refused != null) {
                throw new NotStorableException(out.refused.getMessage());
            }
            throw new NotStorableException("Java serialization failed: " + e);
        }
        return bytes.toByteArray();
    }

    /**
     * The result stored in {@code bytes}: the value itself, which may be {@code null}.
     *
     * @throws DecodeException if the bytes are not a valid envelope for this method; never anything else
     */
    public Object decode(byte[] bytes) throws DecodeException {
        if (bytes == null || bytes.length < HEADER || bytes[0] != MAGIC) {
            throw new DecodeException("not a tiered value");
        }
        if (bytes[1] != FORMAT) {
            throw new DecodeException("written in format " + bytes[1] + ", this version reads " + FORMAT);
        }
        if (bytes.length > maxBytes + (long) HEADER) {
            throw new DecodeException("larger than tiered.l2.maxValueBytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int kind = buf.get(2) & 0xff;
        if (buf.getLong(3) != fingerprint) {
            throw new DecodeException("written for another shape of the return type");
        }
        // the kind decides how the payload is read: for a return type such as Object or Number, a corrupted kind
        // would otherwise decode a valid payload as a valid value of another type
        CRC32C crc = new CRC32C();
        crc.update(kind);
        crc.update(bytes, HEADER, bytes.length - HEADER);
        if ((int) crc.getValue() != buf.getInt(11)) {
            throw new DecodeException("checksum mismatch");
        }
        if ((kind & COMPRESSED) != 0) {
            kind &= ~COMPRESSED;
            buf = ByteBuffer.wrap(decompress(bytes));
        }
        buf.position(HEADER);
        Object value;
        if (kind == OPTIONAL_EMPTY) {
            value = Optional.empty();
        } else if ((kind & OPTIONAL) != 0) {
            Object inner = payload(kind & ~OPTIONAL, buf);
            if (inner == null || (optionalElement != null && !optionalElement.isInstance(inner))) {
                throw new DecodeException("the Optional holds a " + describe(inner));
            }
            value = Optional.of(inner);
        } else {
            value = payload(kind, buf);
        }
        if (value == null ? !nullable : !expected.isInstance(value)) {
            throw new DecodeException("holds a " + describe(value) + ", not a " + expected.getName());
        }
        return value;
    }

    private static String describe(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }

    private Object payload(int kind, ByteBuffer buf) throws DecodeException {
        int length = buf.remaining();
        switch (kind) {
            case NULL:
                return exact(length, 0, null);
            case STRING: {
                byte[] b = new byte[length];
                buf.get(b);
                return new String(b, StandardCharsets.UTF_8);
            }
            case LONG:
                return exact(length, 8, buf.getLong(HEADER));
            case INT:
                return exact(length, 4, buf.getInt(HEADER));
            case BOOLEAN: {
                byte b = buf.get(HEADER);
                if (length != 1 || (b != 0 && b != 1)) {
                    throw new DecodeException("malformed boolean");
                }
                return b == 1;
            }
            case DOUBLE:
                return exact(length, 8, Double.longBitsToDouble(buf.getLong(HEADER)));
            case FLOAT:
                return exact(length, 4, Float.intBitsToFloat(buf.getInt(HEADER)));
            case SHORT:
                return exact(length, 2, buf.getShort(HEADER));
            case CHAR:
                return exact(length, 2, buf.getChar(HEADER));
            case BYTE:
                return exact(length, 1, buf.get(HEADER));
            case BYTES: {
                byte[] b = new byte[length];
                buf.get(b);
                return b;
            }
            case SERIAL:
                if (encoding == L2Encoding.FIELDS) {
                    throw new DecodeException("Java serialization, which tiered.codec=fields never reads");
                }
                return deserialize(buf.array(), HEADER, length);
            case FIELDS:
                if (encoding == L2Encoding.JAVA) {
                    throw new DecodeException("the field encoding, which tiered.codec=java never reads");
                }
                return fields().decode(buf.array(), HEADER, length);
            default:
                throw new DecodeException("unknown kind " + kind);
        }
    }

    private static Object exact(int length, int expected, Object value) throws DecodeException {
        if (length != expected) {
            throw new DecodeException("a value of kind " + (value == null ? "null" : value.getClass().getSimpleName())
                    + " must have " + expected + " payload bytes, not " + length);
        }
        return value;
    }

    private Object deserialize(byte[] bytes, int offset, int length) throws DecodeException {
        try (FilteredInput in = new FilteredInput(new ByteArrayInputStream(bytes, offset, length))) {
            Object value = in.readObject();
            if (in.read() != -1) {
                throw new DecodeException("trailing bytes after the value");
            }
            return value;
        } catch (DecodeException e) {
            throw e;
        } catch (Exception | LinkageError | StackOverflowError | OutOfMemoryError e) {
            throw new DecodeException("Java deserialization refused or failed: " + e);
        }
    }

    /** Thrown while encoding when a value's class is outside the allow-list. */
    private static final class NotAllowedException extends IOException {
        NotAllowedException(String message) {
            super(message);
        }
    }

    /** Refuses, while writing, any object the reading side would refuse, so the problem shows at once. */
    private final class CheckedOutput extends ObjectOutputStream {
        /** The first refusal. */
        NotAllowedException refused;
        /**
         * After any failure ObjectOutputStream writes the exception itself into the stream (which is discarded);
         * from the first throwable on nothing is checked, so that the real cause is the one reported. A result
         * that really holds a throwable is refused when read anyway: no return type's allow-list has one.
         */
        private boolean writingFailure;

        CheckedOutput(ByteArrayOutputStream out) throws IOException {
            super(out);
            enableReplaceObject(true);
        }

        @Override
        protected Object replaceObject(Object obj) throws IOException {
            writingFailure |= refused != null || obj instanceof Throwable;
            if (obj != null && !writingFailure && !allowList.allows(obj.getClass())) {
                refused = new NotAllowedException(obj.getClass().getName() + " is not reachable from the declared "
                        + "return type, so L2 would refuse to read it back; declare the return type precisely, "
                        + "or add the class or its package to tiered.codec.allow");
                throw refused;
            }
            return obj;
        }
    }

    /** Resolves classes through the method's own loader, and only allowed ones. */
    private final class FilteredInput extends ObjectInputStream {
        FilteredInput(ByteArrayInputStream in) throws IOException {
            super(in);
            setObjectInputFilter(this::check);
        }

        private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info) {
            Class<?> c = info.serialClass();
            if (c != null && !allowList.allows(c)) {
                return ObjectInputFilter.Status.REJECTED;
            }
            if (info.depth() > MAX_DEPTH || info.references() > MAX_REFERENCES || info.arrayLength() > MAX_ARRAY
                    || info.streamBytes() > maxBytes) {
                return ObjectInputFilter.Status.REJECTED;
            }
            return c != null ? ObjectInputFilter.Status.ALLOWED : ObjectInputFilter.Status.UNDECIDED;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            String name = desc.getName();
            if (!allowList.allowsName(name)) {
                throw new InvalidClassException(name, "not in the allow-list of this method");
            }
            try {
                return Class.forName(name, false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }

        @Override
        protected Class<?> resolveProxyClass(String[] interfaces) throws InvalidClassException {
            throw new InvalidClassException("dynamic proxies are never decoded");
        }
    }

    /**
     * 64 bits of the SHA-256 of the return type and of the serialized form of every application class reachable
     * from it: names, serialVersionUIDs and serializable fields with their types, type arguments included (for a
     * class that is not Serializable, every field of it and of its superclasses, as {@link FieldCodec} writes them).
     */
    private static long fingerprint(Type returnType, AllowList allowList) {
        StringBuilder sb = new StringBuilder(returnType.getTypeName());
        allowList.applicationClasses().stream().sorted(Comparator.comparing(Class::getName)).forEach(c -> {
            sb.append('|').append(c.getName());
            ObjectStreamClass osc = ObjectStreamClass.lookup(c);
            if (osc != null) {
                sb.append('#').append(osc.getSerialVersionUID());
                for (ObjectStreamField f : osc.getFields()) {
                    sb.append(';').append(f.getName()).append(':').append(f.getTypeCode());
                    if (f.getTypeString() != null) {
                        sb.append(f.getTypeString());
                    }
                    sb.append(typeArguments(c, f.getName()));
                }
            }
            if (osc == null && !c.isEnum()) { // encoded by its fields (FieldCodec): their names and types
                for (Class<?> k = c; k != null && !AllowList.isJdk(k); k = k.getSuperclass()) {
                    for (java.lang.reflect.Field f : k.getDeclaredFields()) {
                        int m = f.getModifiers();
                        if (!java.lang.reflect.Modifier.isStatic(m) && !java.lang.reflect.Modifier.isTransient(m)) {
                            sb.append(';').append(k.getName()).append('.').append(f.getName()).append(':')
                                    .append(f.getGenericType().getTypeName());
                        }
                    }
                }
            }
            if (c.isEnum()) {
                sb.append("#enum");
            }
        });
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * A field's declared type when it has type arguments ({@code List<String>}), which serialization ignores: a field
     * retyped from {@code List<String>} to {@code List<Integer>} would otherwise read old entries into the new class.
     */
    private static String typeArguments(Class<?> c, String field) {
        try {
            Type type = c.getDeclaredField(field).getGenericType();
            return type instanceof Class ? "" : "<" + type.getTypeName() + ">";
        } catch (NoSuchFieldException e) {
            return ""; // a field declared only through serialPersistentFields
        }
    }
}
