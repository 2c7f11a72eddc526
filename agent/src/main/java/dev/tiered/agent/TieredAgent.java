package dev.tiered.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.net.URL;
import java.util.jar.JarFile;

/**
 * The agent's entry point, loaded by the system class loader from {@code tiered-agent.jar}.
 *
 * <p>It does two things and nothing else: it creates the {@link AgentClassLoader} that loads the engine and its
 * dependencies from the jar's {@code inst/} folder, and hands over to its launcher, which registers the agent's
 * class file filter and starts the rest in the background. Any failure leaves the application running exactly as
 * without the agent.
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
            Class.forName("dev.tiered.agent.internal.Launcher", true, loader)
                    .getMethod("start", String.class, Instrumentation.class, boolean.class, ClassLoader.class,
                            JarFile.class)
                    .invoke(null, args, inst, attached, loader, jar);
        } catch (Throwable t) {
            System.err.println("tiered: the agent could not start and does nothing; the application runs uncached: "
                    + (t instanceof java.lang.reflect.InvocationTargetException ? t.getCause() : t));
        }
    }
}
