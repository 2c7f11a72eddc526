package dev.tiered.agent.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tiered.agent.bootstrap.Bridge;
import dev.tiered.runtime.CallTrace;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.config.Rules;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.observe.Observation;

/**
 * Runs inside the agent's class loader, on the {@link Launcher}'s thread once the bridge is in place: reads the
 * configuration, starts the runtime and attaches what observes it (JMX, Prometheus, the log summary), opens the
 * class file filter to the {@link Rewriter}, and rehearses a rewrite
 * so that the application's first annotated class finds Byte Buddy loaded.
 */
public final class Installer {
    private Installer() {}

    public static void install(String args, Instrumentation inst, boolean attached, ClassLoader agentLoader,
                               String bridge, ClassFileFilter filter, Runnable detached) {
        TieredConfig config = TieredConfig.fromEnvironment(args);
        Logger log = startLogging(config, agentLoader);
        log.debug("bridge {}", bridge);
        if (!config.enabled()) {
            inst.removeTransformer(filter);
            filter.open(null, null);
            config.problems().forEach(log::warn); // the runtime, which would tell them, does not start
            log.info("tiered {} is disabled by {}: no class is transformed", version(), TieredConfig.ENABLED);
            return;
        }
        TieredRuntime runtime = TieredRuntime.start(config);
        Observation.attach(runtime);
        if (config.provenance()) {
            Bridge.lastCall(CallTrace::lastOnThisThread);
        }
        Anchors anchors = new Anchors(runtime.classLoaders(), Bridge.started());
        if (!anchors.available()) {
            log.info("class loaders cannot be anchored (the JDK's internal Unsafe is closed to tiered): what tiered "
                    + "holds for a class loader stays after the loader is dropped");
        }
        TieredTransformer transformer = new TieredTransformer(runtime, anchors);
        Rewriter rewriter = new Rewriter(transformer, log, inst);
        runtime.detachWith(new Detacher(inst, filter, rewriter, anchors, runtime, detached, log));
        Rules rules = config.rules();
        dev.tiered.runtime.config.AdvisePattern advised = config.advise();
        filter.open(rewriter, log::warn, internal -> {
            Rules now = transformer.rules(); // read at each class load: a reload may name other classes
            dev.tiered.runtime.Advisor advisor = runtime.advisor(); // or an advisor started later
            return !now.isEmpty() && now.namesClass(internal.replace('/', '.'))
                    || advisor != null && advisor.pattern().matches(internal.replace('/', '.'));
        }, () -> {
            Rules now = transformer.rules();
            return now.isEmpty() ? null : internal -> now.namesClass(internal.replace('/', '.'));
        });
        runtime.advisingWith(pattern -> retransformNamed(inst, c -> pattern.matches(c.getName()), agentLoader, log,
                "is not observed: it could not be rewritten as loaded"));
        if (advised != null) {
            retransformNamed(inst, c -> advised.matches(c.getName()), agentLoader, log, "is not observed: it could "
                    + "not be rewritten as loaded");
            log.info("advisor: observing the methods of {} without caching them; its table and rules: "
                    + "java -jar tiered-agent.jar advise <pid>{}", advised, config.adviseOnly() ? " (" + TieredConfig
                    .ADVISE_ONLY + ": nothing is cached, annotations and rules are not applied)" : "");
        }
        if (config.adviseOnly()) {
            log.info("tiered {} active, advising only", version());
            return;
        }
        if (!rules.isEmpty()) {
            retransformRuled(inst, rules, agentLoader, log);
            watchRules(runtime, transformer.ruleWatch(), inst, log);
        }
        if (rules.file() != null) {
            runtime.rulesWith(fresh -> reloadRules(inst, transformer, fresh, agentLoader, log));
        }
        if (attached) {
            retransformLoaded(inst, agentLoader, log);
        } else {
            rehearse(transformer, agentLoader, log);
        }
        int preloaded = preload(agentLoader, log);
        log.debug("{} classes of the engine preloaded", preloaded);
        log.info("tiered {} active", version());
    }

