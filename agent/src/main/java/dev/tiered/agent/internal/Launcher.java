package dev.tiered.agent.internal;

import java.lang.instrument.Instrumentation;
import java.util.jar.JarFile;

/**
 * Starts the agent without holding up the application. Before {@code premain} returns it only registers the
 * {@link ClassFileFilter}, so that no class is missed; the engine (bridge, configuration, logging, runtime, Byte
 * Buddy) starts on a background thread, in parallel with the application's own start-up, and the filter opens when
 * it is ready. Only a class that carries the annotations and loads before then waits for it.
 *
 * <p>After a late attach everything happens on the attaching thread instead, as classes already loaded must be
 * retransformed by a ready engine.
 *
 * <p>This class refers to nothing that needs the bridge: {@link Installer}, which does, is loaded by name once the
 * bridge is in place.
 */
public final class Launcher {
    private Launcher() {}

    public static void start(String args, Instrumentation inst, boolean attached, ClassLoader agentLoader,
                             JarFile agentJar, Runnable detached) {
        ClassFileFilter filter = new ClassFileFilter(agentLoader);
        inst.addTransformer(filter, true);
        Runnable start = () -> {
            try {
                String bridge = BootstrapBridge.install(inst, agentJar);
                Class.forName("dev.tiered.agent.internal.Installer", true, agentLoader)
                        .getMethod("install", String.class, Instrumentation.class, boolean.class, ClassLoader.class,
                                String.class, ClassFileFilter.class, Runnable.class)
                        .invoke(null, args, inst, attached, agentLoader, bridge, filter, detached);
            } catch (Throwable t) {
                System.err.println("tiered: the agent could not start and does nothing; the application runs "
                        + "uncached: " + (t instanceof java.lang.reflect.InvocationTargetException ? t.getCause() : t));
                inst.removeTransformer(filter);
                filter.open(null, null);
            }
        };
        if (attached) {
            start.run();
            return;
        }
        Thread thread = new Thread(start, "tiered-start");
        thread.setDaemon(true);
        thread.setContextClassLoader(agentLoader);
        thread.start();
    }
}
