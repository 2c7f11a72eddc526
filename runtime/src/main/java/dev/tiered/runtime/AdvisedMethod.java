package dev.tiered.runtime;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

import org.apache.datasketches.hll.HllSketch;

import dev.tiered.runtime.stats.LagHistogram;

/**
 * One method the advisor observes without caching it: every call is counted and timed; one call in
 * {@link #SAMPLE} (chosen by the hash of its arguments, so that a sampled argument tuple is seen at every call) is
 * replayed against an unbounded cache at each of {@link Advisor#TTLS}: would it have been a hit, and would that hit
 * have served a result different from the one the method returned (a stale read, where nothing invalidates). Holds
 * at most {@link #MAX_SAMPLES} argument tuples; past that, new tuples are counted but not followed.
 */
public final class AdvisedMethod {
    static final int SAMPLE = 16;
    static final int MAX_SAMPLES = 4096;
    /** The first argument tuples a method is called with are all followed; past these, one in {@link #SAMPLE}. */
    static final int FOLLOW_ALL = 256;

    private final String name;
    private final String className;
    private final String methodName;
    private final java.util.List<String> parameterTypes;
    private final Advisor advisor;
    final LongAdder calls = new LongAdder();
    final LagHistogram nanos = new LagHistogram();
    /** Guarded by this object: what follows is updated on sampled calls only. */
    private final HllSketch distinct = new HllSketch(12);
    /** The argument tuples followed, by hash: read without a lock, added to under this object's lock. */
    private final Map<Long, Sample> samples = new java.util.concurrent.ConcurrentHashMap<>();
    long sampled;
    final long[] wouldHit = new long[Advisor.TTLS.length];
    final long[] stale = new long[Advisor.TTLS.length];
    /** Of those, the changes with no watched write called in between: what invalidation could not prevent. */
    final long[] unexplained = new long[Advisor.TTLS.length];
    /** Whether a result had no value-based hashCode: its changes cannot be told from identity. */
    boolean opaqueResults;
    /** Votes of the writers called between two differing results of the same arguments, with one of them. */
    final Map<WriterMethod, Long> writers = new HashMap<>();
    /** Of those votes, per writer, how many each pair of arguments matched in ({@link WriterMethod#pair}). */
    final Map<WriterMethod, long[]> pairs = new HashMap<>();
    /** Within the longest lifetime: changes no such writer explains, and results that did not change. */
    long changesUnkeyed;
    long unchangedWindows;
    /** Writers called in between, with any arguments: {after those changes, after unchanged results}. */
    final Map<WriterMethod, long[]> unkeyed = new HashMap<>();

    private static final class Sample {
        long seenNanos;
        int fingerprint;
    }

    AdvisedMethod(Advisor advisor, String className, String methodName, java.util.List<String> parameterTypes) {
        this.advisor = advisor;
        this.className = className;
        this.methodName = methodName;
        this.parameterTypes = java.util.List.copyOf(parameterTypes);
        this.name = className + "." + methodName + "(" + String.join(",", parameterTypes) + ")";
    }

    public String name() {
        return name;
    }

    String className() {
        return className;
    }

    String methodName() {
        return methodName;
    }

    java.util.List<String> parameterTypes() {
        return parameterTypes;
    }

    /** A call returned {@code result} after starting at {@code startNanos}. Never throws into the application. */
    public void returned(Object[] args, Object result, long startNanos) {
        long now = System.nanoTime();
        calls.increment();
        nanos.record(now - startNanos);
        long hash = mix(Arrays.deepHashCode(args));
        boolean inSketch = (hash & (SAMPLE - 1)) == 0;
        Sample s = samples.get(hash);
        if (s == null && !(samples.size() < FOLLOW_ALL || inSketch && samples.size() < MAX_SAMPLES)) {
            if (inSketch) {
                synchronized (this) {
                    distinct.update(hash);
                }
            }
            return;
        }
        int fingerprint = fingerprint(result);
        synchronized (this) {
            if (inSketch) {
                distinct.update(hash);
            }
            sampled++;
            if (s == null) {
                s = samples.get(hash);
            }
            if (s == null) {
                s = new Sample();
                s.seenNanos = now;
                s.fingerprint = fingerprint;
                samples.put(hash, s);
                return;
            }
            long age = now - s.seenNanos;
            boolean changed = s.fingerprint != fingerprint;
            Map<WriterMethod, Long> between = changed ? advisor.writersCalledBetween(s.seenNanos, now,
                    argumentHashes(args)) : Map.of();
            for (int t = 0; t < Advisor.TTLS.length; t++) {
                if (age <= Advisor.TTLS[t].toNanos()) {
                    wouldHit[t]++;
                    if (changed) {
                        stale[t]++;
                        if (between.isEmpty()) {
                            unexplained[t]++;
                        }
                    }
                }
            }
            for (Map.Entry<WriterMethod, Long> w : between.entrySet()) {
                writers.merge(w.getKey(), 1L, Long::sum);
                long[] counts = pairs.computeIfAbsent(w.getKey(), k -> new long[WriterMethod.PAIRED
                        * WriterMethod.PAIRED]);
                for (int bit = 0; bit < counts.length; bit++) {
                    if ((w.getValue() & 1L << bit) != 0) {
                        counts[bit]++;
                    }
                }
            }
            if (age <= Advisor.TTLS[Advisor.TTLS.length - 1].toNanos() && (!changed || between.isEmpty())) {
                // a write that names none of the arguments (a listing's, a bulk update) explains a change only if
                // it is called between changed results more than between unchanged ones
                if (changed) {
                    changesUnkeyed++;
                } else {
                    unchangedWindows++;
                }
                for (WriterMethod w : advisor.writersCalledBetween(s.seenNanos, now, null).keySet()) {
                    unkeyed.computeIfAbsent(w, k -> new long[2])[changed ? 0 : 1]++;
                }
            }
            s.seenNanos = now;
            s.fingerprint = fingerprint;
        }
    }

