package dev.tiered.runtime;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@code void} method the advisor watches as a possible write. When an observed method returns a different result
 * for the same arguments, this method gets a vote if it was called in between with one of those arguments (or, for
 * a method without arguments, at all): it then looks like a write to the same data. Its last {@link #RING} calls
 * are kept as the hashes of their arguments; older ones count as unknown.
 */
public final class WriterMethod {
    static final int RING = 4096;

    private final String className;
    private final String methodName;
    private final List<String> parameterTypes;
    final LongAdder calls = new LongAdder();
    /** Guarded by this object: the times and argument hashes of the last calls, oldest overwritten. */
    private final long[] times = new long[RING];
    private final int[][] hashes = new int[RING][];
    private int next;
    private long written;

    WriterMethod(String className, String methodName, List<String> parameterTypes) {
        this.className = className;
        this.methodName = methodName;
        this.parameterTypes = List.copyOf(parameterTypes);
    }

    /** The method returned normally after being called with {@code args}. */
    public void called(Object[] args) {
        calls.increment();
        int[] h = new int[args.length];
        for (int i = 0; i < args.length; i++) {
            h[i] = Objects.hashCode(args[i]);
        }
        long now = System.nanoTime();
        synchronized (this) {
            times[next] = now;
            hashes[next] = h;
            next = (next + 1) % RING;
            written++;
        }
    }

    /**
     * Whether it was called in {@code (from, to]} with an argument whose hash is among {@code argHashes} (with any
     * argument, for a method without parameters, or when {@code argHashes} is null), as far as its kept calls reach
     * back: 0 if not; else {@link #CALLED}, with the bit {@link #pair}{@code (r, w)} set for each argument {@code w}
     * of such a call whose hash equals that of the read's argument {@code r} (the first {@link #PAIRED} of each).
     */
    synchronized long calledBetween(long from, long to, int[] argHashes) {
        int kept = (int) Math.min(written, RING);
        long found = 0;
        for (int k = 1; k <= kept; k++) {
            int i = Math.floorMod(next - k, RING);
            long t = times[i];
            if (t - from <= 0) {
                break; // older than the interval, and so are the ones before it
            }
            if (t - to > 0) {
                continue;
            }
            if (argHashes == null || hashes[i].length == 0) {
                found |= CALLED;
                continue;
            }
            for (int w = 0; w < hashes[i].length; w++) {
                for (int r = 0; r < argHashes.length; r++) {
                    if (hashes[i][w] == argHashes[r]) {
                        found |= CALLED | (r < PAIRED && w < PAIRED ? 1L << pair(r, w) : 0);
                    }
                }
            }
        }
        return found;
    }

    /** {@link #calledBetween}'s answer when it was called so. */
    static final long CALLED = 1L << 63;
    /** The arguments, of the read and of the write, whose equality {@link #calledBetween} tells apart. */
    static final int PAIRED = 7;

    /** The bit of {@link #calledBetween}'s answer for the read's argument {@code r} and the write's {@code w}. */
    static int pair(int r, int w) {
        return r * PAIRED + w;
    }

    String className() {
        return className;
    }

    String methodName() {
        return methodName;
    }

    List<String> parameterTypes() {
        return parameterTypes;
    }

    public String name() {
        return className + "." + methodName + "(" + String.join(",", parameterTypes) + ")";
    }
}
