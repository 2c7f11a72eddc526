package dev.tiered;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;

/**
 * Where the last cached call on the current thread was served from: which tier (or the method itself), how old
 * the value was, and the version it was valid under. For a response header or a debug log:
 *
 * <pre>{@code
 * Product p = repository.find(id);
 * Provenance.lastCall().ifPresent(how -> response.setHeader("X-Cache", how.toString()));
 * }</pre>
 *
 * <p>Empty unless the agent runs with {@code -Dtiered.provenance=true} (off by default: it costs a thread-local
 * write per cached call), and empty without the agent. Read it on the thread that made the call, right after it.
 */
public final class Provenance {
    /** Where a call's result came from. */
    public enum Source {
        /** This JVM's L1. */
        L1,
        /** Redis. */
        L2,
        /** The method ran (or another thread's run of it was shared). */
        METHOD,
        /** The method ran without the cache: its namespace disabled, cut off from invalidations, or a fault. */
        UNCACHED
    }

    /** How often a JVM without the agent looks again, in case it is attached later. */
    private static final long LOOK_AGAIN_NANOS = 1_000_000_000L;
    /** The bridge's {@code lastCall}; {@code null} until the agent is found. */
    private static volatile MethodHandle lastCall = lastCallHandle();
    private static volatile long lookedAtNanos = System.nanoTime();

    private final Source source;
    private final String namespace;
    private final String method;
    private final long ageMillis;
    private final long version;

    private Provenance(Source source, String namespace, String method, long ageMillis, long version) {
        this.source = source;
        this.namespace = namespace;
        this.method = method;
        this.ageMillis = ageMillis;
        this.version = version;
    }

    private static MethodHandle lastCallHandle() {
        try {
            Class<?> bridge = Class.forName("dev.tiered.agent.bootstrap.Bridge", false, null);
            return MethodHandles.publicLookup().findStatic(bridge, "lastCall", MethodType.methodType(Object[].class));
        } catch (ReflectiveOperationException | LinkageError | SecurityException noAgent) {
            return null;
        }
    }

    /**
     * The bridge's handle, looked up again at most once a second while absent: an agent attached to the running
     * JVM ({@code java -jar tiered-agent.jar attach <pid>}) is found after this class first looked.
     */
    private static MethodHandle handle() {
        MethodHandle h = lastCall;
        if (h == null) {
            long now = System.nanoTime();
            if (now - lookedAtNanos > LOOK_AGAIN_NANOS) {
                lookedAtNanos = now;
                h = lastCallHandle();
                lastCall = h;
            }
        }
        return h;
    }

    /** The last cached call on this thread, if the agent records provenance. */
    public static Optional<Provenance> lastCall() {
        MethodHandle h = handle();
        if (h == null) {
            return Optional.empty();
        }
        try {
            Object[] r = (Object[]) h.invokeExact();
            return r == null ? Optional.empty() : Optional.of(new Provenance(Source.valueOf((String) r[0]),
                    (String) r[1], (String) r[2], (Long) r[3], (Long) r[4]));
        } catch (Throwable unexpected) {
            return Optional.empty();
        }
    }

    public Source source() {
        return source;
    }

    public String namespace() {
        return namespace;
    }

    /** The cached method, as {@code com.acme.ProductRepository.find(long)}. */
    public String method() {
        return method;
    }

    /** How long ago the value was computed (0 when the method just ran). */
    public long ageMillis() {
        return ageMillis;
    }

    /** The namespace version the value was valid under (positive: from Redis; zero or negative: local only). */
    public long version() {
        return version;
    }

    /** {@code L1 products com.acme.Repo.find(long) age=1234ms version=17...}: fit for a header or a log line. */
    @Override
    public String toString() {
        return source + " " + namespace + " " + method + " age=" + ageMillis + "ms version=" + version;
    }
}
