package dev.tiered.agent.bootstrap;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The only code that advice inlined into application classes calls. It lives on the bootstrap class path, so it
 * resolves from every class loader, and it references nothing but {@code java.*}: the engine behind the sites is
 * loaded by the agent's own class loader, out of the application's sight.
 *
 * <p>Sites are numbered when their class is transformed, and the advice passes its site to each entry point. The
 * site lives where the class's loader keeps it: in the static array of the anchor class tiered defines in that
 * loader ({@code dev.tiered.anchor.Sites}), so that it is reachable only from the loader and goes with it; the
 * inlined code reads it with one static field read and one array read, the number being a constant. Only the
 * sites of loaders without an anchor are kept here. Every entry point swallows every {@code Throwable}: an agent
 * fault (a {@code null} site included) makes the call run uncached, it never reaches the application.
 */
public final class Bridge {
    /** Stands for a cached {@code null} result. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "tiered:null";
        }
    };

    /**
     * Sites of classes whose loader has no anchor of its own (the bootstrap loader's, or a loader tiered could not
     * define its anchor in): {@link CacheSite}s and {@link InvalidationSite}s, held as long as the JVM runs.
     */
    private static volatile Object[] sites = new Object[16];
    private static int siteCount;
    private static final AtomicLong FAULTS = new AtomicLong();
    /** How many times an agent started in this JVM (attached again after a detach, it is more than one). */
    private static int starts;
    /** Where {@link #lastCall()} reads from: the engine's record of this thread's last cached call. */
    private static volatile Supplier<Object[]> lastCall = () -> null;

    private Bridge() {}

    /**
     * Registers a site of a class that has no anchor, for the life of the JVM, and returns its number: the advice
     * then finds it with {@link #site(int)}. Called at transform time.
     */
    public static synchronized int register(Object site) {
        Object[] all = sites;
        if (siteCount == all.length) {
            all = Arrays.copyOf(all, all.length * 2);
        }
        all[siteCount] = site;
        sites = all; // volatile write: publishes the element
        return siteCount++;
    }

    /** Counts one more start of an agent in this JVM, and returns the count: 1 for the first. */
    public static synchronized int started() {
        return ++starts;
    }

    /**
     * Forgets every site and the source of {@link #lastCall()}: the agent is detaching, and must leave nothing of
     * its own class loader reachable from here.
     */
    public static synchronized void clear() {
        sites = new Object[16];
        siteCount = 0;
        lastCall = () -> null;
    }

    /** The site numbered {@code number} by {@link #register(Object)}. */
    public static Object site(int number) {
        return sites[number];
    }

    /** Set by the agent once its engine runs. */
    public static void lastCall(Supplier<Object[]> source) {
        lastCall = source;
    }

    /**
     * Where the last cached call on this thread was served from, for {@code dev.tiered.Provenance}: {source,
     * namespace, method, age in milliseconds, version}, or {@code null}.
     */
    public static Object[] lastCall() {
        try {
            return lastCall.get();
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
            return null;
        }
    }

    /** Faults caught here rather than in a site: should stay zero. */
    public static long faults() {
        return FAULTS.get();
    }

    public static Object enter0(Object site) {
        try {
            return ((CacheSite) site).enter0();
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
            return null;
        }
    }

    public static Object enter1(Object site, Object a0) {
        try {
            return ((CacheSite) site).enter1(a0);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
            return null;
        }
    }

    public static Object enter2(Object site, Object a0, Object a1) {
        try {
            return ((CacheSite) site).enter2(a0, a1);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
            return null;
        }
    }

    public static Object enter3(Object site, Object a0, Object a1, Object a2) {
        try {
            return ((CacheSite) site).enter3(a0, a1, a2);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
            return null;
        }
    }

    public static Object enterN(Object site, Object[] args) {
        try {
            return ((CacheSite) site).enterN(args);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
            return null;
        }
    }

    /** Reports how a method body ended; returns what the call returns instead of throwing, or {@code null}. */
    public static Object exit(Object pending, Object returned, Throwable thrown) {
        try {
            return ((PendingCall) pending).exit(returned, thrown);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
            return null;
        }
    }

    /** A method the advisor observes returned; see {@link ObserveSite}. */
    public static void returned(Object site, Object[] args, Object result, long startNanos) {
        try {
            ((ObserveSite) site).returned(args, result, startNanos);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
        }
    }

    /** A method the advisor watches as a possible write returned. */
    public static void written(Object site, Object[] args) {
        try {
            ((ObserveSite) site).written(args);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
        }
    }

    public static void invalidate(Object site) {
        try {
            ((InvalidationSite) site).afterReturn();
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
        }
    }

    public static void invalidate(Object site, Object[] args) {
        try {
            ((InvalidationSite) site).afterReturn(args);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
        }
    }
}
