package dev.tiered.runtime.l2;

import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The classes the L2 codec may write and read for one method: the JDK's value and collection types, the
 * application classes reachable from the method's declared return type (its type arguments, the declared types of
 * their serializable fields, their serializable superclasses and the permitted subclasses of sealed types; for a
 * class that is not Serializable, all its fields and superclasses), and
 * the packages or classes named in {@code tiered.codec.allow}. Anything else is refused before it is instantiated.
 */
final class AllowList {
    /**
     * JDK classes that may appear in a stream. Deliberately narrow: values, collections and the serialization
     * proxies they write themselves as. Not {@code java.net.URL}, reflection, proxies or anything with behaviour.
     */
    static final Set<String> JDK = Set.of(
            "java.lang.Boolean", "java.lang.Byte", "java.lang.Short", "java.lang.Character", "java.lang.Integer",
            "java.lang.Long", "java.lang.Float", "java.lang.Double", "java.lang.Number", "java.lang.String",
            "java.lang.Enum", "java.lang.String$CaseInsensitiveComparator",
            "java.math.BigDecimal", "java.math.BigInteger",
            "java.util.Map$Entry", "java.util.RegularEnumSet", "java.util.JumboEnumSet",
            "java.util.ArrayList", "java.util.LinkedList", "java.util.HashMap", "java.util.LinkedHashMap",
            "java.util.TreeMap", "java.util.HashSet", "java.util.LinkedHashSet", "java.util.TreeSet",
            "java.util.ArrayDeque", "java.util.EnumMap", "java.util.EnumSet$SerializationProxy",
            "java.util.CollSer", "java.util.Arrays$ArrayList", "java.util.UUID", "java.util.Date",
            "java.util.Locale", "java.util.Currency", "java.util.Comparators$NaturalOrderComparator",
            "java.util.Collections$UnmodifiableCollection", "java.util.Collections$UnmodifiableList",
            "java.util.Collections$UnmodifiableRandomAccessList", "java.util.Collections$UnmodifiableSet",
            "java.util.Collections$UnmodifiableSortedSet", "java.util.Collections$UnmodifiableNavigableSet",
            "java.util.Collections$UnmodifiableMap", "java.util.Collections$UnmodifiableSortedMap",
            "java.util.Collections$UnmodifiableNavigableMap", "java.util.Collections$EmptyList",
            "java.util.Collections$EmptySet", "java.util.Collections$EmptyMap",
            "java.util.Collections$SingletonList", "java.util.Collections$SingletonSet",
            "java.util.Collections$SingletonMap", "java.util.Collections$ReverseComparator",
            "java.util.concurrent.ConcurrentHashMap", "java.util.concurrent.ConcurrentHashMap$Segment",
            "java.util.concurrent.CopyOnWriteArrayList", "java.util.concurrent.CopyOnWriteArraySet",
            "java.util.concurrent.ConcurrentSkipListMap", "java.util.concurrent.ConcurrentSkipListSet",
            "java.net.URI", "java.sql.Date", "java.sql.Time", "java.sql.Timestamp");

    /**
     * JDK packages and nested-class families allowed whole: immutable value types, and the immutable collections
     * that {@code List.of} and friends resolve to. The filter sees the objects {@code readResolve} returns too.
     */
    static final List<String> JDK_PREFIXES = List.of("java.time.", "java.util.ImmutableCollections$");

    private final Set<Class<?>> application;
    private final Set<String> applicationNames;
    private final List<String> extra;

    private AllowList(Set<Class<?>> application, List<String> extra) {
        this.application = Collections.unmodifiableSet(application);
        Set<String> names = new HashSet<>();
        for (Class<?> c : application) {
            names.add(c.getName());
        }
        this.applicationNames = names;
        this.extra = List.copyOf(extra);
    }

    /** The allow-list for a method declared to return {@code returnType}. */
    static AllowList of(Type returnType, List<String> extra) {
        Set<Class<?>> found = new LinkedHashSet<>();
        walk(returnType, found, new HashSet<>());
        return new AllowList(found, extra);
    }

    /** The application classes reachable from the return type, in discovery order. */
    Set<Class<?>> applicationClasses() {
        return application;
    }

    /** Whether a class of this name may be resolved at all; checked before the class is loaded. */
    boolean allowsName(String name) {
        String component = componentName(name);
        if (component == null) {
            return true; // an array of primitives
        }
        if (!component.equals(name) && component.equals("java.lang.Object")) {
            return true; // Object[] as such holds nothing; its elements are checked one by one
        }
        return isJdkAllowed(component) || applicationNames.contains(component) || extraAllows(component);
    }

