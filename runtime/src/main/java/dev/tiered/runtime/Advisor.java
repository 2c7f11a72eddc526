package dev.tiered.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.tiered.runtime.config.AdvisePattern;
import dev.tiered.runtime.config.Durations;

/**
 * {@code tiered.advise}: measures, without caching anything, what caching the observed methods would bring and
 * cost, and writes it as a ranked table and as a rules file ({@code tiered.rules}) to review and use. Bounded: at
 * most {@link #MAX_METHODS} methods and {@link #MAX_WRITERS} writers are observed, each method follows at most
 * {@link AdvisedMethod#MAX_SAMPLES} argument tuples: its first {@link AdvisedMethod#FOLLOW_ALL}, then one new tuple in
 * {@link AdvisedMethod#SAMPLE}, by hash.
 */
public final class Advisor {
    /** The lifetimes each method is judged at. */
    static final Duration[] TTLS = {Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(10)};
    static final int MAX_METHODS = 1000;
    static final int MAX_WRITERS = 1000;
    /** Below this share of its would-be hits serving a changed result, a lifetime is safe without invalidation. */
    static final double SAFE_STALE = 0.01;
    /** A method whose hit ratio at its lifetime is below this is not worth caching. */
    static final double WORTH_HIT_RATIO = 0.2;