    /**
     * Loads (without initialising) the engine's classes that cached calls and invalidations reach, here on
     * tiered's own thread, so that no call of the application loads one: a virtual thread that loads a class pins
     * its carrier thread while it reads the jar, and a first call would pay for the reading. The views and the
     * configuration are loaded by start-up itself; the libraries' classes are loaded by the first call that needs
     * them, one thread at a time (only a class load that waits for another thread's pins). Returns how many classes
     * it loaded.
     */
    private static int preload(ClassLoader agentLoader, Logger log) {
        String root = "inst/dev/tiered/runtime/";
        int loaded = 0;
        try (JarFile jar = new JarFile(new File(Installer.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI()))) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                boolean engine = name.startsWith(root) && !name.startsWith(root + "observe/")
                        && !name.startsWith(root + "config/");
                boolean sites = name.startsWith("inst/dev/tiered/agent/internal/Sites");
                if ((engine || sites) && name.endsWith(".classdata")) {
                    String binary = name.substring("inst/".length(), name.length() - ".classdata".length());
                    Class.forName(binary.replace('/', '.'), false, agentLoader);
                    loaded++;
                }
            }
        } catch (Exception | LinkageError e) {
            log.debug("the engine's classes were not preloaded: {}", e.toString());
        }
        return loaded;
    }

    /** Rewrites {@link Rehearsal} without defining it or registering anything; a failure here matters to nobody. */
    private static void rehearse(TieredTransformer transformer, ClassLoader agentLoader, Logger log) {
        String name = Rehearsal.class.getName();
        try (InputStream in = agentLoader.getResourceAsStream(name.replace('.', '/') + ".class")) {
            if (in != null) {
                Rewriter.rewrite(transformer.rehearsal(), name, agentLoader, in.readAllBytes());
            }
        } catch (Throwable t) {
            log.debug("the start-up rehearsal failed: {}", t.toString());
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

    /** Rewrites the classes a rules file names that were loaded before the engine started (or the agent came). */
    private static void retransformRuled(Instrumentation inst, Rules rules, ClassLoader agentLoader, Logger log) {
        int count = retransformNamed(inst, namedOrListing(rules::namesClass), agentLoader, log, "stays uncached: "
                + "its rules could not be applied to it as loaded");
        log.info("rules file {}: {} cached and {} invalidating methods named{}", rules.file(), rules.cache().size(),
                rules.invalidate().size(), count == 0 ? "" : "; " + count + " of their classes, already loaded, were "
                + "rewritten");
    }

    /**
     * The classes whose binary name is {@code named}, and those that list an interface so named, directly or
     * through the application's interfaces (as {@link AnnotatedInterfaces#listsOne} finds them as they load).
     */
    static java.util.function.Predicate<Class<?>> namedOrListing(java.util.function.Predicate<String> named) {
        return c -> named.test(c.getName()) || !c.isInterface() && lists(c.getInterfaces(), named, 0);
    }

    private static boolean lists(Class<?>[] faces, java.util.function.Predicate<String> named, int depth) {
        for (Class<?> face : faces) {
            if (named.test(face.getName()) || depth < 8 && !AnnotatedInterfaces.library(face.getName()
                    .replace('.', '/')) && lists(face.getInterfaces(), named, depth + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Retransforms the loaded classes of the application {@code named}; returns how many. */
    private static int retransformNamed(Instrumentation inst, java.util.function.Predicate<Class<?>> named,
                                        ClassLoader agentLoader, Logger log, String failure) {
        int count = 0;
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (c.isArray() || c.isPrimitive() || c.getClassLoader() == agentLoader || !inst.isModifiableClass(c)) {
                continue;
            }
            try {
                if (!named.test(c)) {
                    continue;
                }
            } catch (Throwable unreadable) {
                continue; // a class whose interfaces cannot be loaded is none of the rules'
            }
            try {
                inst.retransformClasses(c);
                count++;
            } catch (Throwable t) {
                log.warn("{} {} ({})", c.getName(), failure, t.toString());
            }
        }
        return count;
    }

    /** Puts rules read again in effect and rewrites the loaded classes whose rules changed; says what it did. */
    private static String reloadRules(Instrumentation inst, TieredTransformer transformer, Rules fresh,
                                      ClassLoader agentLoader, Logger log) {
        java.util.Set<String> changed = transformer.swapRules(fresh);
        int rewritten = retransformNamed(inst, namedOrListing(c -> Rules.anyMatches(changed, c)), agentLoader, log,
                "keeps its former rules: it could not be rewritten");
        return "rules reloaded from " + fresh.file() + ": " + fresh.cache().size() + " cached and "
                + fresh.invalidate().size() + " invalidating methods named; " + (changed.isEmpty() ? "no rule "
                + "changed" : "rules changed for " + String.join(", ", changed) + "; " + rewritten + " loaded "
                + (rewritten == 1 ? "class" : "classes") + " rewritten");
    }

    /** {@link RuleWatch#DEADLINE_SECONDS} after start-up, tells each rule that met no method. */
    private static void watchRules(TieredRuntime runtime, RuleWatch watch, Instrumentation inst, Logger log) {
        try {
            runtime.maintenance().schedule(() -> {
                java.util.Set<String> loaded = new java.util.HashSet<>();
                for (Class<?> c : inst.getAllLoadedClasses()) {
                    loaded.add(c.getName());
                }
                watch.unmatched(loaded).forEach(log::warn);
            }, RuleWatch.DEADLINE_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the engine closed at once
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
                log.warn("{} stays uncached: it could not be retransformed after attach ({})", c.getName(),
                        t.toString());
            }
        }
        log.info("attached: {} loaded classes with @Tiered or @Invalidates methods were retransformed",
                annotated.size());
    }

    /** Whether the class declares an annotated method, or lists an interface that does (or whose parents do). */
    private static boolean declaresAnnotatedMethod(Class<?> c) {
        if (!c.isInterface()) {
            for (Class<?> i : c.getInterfaces()) {
                if (!AnnotatedInterfaces.library(i.getName().replace('.', '/')) && declaresOrInherits(i)) {
                    return true;
                }
            }
        }
        return annotatedMethodIn(c);
    }

    private static boolean declaresOrInherits(Class<?> face) {
        if (annotatedMethodIn(face)) {
            return true;
        }
        for (Class<?> parent : face.getInterfaces()) {
            if (declaresOrInherits(parent)) {
                return true;
            }
        }
        return false;
    }

    private static boolean annotatedMethodIn(Class<?> c) {
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
}
