package dev.tiered.runtime.l1;

import java.util.Arrays;
import java.util.Objects;

/**
 * L1 keys. Each cached method has its own L1, so a key holds only argument values: none for a method without
 * parameters, the argument itself for one parameter (no allocation unless it is an array or {@code null}), and a
 * small immutable holder for more. Arrays compare by content, at any depth.
 */
public final class Keys {
    /** The key of a method without parameters, and of a single {@code null} argument. */
    public static final Object EMPTY = new Marker("()");
    public static final Object NULL = new Marker("(null)");

    private Keys() {}

    public static Object of1(Object a0) {
        if (a0 == null) {
            return NULL;
        }
        return a0.getClass().isArray() ? new ArrayKey(a0) : a0;
    }

    public static Object of2(Object a0, Object a1) {
        return new Key2(a0, a1);
    }

    public static Object of3(Object a0, Object a1, Object a2) {
        return new Key3(a0, a1, a2);
    }

    /** For any number of arguments; {@code args} must not be modified afterwards. */
    public static Object ofN(Object[] args) {
        return new KeyN(args);
    }

    /** The argument values a key stands for, in parameter order. */
    public static Object[] arguments(Object key, int arity) {
        switch (arity) {
            case 0:
                return new Object[0];
            case 1:
                return new Object[] {key == NULL ? null : key instanceof ArrayKey ? ((ArrayKey) key).array : key};
            case 2:
                return new Object[] {((Key2) key).a, ((Key2) key).b};
            case 3:
                return new Object[] {((Key3) key).a, ((Key3) key).b, ((Key3) key).c};
            default:
                return ((KeyN) key).args.clone();
        }
    }

    private static final class Marker {
        private final String name;

        Marker(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    public static int hash(Object o) {
        if (o == null) {
            return 0;
        }
        if (o.getClass().isArray()) {
            return Arrays.deepHashCode(new Object[] {o});
        }
        return o.hashCode();
    }

    /** A single array argument. */
    public static final class ArrayKey {
        final Object array;
        private final int hash;

        ArrayKey(Object array) {
            this.array = array;
            this.hash = hash(array);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ArrayKey && Objects.deepEquals(array, ((ArrayKey) o).array);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    public static final class Key2 {
        final Object a;
        final Object b;
        private final int hash;

        Key2(Object a, Object b) {
            this.a = a;
            this.b = b;
            this.hash = 31 * hash(a) + hash(b);
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key2)) {
                return false;
            }
            Key2 k = (Key2) o;
            return hash == k.hash && Objects.deepEquals(a, k.a) && Objects.deepEquals(b, k.b);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    public static final class Key3 {
        final Object a;
        final Object b;
        final Object c;
        private final int hash;

        Key3(Object a, Object b, Object c) {
            this.a = a;
            this.b = b;
            this.c = c;
            this.hash = 31 * (31 * hash(a) + hash(b)) + hash(c);
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key3)) {
                return false;
            }
            Key3 k = (Key3) o;
            return hash == k.hash && Objects.deepEquals(a, k.a) && Objects.deepEquals(b, k.b)
                    && Objects.deepEquals(c, k.c);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    public static final class KeyN {
        final Object[] args;
        private final int hash;

        KeyN(Object[] args) {
            this.args = args;
            this.hash = Arrays.deepHashCode(args);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KeyN && hash == ((KeyN) o).hash && Arrays.deepEquals(args, ((KeyN) o).args);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
