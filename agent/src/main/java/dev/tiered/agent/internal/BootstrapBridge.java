package dev.tiered.agent.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Puts the bridge classes ({@code dev.tiered.agent.bootstrap}) into the bootstrap class loader, where advice
 * inlined into any class can resolve them.
 *
 * <p>They are defined directly in the bootstrap loader through the JDK's internal {@code Unsafe}, which the
 * agent's module is allowed to use by {@link Instrumentation#redefineModule}. Appending the agent jar to the
 * bootstrap class path works everywhere too, but it turns off class-data sharing for every class not loaded by the
 * bootstrap loader (slower start-up, and a JVM warning), so it is only the fallback.
 */
public final class BootstrapBridge {
    static final String PACKAGE = "dev/tiered/agent/bootstrap/";

    private BootstrapBridge() {}

    /** Must run before any class that refers to the bridge is loaded. Returns how the bridge was installed. */
    public static String install(Instrumentation inst, JarFile agentJar) throws IOException {
        Map<String, byte[]> classes = new LinkedHashMap<>();
        Enumeration<JarEntry> entries = agentJar.entries();
        while (entries.hasMoreElements()) {
            JarEntry e = entries.nextElement();
            if (e.getName().startsWith(PACKAGE) && e.getName().endsWith(".class")) {
                try (InputStream in = agentJar.getInputStream(e)) {
                    String name = e.getName().substring(0, e.getName().length() - ".class".length()).replace('/', '.');
                    classes.put(name, in.readAllBytes());
                }
            }
        }
        try {
            Class.forName("dev.tiered.agent.bootstrap.Bridge", false, null);
            try {
                openUnsafe(inst); // for this agent's anchors
            } catch (RuntimeException closed) {
                // anchors are not defined then; sites stay in the bridge
            }
            return "already in the bootstrap class loader (an agent ran here before, and detached)";
        } catch (ClassNotFoundException first) {
            // the first agent in this JVM
        }
        try {
            defineInBootstrapLoader(inst, classes);
            return "defined in the bootstrap class loader";
        } catch (ReflectiveOperationException | RuntimeException | LinkageError unavailable) {
            inst.appendToBootstrapClassLoaderSearch(agentJar);
            return "on the bootstrap class path (" + unavailable + ")";
        }
    }

    /** Lets the agent's module use {@code jdk.internal.misc.Unsafe}: the bridge's and the anchors' definitions. */
    private static void openUnsafe(Instrumentation inst) {
        inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(),
                Map.of("jdk.internal.misc", Set.of(BootstrapBridge.class.getModule())), Set.of(), Map.of());
    }

    private static void defineInBootstrapLoader(Instrumentation inst, Map<String, byte[]> classes)
            throws ReflectiveOperationException {
        openUnsafe(inst);
        Class<?> unsafeType = Class.forName("jdk.internal.misc.Unsafe");
        Object unsafe = unsafeType.getMethod("getUnsafe").invoke(null);
        Method define = unsafeType.getMethod("defineClass", String.class, byte[].class, int.class, int.class,
                ClassLoader.class, ProtectionDomain.class);
        for (Map.Entry<String, byte[]> c : classes.entrySet()) {
            define.invoke(unsafe, c.getKey(), c.getValue(), 0, c.getValue().length, null, null);
        }
    }
}
