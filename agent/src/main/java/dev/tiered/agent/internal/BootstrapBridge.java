package dev.tiered.agent.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import net.bytebuddy.dynamic.loading.ClassInjector;

/**
 * Puts the bridge classes ({@code dev.tiered.agent.bootstrap}) into the bootstrap class loader, where advice
 * inlined into any class can resolve them.
 *
 * <p>They are defined directly in the bootstrap loader when the JVM allows it. Appending the agent jar to the
 * bootstrap class path would work everywhere too, but it turns off class-data sharing for every class not loaded
 * by the bootstrap loader on JDK 17 to 23 (slower start-up, and a JVM warning), so there it is only the fallback.
 * From JDK 24 on, defining classes that way would print a deprecation warning, and appending is used.
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
        if (Runtime.version().feature() >= 24) {
            // from JDK 24 on, preparing Byte Buddy's Unsafe-based injector prints a deprecation warning (JEP 498)
            inst.appendToBootstrapClassLoaderSearch(agentJar);
            return "on the bootstrap class path";
        }
        try {
            ClassInjector.UsingUnsafe.Factory factory = ClassInjector.UsingUnsafe.Factory.resolve(inst);
            if (factory.isAvailable()) {
                factory.make(null).injectRaw(classes);
                return "defined in the bootstrap class loader";
            }
        } catch (RuntimeException | LinkageError unavailable) {
            // fall back to the class path
        }
        inst.appendToBootstrapClassLoaderSearch(agentJar);
        return "on the bootstrap class path";
    }
}
