package dev.tiered.runtime;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether two results of one method are the same result to the person who wrote it, for verify mode: by
 * {@code equals} where their class defines it, and otherwise by what they hold. A JPA entity rarely defines
 * {@code equals} (identity is the norm), so two loads of one unchanged row are two instances that {@code equals}
 * calls different; here they are the same.
 *
 * <ul>
 *   <li>Lists, sets, maps and arrays compare by their elements (whatever the collection class: a Hibernate
 *       {@code PersistentBag} and an {@code ArrayList} holding the same elements are the same), records by their
 *       components, other classes that declare {@code equals} (strings, numbers, value objects) by it;</li>
 *   <li>any other object by its fields, the fields of its superclasses included, but for static and transient ones
 *       and those a bytecode enhancer added ({@code $$_hibernate_...});</li>
 *   <li>what cannot be read without loading it (a Hibernate proxy, an uninitialised lazy collection) is not
 *       compared, and neither is a cycle's second visit.</li>
 * </ul>
 * The walk is bounded: past {@value #MAX_NODES} objects, a set larger than {@value #MAX_SET} without usable
 * {@code equals}, or a field that the JVM does not let it read, the answer is {@link Verdict#UNKNOWN}, which
 * verify mode does not count as a difference.
 */
final class SameResult {
    enum Verdict { SAME, DIFFERENT, UNKNOWN }

    static final int MAX_NODES = 100_000;
    static final int MAX_SET = 1_000;

    private final IdentityHashMap<Object, Object> visiting = new IdentityHashMap<>();
    private int nodes;

    private SameResult() {}

    static Verdict compare(Object a, Object b) {
        try {
            return new SameResult().same(a, b) ? Verdict.SAME : Verdict.DIFFERENT;
        } catch (Unknown | InaccessibleObjectException | StackOverflowError e) {
            return Verdict.UNKNOWN;
        }
    }

    /** Thrown to end a walk that cannot decide. */
    private static final class Unknown extends RuntimeException {
        Unknown() {
            super(null, null, false, false);
        }
    }

    private boolean same(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (++nodes > MAX_NODES) {
            throw new Unknown();
        }
        if (unloaded(a) || unloaded(b)) {
            return true; // not part of what the caller could have seen without loading it
        }
        if (visiting.get(a) == b) {
            return true; // a cycle: the pair is being compared further up
        }
        visiting.put(a, b);
        try {
            return compareNonNull(a, b);
        } finally {
            visiting.remove(a);
        }
    }

    private boolean compareNonNull(Object a, Object b) {
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            return sameInOrder(la, lb);
        }
        if (a instanceof Set<?> sa && b instanceof Set<?> sb) {
            return sameSets(sa, sb);
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            return sameMaps(ma, mb);
        }
        if (a instanceof Collection<?> ca && b instanceof Collection<?> cb) {
            return sameInOrder(ca, cb);
        }
        Class<?> type = a.getClass();
        if (type != b.getClass()) {
            return false;
        }
        if (type.isArray()) {
            int length = Array.getLength(a);
            if (length != Array.getLength(b)) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (!same(Array.get(a, i), Array.get(b, i))) {
                    return false;
                }
            }
            return true;
        }
        if (type.isRecord()) {
            for (RecordComponent c : type.getRecordComponents()) {
                if (!same(read(c.getAccessor(), a), read(c.getAccessor(), b))) {
                    return false;
                }
            }
            return true;
        }
        if (declaresEquals(type)) {
            return a.equals(b);
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || Modifier.isTransient(f.getModifiers()) || f.isSynthetic()
                        || f.getName().startsWith("$$_hibernate")) {
                    continue;
                }
                f.setAccessible(true);
                try {
                    if (!same(f.get(a), f.get(b))) {
                        return false;
                    }
                } catch (IllegalAccessException e) {
                    throw new Unknown();
                }
            }
        }
        return true;
    }

    private boolean sameInOrder(Collection<?> a, Collection<?> b) {
        if (a.size() != b.size()) {
            return false;
        }
        Iterator<?> i = a.iterator();
        Iterator<?> j = b.iterator();
        while (i.hasNext() && j.hasNext()) {
            if (!same(i.next(), j.next())) {
                return false;
            }
        }
        return !i.hasNext() && !j.hasNext();
    }

    /** Each element of one matched by a distinct element of the other: by equals when it is usable, else pairwise. */
    private boolean sameSets(Set<?> a, Set<?> b) {
        if (a.size() != b.size()) {
            return false;
        }
        List<Object> unmatched = new ArrayList<>(b);
        for (Object x : a) {
            if (x == null || declaresEquals(x.getClass()) && !x.getClass().isRecord()) {
                if (!unmatched.remove(x)) {
                    return false;
                }
                continue;
            }
            if (a.size() > MAX_SET) {
                throw new Unknown();
            }
            boolean found = false;
            for (Iterator<Object> it = unmatched.iterator(); it.hasNext(); ) {
                Object y = it.next();
                if (same(x, y)) {
                    it.remove();
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /** Keys by equals (a key without a usable equals cannot be looked up: unknown), values compared. */
    private boolean sameMaps(Map<?, ?> a, Map<?, ?> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<?, ?> e : a.entrySet()) {
            Object key = e.getKey();
            if (key != null && !declaresEquals(key.getClass())) {
                throw new Unknown();
            }
            if (!b.containsKey(key) || !same(e.getValue(), b.get(key))) {
                return false;
            }
        }
        return true;
    }

    /** Whether a class below Object declares equals: it knows what "the same" means for its instances. */
    private static boolean declaresEquals(Class<?> type) {
        try {
            return type.getMethod("equals", Object.class).getDeclaringClass() != Object.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /**
     * Per class: Hibernate's proxy or persistent-collection interface if it implements one (found by name: tiered
     * does not depend on Hibernate), else {@code null}.
     */
    private static final ClassValue<Class<?>> HIBERNATE = new ClassValue<>() {
        @Override
        protected Class<?> computeValue(Class<?> type) {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                for (Class<?> i : c.getInterfaces()) {
                    if (i.getName().equals("org.hibernate.proxy.HibernateProxy")
                            || i.getName().equals("org.hibernate.collection.spi.PersistentCollection")) {
                        return i;
                    }
                }
            }
            return null;
        }
    };

    /** A Hibernate proxy, or a lazy collection not yet loaded: reading it would load it, or fail outside a session. */
    private static boolean unloaded(Object o) {
        Class<?> hibernate = HIBERNATE.get(o.getClass());
        if (hibernate == null) {
            return false;
        }
        if (hibernate.getName().endsWith("HibernateProxy")) {
            return true;
        }
        try {
            return !(Boolean) hibernate.getMethod("wasInitialized").invoke(o);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return true;
        }
    }

    private static Object read(Method accessor, Object record) {
        try {
            accessor.setAccessible(true);
            return accessor.invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new Unknown();
        }
    }
}
