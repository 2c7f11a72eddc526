package dev.tiered.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.net.URL;
import java.util.jar.JarFile;

/**
 * The agent's entry point, loaded by the system class loader from {@code tiered-agent.jar}.
 *
 * <p>It does three things and nothing else: it creates the {@link AgentClassLoader} that loads the engine and its
 * dependencies from the jar's {@code inst/} folder, has it put the bridge classes (stored at the jar's root) into
 * the bootstrap class loader, and hands over to the installer. Any failure leaves the application running exactly
 * as without the agent.
 */
public final class TieredAgent {
    private static boolean started;

    private TieredAgent() {}

    /** Called for {@code -javaagent:tiered-agent.jar} before {@code main}. */
    public static void premain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    /** Called when the agent is attached to a running JVM; classes already loaded are retransformed. */
    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, true);
    }

    private static synchronized void start(String args, Instrumentation inst, boolean attached) {
        if (started) {
            return;
        }
        started = true;
        try {
            URL location = TieredAgent.class.getProtectionDomain().getCodeSource().getLocation();
            File file = new File(location.toURI());
            JarFile jar = new JarFile(file);
            ClassLoader loader = new AgentClassLoader(jar, location, ClassLoader.getPlatformClassLoader());
            // the bridge first: the installer's classes refer to it
            Object how = Class.forName("dev.tiered.agent.internal.BootstrapBridge", true, loader)
                    .getMethod("install", Instrumentation.class, JarFile.class).invoke(null, inst, jar);
            Class<?> installer = Class.forName("dev.tiered.agent.internal.Installer", true, loader);
            installer.getMethod("install", String.class, Instrumentation.class, boolean.class, ClassLoader.class,
                    String.class).invoke(null, args, inst, attached, loader, how);
        } catch (Throwable t) {
            System.err.println("tiered: the agent could not start and does nothing; the application runs uncached: "
                    + (t instanceof java.lang.reflect.InvocationTargetException ? t.getCause() : t));
        }
    }
}