    private static boolean isJdkAllowed(String name) {
        if (JDK.contains(name)) {
            return true;
        }
        for (String prefix : JDK_PREFIXES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an instance of {@code c} may be written or read. */
    boolean allows(Class<?> c) {
        while (c.isArray()) {
            c = c.getComponentType();
            if (c == Object.class) {
                return true;
            }
        }
        if (c.isPrimitive()) {
            return true;
        }
        if (c.isEnum() || (c.getSuperclass() != null && c.getSuperclass().isEnum())) {
            Class<?> declaring = c.isEnum() ? c : c.getSuperclass();
            return application.contains(declaring) || isJdkEnum(declaring) || extraAllows(declaring.getName());
        }
        return application.contains(c) || (isJdk(c) && isJdkAllowed(c.getName())) || extraAllows(c.getName());
    }

    private static boolean isJdkEnum(Class<?> c) {
        return isJdk(c) && c.getName().startsWith("java.");
    }

    private boolean extraAllows(String name) {
        for (String entry : extra) {
            if (name.equals(entry) || name.startsWith(entry + ".") || name.startsWith(entry + "$")) {
                return true;
            }
        }
        return false;
    }

    /** For {@code [[Lcom.acme.X;} the name {@code com.acme.X}; for a primitive array {@code null}. */
    private static String componentName(String name) {
        if (!name.startsWith("[")) {
            return name;
        }
        int dims = 0;
        while (dims < name.length() && name.charAt(dims) == '[') {
            dims++;
        }
        if (dims < name.length() && name.charAt(dims) == 'L' && name.endsWith(";")) {
            return name.substring(dims + 1, name.length() - 1);
        }
        return null;
    }

    /** JDK interfaces and supertypes whose values may be of a class that L2 takes: nothing to say from the type. */
    private static final Set<String> OPEN_JDK_TYPES = Set.of("java.lang.Object", "java.lang.Number",
            "java.lang.CharSequence", "java.lang.Comparable", "java.io.Serializable", "java.lang.Iterable",
            "java.util.Optional", "java.util.concurrent.CompletableFuture", "java.util.concurrent.CompletionStage");

    /**
     * Why a method declared to return the JDK type {@code typeName} can never have a result stored in L2, or
     * {@code null} if it can (or the type is not the JDK's: its fields decide, value by value). Loads the type, if
     * at all, from the platform: safe while an application class is being defined.
     */
    static String neverStored(String typeName) {
        if (!typeName.startsWith("java.") && !typeName.startsWith("javax.") || typeName.endsWith("[]")
                || isJdkAllowed(typeName) || OPEN_JDK_TYPES.contains(typeName)) {
            return null;
        }
        Class<?> c;
        try {
            c = Class.forName(typeName, false, ClassLoader.getPlatformClassLoader());
        } catch (ClassNotFoundException | LinkageError notTheJdks) {
            return null;
        }
        if (c.isEnum() || java.util.Collection.class.isAssignableFrom(c) && c.isInterface()
                || java.util.Map.class.isAssignableFrom(c) && c.isInterface()) {
            return null;
        }
        return "its return type " + typeName + " is a JDK class that neither encoding of L2 takes (accepted: "
                + "values, strings, numbers, java.time, the JDK's lists, sets and maps, Optional, enums, arrays, "
                + "and the application's own classes)";
    }

    static boolean isJdk(Class<?> c) {
        ClassLoader loader = c.getClassLoader();
        return loader == null || loader == ClassLoader.getPlatformClassLoader();
    }

    private static void walk(Type type, Set<Class<?>> found, Set<Type> seen) {
        if (type == null || !seen.add(type)) {
            return;
        }
        if (type instanceof ParameterizedType) {
            ParameterizedType p = (ParameterizedType) type;
            walk(p.getRawType(), found, seen);
            for (Type argument : p.getActualTypeArguments()) {
                walk(argument, found, seen);
            }
        } else if (type instanceof GenericArrayType) {
            walk(((GenericArrayType) type).getGenericComponentType(), found, seen);
        } else if (type instanceof WildcardType) {
            for (Type bound : ((WildcardType) type).getUpperBounds()) {
                walk(bound, found, seen);
            }
        } else if (type instanceof TypeVariable) {
            for (Type bound : ((TypeVariable<?>) type).getBounds()) {
                walk(bound, found, seen);
            }
        } else if (type instanceof Class) {
            Class<?> c = (Class<?>) type;
            if (c.isArray()) {
                walk(c.getComponentType(), found, seen);
                return;
            }
            if (c.isPrimitive() || isJdk(c)) {
                return;
            }
            found.add(c);
            if (c.isEnum()) {
                return;
            }
            if (c.isSealed()) {
                for (Class<?> permitted : c.getPermittedSubclasses()) {
                    walk(permitted, found, seen);
                }
            }
            // a Serializable class's serializable superclasses; for any other (encoded by its fields), every
            // superclass below the JDK's
            boolean serializable = Serializable.class.isAssignableFrom(c);
            for (Class<?> k = c; k != null && !isJdk(k) && (!serializable || Serializable.class.isAssignableFrom(k));
                 k = k.getSuperclass()) {
                found.add(k);
                for (Field f : k.getDeclaredFields()) {
                    int m = f.getModifiers();
                    if (!Modifier.isStatic(m) && !Modifier.isTransient(m)) {
                        walk(f.getGenericType(), found, seen);
                    }
                }
            }
        }
    }
}
