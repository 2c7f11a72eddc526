package dev.tiered.agent.bootstrap;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The only code that advice inlined into application classes calls. It lives on the bootstrap class path, so it
 * resolves from every class loader, and it references nothing but {@code java.*}: the engine behind the sites is
 * loaded by the agent's own class loader, out of the application's sight.
 *
 * <p>Sites are numbered when their class is transformed; the number is a constant in the inlined code, so a call
 * finds its site with one array read and no lookup by name. Every entry point swallows every {@code Throwable}:
 * an agent fault makes the call run uncached, it never reaches the application.
 */
public final class Bridge {
    /** Stands for a cached {@code null} result. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "tiered:null";
        }
    };

    private static volatile CacheSite[] cacheSites = new CacheSite[64];
    private static volatile InvalidationSite[] invalidationSites = new InvalidationSite[16];
    private static int cacheSiteCount;
    private static int invalidationSiteCount;
    private static final AtomicLong FAULTS = new AtomicLong();
    /** Where {@link #lastCall()} reads from: the engine's record of this thread's last cached call. */
    private static volatile Supplier<Object[]> lastCall = () -> null;

    private Bridge() {}

    /** Registers a site and returns its number. Called at transform time. */
    public static synchronized int register(CacheSite site) {
        CacheSite[] sites = cacheSites;
        if (cacheSiteCount == sites.length) {
            sites = Arrays.copyOf(sites, sites.length * 2);
        }
        sites[cacheSiteCount] = site;
        cacheSites = sites; // volatile write: publishes the element
        return cacheSiteCount++;
    }

    public static synchronized int register(InvalidationSite site) {
        InvalidationSite[] sites = invalidationSites;
        if (invalidationSiteCount == sites.length) {
            sites = Arrays.copyOf(sites, sites.length * 2);
        }
        sites[invalidationSiteCount] = site;
        invalidationSites = sites;
        return invalidationSiteCount++;
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

    public static Object enter0(int site) {
        try {
            return cacheSites[site].enter0();
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
            return null;
        }
    }

    public static Object enter1(int site, Object a0) {
        try {
            return cacheSites[site].enter1(a0);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
            return null;
        }
    }

    public static Object enter2(int site, Object a0, Object a1) {
        try {
            return cacheSites[site].enter2(a0, a1);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
            return null;
        }
    }

    public static Object enter3(int site, Object a0, Object a1, Object a2) {
        try {
            return cacheSites[site].enter3(a0, a1, a2);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
            return null;
        }
    }

    public static Object enterN(int site, Object[] args) {
        try {
            return cacheSites[site].enterN(args);
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

    public static void invalidate(int site) {
        try {
            invalidationSites[site].afterReturn();
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
        }
    }

    public static void invalidate(int site, Object[] args) {
        try {
            invalidationSites[site].afterReturn(args);
        } catch (Throwable t) {
            FAULTS.incrementAndGet();
        }
    }
}