    /**
     * The number of distinct argument tuples: exact while every tuple is followed, else estimated from the one in
     * {@link #SAMPLE} (by hash) that the sketch counts.
     */
    synchronized double distinct() {
        return samples.size() < FOLLOW_ALL ? samples.size() : distinct.getEstimate() * SAMPLE;
    }

    synchronized long[] wouldHit() {
        return wouldHit.clone();
    }

    synchronized long[] stale() {
        return stale.clone();
    }

    synchronized long[] unexplained() {
        return unexplained.clone();
    }

    synchronized long sampled() {
        return sampled;
    }

    synchronized Map<WriterMethod, Long> writers() {
        return new HashMap<>(writers);
    }

    /**
     * The parameter that names the entity this method reads, as evidence has it, with the matching parameter of
     * each write: the lowest {@code r} such that every write that voted matched its argument {@code r} in every
     * one of its votes, with an argument of the same type (boxed or not); empty when no parameter does, or when
     * fewer than two votes were cast. The writes' parameters: the lowest that matched every vote. Writes without
     * parameters do not count: they can only invalidate a whole namespace.
     */
    synchronized java.util.Optional<Key> key() {
        Map<WriterMethod, Long> keyed = new HashMap<>(writers);
        keyed.keySet().removeIf(w -> w.parameterTypes().isEmpty());
        if (keyed.values().stream().mapToLong(Long::longValue).sum() < 2) {
            return java.util.Optional.empty();
        }
        for (int r = 0; r < Math.min(parameterTypes.size(), WriterMethod.PAIRED); r++) {
            Map<WriterMethod, Integer> byWriter = new HashMap<>();
            for (Map.Entry<WriterMethod, Long> v : keyed.entrySet()) {
                WriterMethod w = v.getKey();
                long[] counts = pairs.get(w);
                for (int p = 0; p < Math.min(w.parameterTypes().size(), WriterMethod.PAIRED); p++) {
                    if (counts[WriterMethod.pair(r, p)] == v.getValue()
                            && boxed(w.parameterTypes().get(p)).equals(boxed(parameterTypes.get(r)))) {
                        byWriter.put(w, p);
                        break;
                    }
                }
            }
            if (byWriter.size() == keyed.size()) {
                return java.util.Optional.of(new Key(r, byWriter));
            }
        }
        return java.util.Optional.empty();
    }

    /** A read's entity parameter {@code read}, and the parameter of each write that names the same entity. */
    record Key(int read, Map<WriterMethod, Integer> writes) {}

    private static String boxed(String type) {
        return switch (type) {
            case "long" -> "java.lang.Long";
            case "int" -> "java.lang.Integer";
            case "short" -> "java.lang.Short";
            case "byte" -> "java.lang.Byte";
            case "char" -> "java.lang.Character";
            case "boolean" -> "java.lang.Boolean";
            case "double" -> "java.lang.Double";
            case "float" -> "java.lang.Float";
            default -> type;
        };
    }

    /**
     * A write that explains every change no keyed write does, called in between changed results always and in
     * between unchanged ones not always; or null.
     */
    synchronized WriterMethod unkeyedWriter() {
        if (changesUnkeyed == 0) {
            return null;
        }
        WriterMethod best = null;
        for (Map.Entry<WriterMethod, long[]> e : unkeyed.entrySet()) {
            long[] n = e.getValue();
            if (n[0] == changesUnkeyed && n[1] < unchangedWindows && (best == null || n[1] < unkeyed.get(best)[1])) {
                best = e.getKey();
            }
        }
        return best;
    }

    synchronized boolean opaqueResults() {
        return opaqueResults;
    }

    private int fingerprint(Object result) {
        if (result == null) {
            return 0;
        }
        if (!Advisor.valueBased(result.getClass())) {
            synchronized (this) {
                opaqueResults = true;
            }
        }
        return Objects.hashCode(result);
    }

    private static int[] argumentHashes(Object[] args) {
        int[] h = new int[args.length];
        for (int i = 0; i < args.length; i++) {
            h[i] = Objects.hashCode(args[i]);
        }
        return h;
    }

    /** Spreads a 32-bit hash over 64 bits (SplitMix64's finaliser), so that its low bits sample evenly. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
