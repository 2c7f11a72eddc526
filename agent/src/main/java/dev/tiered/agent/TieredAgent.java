package dev.tiered.agent;

import java.io.File;
import java.net.JarURLConnection;
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

    /**
     * The jar that holds the engine, found by its {@code inst/} folder wherever it is on the class path: the JVM
     * appends the agent jar to it, but a plain copy of this class that came first (the agent module's thin jar, a
     * Maven dependency of the application) is the one loaded, and its own jar has no engine.
     */
    private static URL agentJar() throws java.io.IOException {
        URL launcher = ClassLoader.getSystemResource(AgentClassLoader.PREFIX
                + "dev/tiered/agent/internal/Launcher.classdata");
        if (launcher != null && launcher.getProtocol().equals("jar")) {
            return ((JarURLConnection) launcher.openConnection()).getJarFileURL();
        }
        URL own = TieredAgent.class.getProtectionDomain().getCodeSource().getLocation();
        throw new IllegalStateException(own + " is not the agent jar (it has no " + AgentClassLoader.PREFIX
                + " folder, and none is on the class path): give -javaagent the tiered-agent.jar that the build "
                + "makes, agent/target/tiered-agent.jar");
    }

    /** The agent detached: it may be attached again. */
    private static synchronized void detached() {
        started = false;
    }

    private static synchronized void start(String args, Instrumentation inst, boolean attached) {
        if (started) {
            return;
        }
        started = true;
        try {
            URL location = agentJar();
            File file = new File(location.toURI());
            JarFile jar = new JarFile(file);
            ClassLoader loader = new AgentClassLoader(jar, location, ClassLoader.getPlatformClassLoader());
            Class.forName("dev.tiered.agent.internal.Launcher", true, loader)
                    .getMethod("start", String.class, Instrumentation.class, boolean.class, ClassLoader.class,
                            JarFile.class, Runnable.class)
                    .invoke(null, args, inst, attached, loader, jar, (Runnable) TieredAgent::detached);
        } catch (Throwable t) {
            System.err.println("tiered: the agent could not start and does nothing; the application runs uncached: "
                    + (t instanceof java.lang.reflect.InvocationTargetException ? t.getCause() : t));
        }
    }
}
