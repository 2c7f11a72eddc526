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
    /**
     * Per thread: {namespace, method, {source, age in nanoseconds, version}}. JDK types only, so that no
     * application thread pins tiered's class loader after detach.
     */
    private static final ThreadLocal<Object[]> LAST = ThreadLocal.withInitial(() -> new Object[] {null, null,
            new long[3]});

    private CallTrace() {}

    static void record(String namespace, String method, int source, long ageNanos, long version) {
        Object[] t = LAST.get();
        t[0] = namespace;
        t[1] = method;
        long[] numbers = (long[]) t[2];
        numbers[0] = source;
        numbers[1] = ageNanos;
        numbers[2] = version;
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
        Object[] t = LAST.get();
        if (t[1] == null) {
            return null;
        }
        long[] numbers = (long[]) t[2];
        return new Object[] {SOURCES[(int) numbers[0]], t[0], t[1], TimeUnit.NANOSECONDS.toMillis(numbers[1]),
                numbers[2]};
    }
}