    private static final ClassValue<Boolean> VALUE_BASED = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("hashCode").getDeclaringClass() != Object.class;
            } catch (NoSuchMethodException | SecurityException e) {
                return false;
            }
        }
    };

    private final AdvisePattern pattern;
    private final long startNanos = System.nanoTime();
    private final List<AdvisedMethod> methods = new CopyOnWriteArrayList<>();
    private final List<WriterMethod> writers = new CopyOnWriteArrayList<>();

    public Advisor(AdvisePattern pattern) {
        this.pattern = pattern;
    }

    public AdvisePattern pattern() {
        return pattern;
    }

    /** A method to observe; {@code null} once {@link #MAX_METHODS} are. */
    public AdvisedMethod observe(String className, String methodName, List<String> parameterTypes) {
        if (methods.size() >= MAX_METHODS) {
            return null;
        }
        AdvisedMethod m = new AdvisedMethod(this, className, methodName, parameterTypes);
        methods.add(m);
        return m;
    }

    /** A {@code void} method to watch as a possible write; {@code null} once {@link #MAX_WRITERS} are. */
    public WriterMethod watchWrites(String className, String methodName, List<String> parameterTypes) {
        if (writers.size() >= MAX_WRITERS) {
            return null;
        }
        WriterMethod w = new WriterMethod(className, methodName, parameterTypes);
        writers.add(w);
        return w;
    }

    /**
     * The watched writes called in {@code (from, to]} with one of the arguments (hashes) of a read, each with the
     * arguments that matched ({@link WriterMethod#calledBetween}).
     */
    Map<WriterMethod, Long> writersCalledBetween(long from, long to, int[] argHashes) {
        Map<WriterMethod, Long> out = new java.util.HashMap<>();
        for (WriterMethod w : writers) {
            long pairs = w.calledBetween(from, to, argHashes);
            if (pairs != 0) {
                out.put(w, pairs);
            }
        }
        return out;
    }

    static boolean valueBased(Class<?> type) {
        return VALUE_BASED.get(type);
    }

    /** What the advisor concludes of one method. */
    public record Finding(String method, double callsPerSecond, double distinct, double[] hitRatio, double[] stale,
                          double meanMillis, double p99Millis, int ttl, double savedMillisPerSecond,
                          List<String> writers, String verdict, AdvisedMethod source) {}

    /** Every observed method that was called, best first: by the time caching it would save per second. */
    public List<Finding> findings() {
        double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
        List<Finding> out = new ArrayList<>();
        for (AdvisedMethod m : methods) {
            long calls = m.calls.sum();
            if (calls == 0) {
                continue;
            }
            long sampled = m.sampled();
            long[] hits = m.wouldHit();
            long[] stale = m.stale();
            long[] unexplained = m.unexplained();
            double[] hitRatio = new double[TTLS.length];
            double[] staleShare = new double[TTLS.length];
            for (int t = 0; t < TTLS.length; t++) {
                hitRatio[t] = sampled == 0 ? 0 : hits[t] / (double) sampled;
                staleShare[t] = hits[t] == 0 ? 0 : stale[t] / (double) hits[t];
            }
            List<String> writerNames = m.writers().entrySet().stream()
                    .sorted(Map.Entry.<WriterMethod, Long>comparingByValue().reversed())
                    .map(e -> e.getKey().name()).toList();
            boolean changes = stale[TTLS.length - 1] > 0;
            // the longest lifetime at which the changes no watched write explains stay rare
            int ttl = -1;
            for (int t = TTLS.length - 1; t >= 0; t--) {
                if (hits[t] == 0 || unexplained[t] / (double) hits[t] <= SAFE_STALE) {
                    ttl = t;
                    break;
                }
            }
            WriterMethod bulk = null;
            if (ttl < TTLS.length - 1) {
                bulk = m.unkeyedWriter();
                if (bulk != null) {
                    ttl = TTLS.length - 1; // its write invalidates the namespace: the lifetime no longer bounds it
                }
            }
            double mean = m.nanos.count() == 0 ? 0 : m.nanos.sum() / (double) m.nanos.count() / 1e6;
            double p99 = m.nanos.quantile(0.99) / 1e6;
            double saved = ttl < 0 ? 0 : calls / seconds * hitRatio[ttl] * mean;
            String verdict;
            if (m.opaqueResults()) {
                verdict = "unknown: its results have no value-based hashCode, so their changes cannot be seen";
                ttl = -1;
                saved = 0;
            } else if (ttl < 0) {
                verdict = "unsafe: its results change within " + Durations.format(TTLS[0]) + " with no watched write "
                        + "called in between";
            } else if (hitRatio[ttl] < WORTH_HIT_RATIO) {
                verdict = "not worth it: few repeated arguments";
            } else if (bulk != null) {
                verdict = "cache, invalidated by " + bulk.name() + " (its whole namespace: the write names none of "
                        + "the arguments)";
                writerNames = List.of(bulk.name());
            } else if (changes && !writerNames.isEmpty() && unexplained[ttl] == 0) {
                verdict = "cache, invalidated by " + writerNames.get(0);
            } else if (changes) {
                verdict = "cache with ttl " + Durations.format(TTLS[ttl]) + " (results change over longer ones, no "
                        + "write seen)";
            } else {
                verdict = "cache";
            }
            out.add(new Finding(m.name(), calls / seconds, m.distinct(), hitRatio, staleShare, mean, p99, ttl, saved,
                    writerNames, verdict, m));
        }
        out.sort(Comparator.comparingDouble(Finding::savedMillisPerSecond).reversed()
                .thenComparing(Finding::method));
        return out;
    }

    /** The ranked table, as printed by {@code java -jar tiered-agent.jar advise <pid>}. */
    public String table() {
        List<Finding> all = findings();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "tiered advisor: %d methods observed, %d "
                + "called, over %.0f s (%s); per method the first %d argument tuples followed, then one in %d%n",
                methods.size(), all.size(), (System.nanoTime() - startNanos) / 1e9, pattern,
                AdvisedMethod.FOLLOW_ALL, AdvisedMethod.SAMPLE));
        int width = Math.max(6, all.stream().mapToInt(f -> f.method().length()).max().orElse(6));
        sb.append(String.format(Locale.ROOT, "%-4s %-" + width + "s %9s %9s %7s %7s %7s %8s %8s %9s  %s%n", "rank",
                "method", "calls/s", "distinct", "hit@10s", "hit@1m", "hit@10m", "mean ms", "p99 ms", "saved/s",
                "verdict"));
        int rank = 1;
        for (Finding f : all) {
            sb.append(String.format(Locale.ROOT, "%-4d %-" + width + "s %9.1f %9.0f %6.0f%% %6.0f%% %6.0f%% %8.3f "
                    + "%8.3f %7.1fms  %s%n", rank++, f.method(), f.callsPerSecond(), f.distinct(),
                    f.hitRatio()[0] * 100, f.hitRatio()[1] * 100, f.hitRatio()[2] * 100, f.meanMillis(), f.p99Millis(),
                    f.savedMillisPerSecond(), f.verdict()));
        }
        return sb.toString();
    }

    /**
     * A rules file of the methods worth caching and the writes that change their results, to review and use. Each
     * read is in the namespace of its class's simple name. A read gets a {@code cacheKey} where the evidence names
     * one ({@link AdvisedMethod#key}); a write gets one where every keyed read of the namespace that it changed
     * agrees on its parameter, and is otherwise proposed to invalidate the whole namespace (as are writes that name
     * none of the arguments). A keyed write also reaches the namespace's reads without a key, so this is safe for
     * every read the advisor saw change.
     */
    public String rules() {
        List<Finding> worth = findings().stream().filter(f -> f.verdict().startsWith("cache")).toList();
        Map<Finding, Map<WriterMethod, Long>> votes = new java.util.LinkedHashMap<>();
        Map<Finding, AdvisedMethod.Key> keys = new java.util.HashMap<>();
        // per namespace and write: its parameter, or -1 where it must invalidate the whole namespace
        Map<String, Map<WriterMethod, Integer>> writes = new java.util.TreeMap<>();
        for (Finding f : worth) {
            AdvisedMethod m = f.source();
            Map<WriterMethod, Long> voted = new java.util.HashMap<>(m.writers());
            WriterMethod bulk = m.unkeyedWriter();
            if (bulk != null && f.verdict().contains(bulk.name())) {
                voted.merge(bulk, 0L, Long::sum);
            }
            votes.put(f, voted);
            AdvisedMethod.Key key = m.key().orElse(null);
            if (key != null) {
                keys.put(f, key);
            }
            Map<WriterMethod, Integer> inNamespace = writes.computeIfAbsent(simpleName(m.className()),
                    n -> new java.util.LinkedHashMap<>());
            for (WriterMethod w : voted.keySet()) {
                Integer p = key == null ? null : key.writes().get(w);
                if (key != null && p == null) {
                    inNamespace.put(w, -1); // a keyed read changed by a write that names no key of it
                } else if (p != null) {
                    inNamespace.merge(w, p, (a, b) -> a.equals(b) ? a : -1);
                } else {
                    inNamespace.putIfAbsent(w, null); // a read without a key: any key reaches it
                }
            }
        }
        StringBuilder cache = new StringBuilder();
        for (Finding f : worth) {
            AdvisedMethod m = f.source();
            AdvisedMethod.Key key = keys.get(f);
            cache.append(String.format(Locale.ROOT, "  # %.1f calls/s, hit ratio %.0f%%, %.1f ms saved per second%n",
                    f.callsPerSecond(), f.hitRatio()[f.ttl()] * 100, f.savedMillisPerSecond()))
                    .append("  - method: ").append(m.className()).append('.').append(m.methodName()).append('(')
                    .append(String.join(", ", m.parameterTypes())).append(")\n")
                    .append("    ttl: ").append(Durations.format(TTLS[f.ttl()])).append('\n')
                    .append("    namespace: ").append(simpleName(m.className())).append('\n')
                    .append(key == null ? "" : "    cacheKey: " + key.read() + "\n");
        }
        StringBuilder invalidate = new StringBuilder();
        for (Map.Entry<String, Map<WriterMethod, Integer>> n : writes.entrySet()) {
            for (Map.Entry<WriterMethod, Integer> e : n.getValue().entrySet()) {
                WriterMethod w = e.getKey();
                List<String> changed = new ArrayList<>();
                votes.forEach((f, v) -> {
                    if (v.containsKey(w) && simpleName(f.source().className()).equals(n.getKey())) {
                        changed.add(f.source().methodName());
                    }
                });
                Integer p = e.getValue();
                invalidate.append("  # called between two different results of ").append(String.join(", ", changed))
                        .append(p != null && p < 0 ? "; it names no key of one of them: the whole namespace" : "")
                        .append("\n  - method: ").append(w.className()).append('.').append(w.methodName())
                        .append('(').append(String.join(", ", w.parameterTypes())).append(")\n    namespaces: [")
                        .append(n.getKey()).append("]\n")
                        .append(p != null && p >= 0 ? "    cacheKey: " + p + "\n" : "");
            }
        }
        return "# Proposed by tiered's advisor (" + pattern + "); review before use.\ncache:\n" + cache
                + (invalidate.length() == 0 ? "" : "invalidate:\n" + invalidate);
    }

    private static String simpleName(String className) {
        String simple = className.substring(className.lastIndexOf('.') + 1);
        return simple.substring(simple.lastIndexOf('$') + 1);
    }
}
