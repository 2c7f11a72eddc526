package dev.tiered.agent.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether a class implements an interface whose methods carry the annotations ({@code @Tiered} or
 * {@code @Invalidates} on an interface method apply to the classes that implement it, JDK proxies included). The
 * class's own bytes do not mention the annotations then, so the filter asks here: the interfaces the class lists
 * directly, and theirs, are looked up by name through the class's loader and their class files scanned the way the
 * filter scans every class. The answer is kept per loader and interface, so each interface is read once.
 *
 * <p>Interfaces of the JDK and of well-known libraries (Spring, Hibernate, Jakarta, Apache, Jackson and such) are
 * never read: an application cannot annotate them, and they are most of the interfaces a class implements.
 */
final class AnnotatedInterfaces {
    /** Packages (internal names) whose interfaces are never looked at. */
    private static final List<String> LIBRARIES = List.of("java/", "javax/", "jakarta/", "jdk/", "sun/", "com/sun/",
            "org/springframework/", "org/hibernate/", "org/apache/", "com/fasterxml/", "io/micrometer/",
            "io/netty/", "reactor/", "org/reactivestreams/", "org/slf4j/", "ch/qos/", "org/aspectj/",
            "net/bytebuddy/", "org/jboss/", "com/zaxxer/", "org/h2/", "kotlin/", "scala/", "groovy/",
            "org/yaml/", "com/google/", "io/opentelemetry/", "org/junit/", "redis/clients/");
    /** Interfaces below this depth of super-interfaces are not followed (a cycle cannot occur in valid code). */
    private static final int MAX_DEPTH = 8;

    private final Map<ClassLoader, Map<String, Boolean>> known = Collections.synchronizedMap(new WeakHashMap<>());
    /** The super-interfaces of the application's interfaces, per loader, read once: what rules on them need. */
    private final Map<ClassLoader, Map<String, List<String>>> parents =
            Collections.synchronizedMap(new WeakHashMap<>());

    /** Whether the class of these bytes lists, directly or through their super-interfaces, an annotated one. */
    boolean implementsOne(ClassLoader loader, byte[] classBytes) {
        if (loader == null) {
            return false; // the bootstrap loader's classes are the JDK's
        }
        for (String name : ClassHeader.interfaces(classBytes)) {
            if (annotated(loader, name, 0)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the class of these bytes lists an interface {@code named} (internal names), directly or through the
     * application's interfaces it lists: the interfaces of the JDK and well-known libraries are tested by name but
     * not followed to their own parents.
     */
    boolean listsOne(ClassLoader loader, byte[] classBytes, java.util.function.Predicate<String> named) {
        if (loader == null) {
            return false;
        }
        for (String name : ClassHeader.interfaces(classBytes)) {
            if (lists(loader, name, named, 0)) {
                return true;
            }
        }
        return false;
    }

    private boolean lists(ClassLoader loader, String name, java.util.function.Predicate<String> named, int depth) {
        if (named.test(name)) {
            return true;
        }
        if (depth > MAX_DEPTH || library(name)) {
            return false;
        }
        List<String> up = parents.computeIfAbsent(loader, l -> new ConcurrentHashMap<>()).computeIfAbsent(name,
                n -> {
                    byte[] bytes = bytes(loader, n);
                    return bytes == null ? List.of() : ClassHeader.interfaces(bytes);
                });
        for (String parent : up) {
            if (lists(loader, parent, named, depth + 1)) {
                return true;
            }
        }
        return false;
    }

    private boolean annotated(ClassLoader loader, String name, int depth) {
        if (depth > MAX_DEPTH || library(name)) {
            return false;
        }
        Map<String, Boolean> byName = known.computeIfAbsent(loader, l -> new ConcurrentHashMap<>());
        Boolean answer = byName.get(name);
        if (answer == null) {
            answer = read(loader, name, depth);
            byName.put(name, answer);
        }
        return answer;
    }

    private boolean read(ClassLoader loader, String name, int depth) {
        byte[] bytes = bytes(loader, name);
        if (bytes == null) {
            return false;
        }
        if (ClassFileFilter.mentionsAnnotations(bytes)) {
            return true;
        }
        for (String parent : ClassHeader.interfaces(bytes)) {
            if (annotated(loader, parent, depth + 1)) {
                return true;
            }
        }
        return false;
    }

    /** The class file of this internal name as the loader finds it, or null. */
    private static byte[] bytes(ClassLoader loader, String name) {
        try (InputStream in = loader.getResourceAsStream(name + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException | RuntimeException unreadable) {
            return null;
        }
    }

    /** Whether an interface of this internal name is of the JDK or a well-known library, never read. */
    static boolean library(String name) {
        for (String prefix : LIBRARIES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
