package dev.tiered.runtime.observe;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.slf4j.Logger;

import dev.tiered.runtime.Health;
import dev.tiered.runtime.Snapshots;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.LagHistogram;
import dev.tiered.runtime.stats.NamespaceStats;

/**
 * Logs one line per namespace every {@code tiered.metrics.logInterval}, at INFO on the {@code tiered} logger, with the
 * rates since the previous line: calls per second, the shares served by L1 and L2 and missed, the 99th percentile of
 * load time, the L2 errors and the namespace's health ({@link TieredRuntime#health}). A namespace without calls in the
 * interval gets no line. Runs on tiered's maintenance thread only.
 */
final class MetricsLog implements Runnable {
    private static final Logger LOG = FaultReporter.LOG;

    private final TieredRuntime runtime;
    private final Map<String, Previous> previous = new HashMap<>();
    private long lastNanos = System.nanoTime();

    private record Previous(NamespaceStats stats, long[] loadTimes) {}

    MetricsLog(TieredRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        double seconds = (now - lastNanos) / 1e9;
        lastNanos = now;
        Health jvm = runtime.health();
        for (Namespace ns : runtime.namespacesInUse()) {
            NamespaceStats stats = Snapshots.of(ns);
            long[] loadTimes = Snapshots.loadTimes(ns);
            Previous before = previous.put(ns.name, new Previous(stats, loadTimes));
            String state = runtime.health(ns, jvm).brief();
            String line = before == null ? line(null, stats, null, loadTimes, seconds, state)
                    : line(before.stats, stats, before.loadTimes, loadTimes, seconds, state);
            if (line != null) {
                LOG.info(line);
            }
        }
    }

    /**
     * The line for one namespace over an interval of {@code seconds}, from the counters and load-time buckets at
     * its start ({@code null}: all zero) and at its end; {@code null} when there was no call. Counters reset in
     * the meantime count from zero.
     */
    static String line(NamespaceStats before, NamespaceStats now, long[] loadTimesBefore, long[] loadTimesNow,
                       double seconds, String health) {
        if (before != null && now.calls() < before.calls()) {
            before = null; // reset through JMX
            loadTimesBefore = null;
        }
        long calls = now.calls() - (before == null ? 0 : before.calls());
        if (calls <= 0) {
            return null;
        }
        long l1 = now.l1Hits() - (before == null ? 0 : before.l1Hits());
        long l2 = now.l2Hits() - (before == null ? 0 : before.l2Hits());
        long misses = now.misses() - (before == null ? 0 : before.misses());
        long uncached = now.uncached() - (before == null ? 0 : before.uncached());
        long l2Errors = Math.max(0, now.l2Errors() - (before == null ? 0 : before.l2Errors()));
        long[] loads = new long[LagHistogram.BUCKETS];
        for (int i = 0; i < loads.length; i++) {
            loads[i] = Math.max(0, loadTimesNow[i] - (loadTimesBefore == null ? 0 : loadTimesBefore[i]));
        }
        long loadCount = 0;
        for (long c : loads) {
            loadCount += c;
        }
        StringBuilder sb = new StringBuilder(160).append("namespace ").append(now.namespace()).append(": ")
                .append(rate(calls / Math.max(seconds, 1e-9))).append(" calls/s, L1 ")
                .append(percent(l1, calls)).append(", L2 ").append(percent(l2, calls)).append(", miss ")
                .append(percent(misses, calls));
        if (uncached > 0) {
            sb.append(", uncached ").append(percent(uncached, calls));
        }
        sb.append(loadCount == 0 ? ", no loads" : ", load p99 " + millis(LagHistogram.quantile(loads, 0.99)))
                .append(", L2 errors ").append(String.format(Locale.ROOT, "%,d", l2Errors))
                .append(", health ").append(health);
        return sb.toString();
    }

    private static String rate(double perSecond) {
        return String.format(Locale.ROOT, perSecond >= 100 ? "%,.0f" : perSecond >= 10 ? "%.1f" : "%.2f",
                perSecond);
    }

    private static String percent(long part, long whole) {
        return String.format(Locale.ROOT, "%.1f%%", Math.max(0, part) * 100.0 / whole);
    }

    private static String millis(long nanos) {
        double ms = nanos / 1e6;
        return String.format(Locale.ROOT, ms >= 10 ? "%,.0f ms" : ms >= 1 ? "%.1f ms" : "%.2f ms", ms);
    }
}
