package dev.tiered.runtime.observe;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tiered.Tier;
import dev.tiered.runtime.CachedMethod;
import dev.tiered.runtime.Fixtures;
import dev.tiered.runtime.Specs;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.stats.LagHistogram;
import dev.tiered.runtime.stats.NamespaceStats;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.StderrCopy;

class MetricsLogTest {

    /** Counters of a namespace named {@code products}; calls are the sum of the parts. */
    private static NamespaceStats stats(long l1, long l2, long loads, long failures, long uncached, long l2Errors) {
        return new NamespaceStats("products", 1, l1 + l2 + loads + failures + uncached, l1, l2, 0, loads, failures,
                uncached, 0, l2Errors, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    private static long[] loadTimes(long... millis) {
        LagHistogram h = new LagHistogram();
        for (long ms : millis) {
            h.record(ms * 1_000_000);
        }
        long[] counts = new long[LagHistogram.BUCKETS];
        h.addCountsTo(counts);
        return counts;
    }

    @Test
    void aLineGivesTheRatesOfTheIntervalNotSinceStartUp() {
        NamespaceStats before = stats(5_000, 100, 50, 0, 0, 3);
        long[] timesBefore = loadTimes(900, 900, 900); // slow loads before the interval do not count in it
        NamespaceStats now = stats(5_000 + 11_256, 100 + 753, 50 + 331, 0, 0, 3);
        long[] timesNow = loadTimes(900, 900, 900, 11, 11, 11, 11, 3, 3); // 11 ms: a bucket up to 11.5 ms
        assertEquals("namespace products: 1,234 calls/s, L1 91.2%, L2 6.1%, miss 2.7%, load p99 12 ms, "
                + "L2 errors 0, health caching", MetricsLog.line(before, now, timesBefore, timesNow, 10, "caching"));
    }

    @Test
    void theFirstLineCountsFromZeroAndShowsUncachedCallsAndSlowRates() {
        NamespaceStats now = stats(0, 0, 1, 1, 2, 2);
        assertEquals("namespace products: 0.40 calls/s, L1 0.0%, L2 0.0%, miss 50.0%, uncached 50.0%, "
                + "load p99 1.0 ms, L2 errors 2, health degraded (L1 only: L2 breaker open)",
                MetricsLog.line(null, now, null, loadTimes(1, 1), 10, "degraded (L1 only: L2 breaker open)"));
    }

    @Test
    void noRequestInTheIntervalMeansNoLine() {
        NamespaceStats s = stats(10, 0, 1, 0, 0, 0);
        long[] t = loadTimes(5);
        assertNull(MetricsLog.line(s, s, t, t, 60, "none"));
    }

    @Test
    void countersResetThroughJmxCountFromZero() {
        NamespaceStats before = stats(1000, 0, 10, 0, 0, 0);
        NamespaceStats now = stats(9, 0, 1, 0, 0, 0);
        String line = MetricsLog.line(before, now, loadTimes(1, 1), loadTimes(2), 1, "none");
        assertTrue(line.startsWith("namespace products: 10.0 calls/s, L1 90.0%, L2 0.0%, miss 10.0%, "
                + "load p99 "), line);
    }

    private static long count(StderrCopy log, String namespace) {
        return log.lines().stream().filter(l -> l.contains("INFO tiered - namespace " + namespace + ": ")).count();
    }

    @Test
    void aSummaryIsLoggedEveryIntervalForNamespacesWithCallsOnly() throws Exception {
        try (StderrCopy log = StderrCopy.start();
             TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(
                     Map.of("tiered.metrics.logInterval", "50ms"), Map.of()))) {
            Observation.attach(runtime);
            CachedMethod busy = runtime.register(Specs.of(Fixtures.Catalog.class, "find", "10m", Tier.L1, "busy"));
            runtime.register(Specs.of(Fixtures.Catalog.class, "other", "10m", Tier.L1, "idle"));
            call(busy, () -> "v", 1L);
            call(busy, () -> "v", 1L);
            Await.until("a summary of namespace busy", Duration.ofSeconds(10), () -> log.lines().stream()
                    .anyMatch(l -> l.contains("INFO tiered - namespace busy: ")));
            List<String> lines = log.lines().stream().filter(l -> l.contains("namespace busy: ")).toList();
            assertTrue(lines.get(0).matches(".*namespace busy: [0-9.,]+ calls/s, L1 [0-9.]+%, L2 0\\.0%, "
                    + "miss [0-9.]+%, load p99 [0-9.,]+ ms, L2 errors 0, health caching"), lines.toString());
            // every call of busy is counted in the run that logs the first line of marker, called after them;
            // a run after that one (it logs marker's second line) has no call of busy, so no line for it
            CachedMethod marker = runtime.register(Specs.of(Fixtures.Catalog.class, "pair", "10m", Tier.L1, "marker"));
            call(marker, () -> "m", 1L, 1L);
            Await.until("a summary of namespace marker", Duration.ofSeconds(10), () -> count(log, "marker") >= 1);
            long summaries = count(log, "busy");
            call(marker, () -> "m", 1L, 2L);
            Await.until("a second summary of marker", Duration.ofSeconds(10), () -> count(log, "marker") >= 2);
            assertEquals(summaries, count(log, "busy"), log.lines().toString());
            assertFalse(log.lines().stream().anyMatch(l -> l.contains("namespace idle: ")), log.lines().toString());
        }
    }
}
