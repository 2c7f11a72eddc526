package dev.tiered.runtime;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;

import dev.tiered.runtime.stats.FaultReporter;

/**
 * Where the last cached call on each thread was served from, under {@code tiered.provenance}: its tier (or the
 * method), the age of what it returned and the version it was valid under. The application reads it through
 * {@code dev.tiered.Provenance} in the annotations jar, which reaches it through the agent's bootstrap bridge; each
 * record is also logged at debug level. One mutable record per thread, overwritten by each call: nothing is
 * allocated per call.
 */
public final class CallTrace {
    public static final int L1 = 0;
    public static final int L2 = 1;
    public static final int METHOD = 2;
    public static final int UNCACHED = 3;
    private static final String[] SOURCES = {"L1", "L2", "METHOD", "UNCACHED"};
    private static final Logger LOG = FaultReporter.LOG;
    private static final ThreadLocal<CallTrace> LAST = ThreadLocal.withInitial(CallTrace::new);

    private String namespace;
    private String method;
    private int source;
    private long ageNanos;
    private long version;

    private CallTrace() {}

    static void record(String namespace, String method, int source, long ageNanos, long version) {
        CallTrace t = LAST.get();
        t.namespace = namespace;
        t.method = method;
        t.source = source;
        t.ageNanos = ageNanos;
        t.version = version;
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} served from {} (age {} ms, version {})", method, SOURCES[source],
                    TimeUnit.NANOSECONDS.toMillis(ageNanos), version);
        }
    }

    /**
     * The last traced call on this thread as {source ("L1", "L2", "METHOD", "UNCACHED"), namespace, method, age in
     * milliseconds, version}, or {@code null} if this thread made none (or provenance is off).
     */
    public static Object[] lastOnThisThread() {
        CallTrace t = LAST.get();
        if (t.method == null) {
            return null;
        }
        return new Object[] {SOURCES[t.source], t.namespace, t.method,
                TimeUnit.NANOSECONDS.toMillis(t.ageNanos), t.version};
    }
}
