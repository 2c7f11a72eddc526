package dev.tiered.agent.internal;

import static net.bytebuddy.matcher.ElementMatchers.declaresMethod;
import static net.bytebuddy.matcher.ElementMatchers.isAnnotatedWith;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.named;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tiered.runtime.TieredConfig;
import dev.tiered.runtime.TieredRuntime;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.utility.JavaModule;

/**
 * Runs inside the agent's class loader: reads the configuration, starts the runtime and installs the transformer.
 * Called once, reflectively, by {@link dev.tiered.agent.TieredAgent}.
 */
public final class Installer {
    private Installer() {}

    public static void install(String args, Instrumentation inst, boolean attached, ClassLoader agentLoader,
                               String bridge) {
        TieredConfig config = TieredConfig.fromEnvironment();
        Logger log = startLogging(config, agentLoader);
        log.debug("bridge {}", bridge);
        if (!config.enabled()) {
            log.info("tiered {} is disabled by {}=false: no class is transformed", version(), TieredConfig.ENABLED);
            return;
        }
        TieredRuntime runtime = TieredRuntime.start(config);
        ClassFileTransformer transformer = agentBuilder()
                .disableClassFormatChanges()
                .with(AgentBuilder.DescriptionStrategy.Default.POOL_ONLY)
                .with(AgentBuilder.PoolStrategy.Default.FAST)
                .with(new ErrorListener(log))
                .ignore(isSynthetic())
                .type(declaresMethod(isAnnotatedWith(named(TieredTransformer.TIERED))
                        .or(isAnnotatedWith(named(TieredTransformer.INVALIDATES)))))
                .transform(new TieredTransformer(runtime))
                .makeRaw();
        inst.addTransformer(new ClassFileFilter(transformer, agentLoader), true);
        if (attached) {
            retransformLoaded(inst, agentLoader, log);
        }
        log.info("tiered {} active", version());
    }

    /**
     * {@code new AgentBuilder.Default()} eagerly prepares Byte Buddy's "Nexus" (which this agent never uses, as it
     * makes no class-format changes), and that touches {@code sun.misc.Unsafe}: a warning on JDK 24 and later. The
     * property that skips it is set only while the builder is created, so the application's own Byte Buddy, if any,
     * never sees it.
     */
    private static AgentBuilder agentBuilder() {
        String property = "net.bytebuddy.nexus.disabled";
        String previous = System.getProperty(property);
        System.setProperty(property, "true");
        try {
            return new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED));
        } finally {
            if (previous == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, previous);
            }
        }
    }

    /**
     * Initialises the agent's own SLF4J. slf4j-simple reads {@code simplelogger.properties} through the context
     * class loader, which here is the application's; for the moment of initialisation it is the agent's.
     */
    private static Logger startLogging(TieredConfig config, ClassLoader agentLoader) {
        if (!config.logLevel().equals("info")) {
            // read by the agent's slf4j-simple for the logger named "tiered" only
            System.setProperty("org.slf4j.simpleLogger.log.tiered", config.logLevel());
        }
        Thread thread = Thread.currentThread();
        ClassLoader context = thread.getContextClassLoader();
        thread.setContextClassLoader(agentLoader);
        try {
            return LoggerFactory.getLogger("tiered");
        } finally {
            thread.setContextClassLoader(context);
        }
    }

    /** After a late attach: rewrites the annotated classes that were loaded before the agent arrived. */
    private static void retransformLoaded(Instrumentation inst, ClassLoader agentLoader, Logger log) {
        List<Class<?>> annotated = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (c.isArray() || c.isPrimitive() || c.isHidden() || c.getClassLoader() == agentLoader
                    || !inst.isModifiableClass(c)) {
                continue;
            }
            try {
                if (declaresAnnotatedMethod(c)) {
                    annotated.add(c);
                }
            } catch (Throwable unreadable) {
                // a class whose methods cannot be reflected on cannot be ours
            }
        }
        for (Class<?> c : annotated) {
            try {
                inst.retransformClasses(c);
            } catch (Throwable t) {
                log.warn("{} stays uncached: it could not be retransformed after attach ({})", c.getName(), t.toString());
            }
        }
        log.info("attached: {} loaded classes with @Tiered or @Invalidates methods were retransformed", annotated.size());
    }

    private static boolean declaresAnnotatedMethod(Class<?> c) {
        for (Method m : c.getDeclaredMethods()) {
            for (Annotation a : m.getDeclaredAnnotations()) {
                String name = a.annotationType().getName();
                if (name.equals(TieredTransformer.TIERED) || name.equals(TieredTransformer.INVALIDATES)) {
                    return true;
                }
            }
        }
        return false;
    }

    static String version() {
        try (InputStream in = Installer.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "(unknown version)");
        } catch (IOException e) {
            return "(unknown version)";
        }
    }

    /** One line per class that could not be transformed; its methods run as written. */
    private static final class ErrorListener extends AgentBuilder.Listener.Adapter {
        private final Logger log;

        ErrorListener(Logger log) {
            this.log = log;
        }

        @Override
        public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded,
                            Throwable throwable) {
            log.warn("{} is left as written: it could not be transformed ({})", typeName, throwable.toString());
        }
    }
}
