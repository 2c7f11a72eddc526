package dev.tiered.runtime.observe;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.tiered.runtime.Health;
import dev.tiered.runtime.Snapshots;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.stats.NamespaceStats;

/**
 * The last minutes of each namespace's counters, for the dashboard that {@code GET /} on the metrics port serves: a
 * sample every {@link #EVERY_MILLIS} on tiered's maintenance thread, {@link #SAMPLES} of them (five minutes), each a
 * row of the numbers in {@link #FIELDS}, cumulative counters and gauges as they were; the page computes rates from
 * consecutive rows. About 200 bytes a sample: some 12 KB a namespace. Thread-safe.
 */
final class DashboardHistory implements Runnable {
    static final long EVERY_MILLIS = 5_000;
    static final int SAMPLES = 60;
    /** The columns of a sample, in order; times in nanoseconds, except the lag's in microseconds. */
    static final List<String> FIELDS = List.of("time", "calls", "l1Hits", "l2Hits", "misses", "uncached",
            "loadFailures", "loadNanos", "l2Reads", "l2ReadNanos", "staleServed", "verifyMismatches", "evictedBySize",
            "expired", "staleDrops", "l1Entries", "l1MaxEntries", "loadP50Nanos", "loadP99Nanos", "l2P50Nanos",
            "l2P99Nanos", "lagP99Micros", "lagSumMicros", "invalidationsReceived");

    private final TieredRuntime runtime;
    private final Map<String, ArrayDeque<long[]>> byNamespace = new HashMap<>();

    DashboardHistory(TieredRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void run() {
        long now = System.currentTimeMillis();
        List<Namespace> all = runtime.namespacesInUse();
        synchronized (this) {
            byNamespace.keySet().retainAll(all.stream().map(ns -> ns.name).toList());
            for (Namespace ns : all) {
                ArrayDeque<long[]> samples = byNamespace.computeIfAbsent(ns.name, n -> new ArrayDeque<>());
                if (samples.size() == SAMPLES) {
                    samples.removeFirst();
                }
                samples.addLast(sample(ns, now));
            }
        }
    }

    static long[] sample(Namespace ns, long now) {
        NamespaceStats s = Snapshots.of(ns);
        return new long[] {now, s.calls(), s.l1Hits(), s.l2Hits(), s.misses(), s.uncached(), s.loadFailures(),
            s.loadNanos(), s.l2Reads(), s.l2ReadNanos(), s.staleServed(), s.verifyMismatches(), s.evictedBySize(),
            s.expired(), s.staleDrops(), s.l1Entries(), s.l1MaxEntries(), s.loadP50Nanos(), s.loadP99Nanos(),
            s.l2P50Nanos(), s.l2P99Nanos(), s.propagationLagP99Micros(), ns.propagationLag.sum(),
            s.invalidationsReceived()};
    }

    /** The page's data: the JVM's health, and each namespace's health and samples, the last one taken now. */
    String json() {
        long now = System.currentTimeMillis();
        Health jvm = runtime.health();
        StringBuilder sb = new StringBuilder(4096).append("{\"time\":").append(now)
                .append(",\"redis\":").append(string(runtime.config().redis() == null ? "none"
                        : runtime.config().redis().toString()))
                .append(",\"health\":").append(health(jvm))
                .append(",\"fields\":[");
        for (int i = 0; i < FIELDS.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(string(FIELDS.get(i)));
        }
        sb.append("],\"namespaces\":[");
        boolean first = true;
        for (Namespace ns : runtime.namespacesInUse()) {
            List<long[]> rows;
            synchronized (this) {
                ArrayDeque<long[]> samples = byNamespace.get(ns.name);
                rows = samples == null ? new ArrayList<>() : new ArrayList<>(samples);
            }
            rows.add(sample(ns, now));
            sb.append(first ? "" : ",").append("{\"name\":").append(string(ns.name)).append(",\"health\":")
                    .append(health(runtime.health(ns, jvm))).append(",\"samples\":[");
            for (int r = 0; r < rows.size(); r++) {
                long[] row = rows.get(r);
                sb.append(r == 0 ? "[" : ",[");
                for (int i = 0; i < row.length; i++) {
                    sb.append(i == 0 ? "" : ",").append(row[i]);
                }
                sb.append(']');
            }
            sb.append("]}");
            first = false;
        }
        return sb.append("]}").toString();
    }

    private static String health(Health h) {
        return "{\"state\":" + string(h.state().label()) + ",\"brief\":" + string(h.brief()) + ",\"reason\":"
                + string(h.detail() + (h.wayOut().isEmpty() ? "" : "; " + h.wayOut())) + "}";
    }

    /** A JSON string. */
    static String string(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c)); // also safe inside HTML
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
