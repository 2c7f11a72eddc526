package dev.tiered.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tiered.runtime.CachedMethod;
import dev.tiered.runtime.Load;
import dev.tiered.runtime.MethodSpec;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l2.KeyType;

/**
 * The simulator on short traces: every strategy gets the same calls and memory, the shared budget (tiered's own
 * {@code L1Budget}) beats even per-method bounds once it has had a few windows, no strategy beats what the trace
 * allows, and the report states each target with what was measured.
 */
class EvictionSimulatorTest {
    private static final long BUDGET = 8L << 20;
    private static final long CALLS = 300_000; // 15 simulated seconds: three rebalances

    /** A cached method for the recording: its key is a {@code long}. */
    static String find(long id) {
        return "value-" + id;
    }

    /** What a running agent records with {@code tiered.trace}, read back and replayed. */
    @Test
    void aTraceRecordedByTheEngineIsReplayedWithItsMethodsLoadTimesAndSizes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("calls.trace");
        MethodSpec spec = new MethodSpec(EvictionSimulatorTest.class.getName(), "find", "(J)Ljava/lang/String;",
                List.of("long"), "java.lang.String", MethodSpec.Kind.CONCRETE, "10m", "", "L1", "recorded",
                List.of(KeyType.Scalar.LONG), List.of(), EvictionSimulatorTest.class.getClassLoader());
        try (TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of("tiered.trace", file.toString()),
                Map.of()))) {
            CachedMethod find = runtime.register(spec);
            java.util.Random r = new java.util.Random(1);
            for (int i = 0; i < 20_000; i++) {
                long key = (long) Math.abs(r.nextGaussian() * 400);
                Object outcome = find.begin1(key);
                if (outcome instanceof Load load) {
                    load.complete(find(key));
                }
            }
        }
        EvictionSimulator.Recorded recorded = EvictionSimulator.recorded(file);
        assertEquals(1, recorded.workload().methods().size());
        EvictionSimulator.Method m = recorded.workload().methods().get(0);
        assertTrue(m.name().endsWith("EvictionSimulatorTest.find(long)"), m.name());
        assertTrue(m.entryBytes() > 0 && m.loadNanos() >= 1_000, m.toString());
        int calls = recorded.trace().method.length;
        assertTrue(calls > 20_000 / 32 && calls < 20_000 / 8, calls + " calls of one key in 16");
        List<EvictionSimulator.Outcome> o = new EvictionSimulator(1L << 20, calls).run(recorded.workload(),
                recorded.trace());
        assertTrue(o.get(1).hitRatio() > 0.5, "the recorded reuse replays: " + o);
    }

    @Test
    void theSharedBudgetBeatsEvenPerMethodBoundsAndTheReportSaysWhatWasMeasured() {
        EvictionSimulator sim = new EvictionSimulator(BUDGET, CALLS);
        List<EvictionSimulator.Workload> workloads = EvictionSimulator.workloads(CALLS).subList(0, 2);
        List<List<EvictionSimulator.Outcome>> results = new ArrayList<>();
        for (EvictionSimulator.Workload w : workloads) {
            List<EvictionSimulator.Outcome> o = sim.run(w);
            results.add(o);
            assertEquals(List.of("per method", "shared (tiered.l1.budget)", "best static split"),
                    o.stream().map(EvictionSimulator.Outcome::strategy).toList());
            assertTrue(o.stream().allMatch(r -> r.calls() == CALLS && r.hits() > 0 && r.hits() < CALLS), o.toString());
        }
        List<EvictionSimulator.Outcome> stable = results.get(0);
        assertTrue(stable.get(1).savedSeconds() > stable.get(0).savedSeconds(), "shared over per method: " + stable);
        assertTrue(stable.get(2).savedSeconds() > stable.get(0).savedSeconds(), "the search finds better: " + stable);

        EvictionSimulator.Workload shifting = workloads.get(1);
        double oracle = sim.perPhaseHindsight(shifting, new EvictionSimulator.Trace(shifting, CALLS));
        assertTrue(oracle > results.get(1).get(0).savedSeconds(), "re-split per phase with hindsight, over "
                + "per-method bounds: " + oracle + " vs " + results.get(1));
        String report = sim.report(workloads, results, oracle);
        assertTrue(report.contains("| stable | shared (tiered.l1.budget) | "), report);
        assertTrue(report.matches("(?s).*An upper bound for any allocator .* saves \\+[0-9.]+% over the "
                + "per-method bound.*"), report);
        assertTrue(report.matches("(?s).*\\| shifting popularity: within 5% of the best static split \\| "
                + "-?[0-9.]+% below it \\| (yes|\\*\\*no\\*\\*) \\|.*"), report);
        String sweep = EvictionSimulator.sweep("shifting", List.of(new long[] {BUDGET}),
                List.of(results.get(1)));
        assertTrue(sweep.matches("(?s).*\\| 8 MB \\| [0-9.]+%, [0-9,]+ s \\| .*"), sweep);
        byte[] png = EvictionSimulator.png(workloads, results);
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
    }

    /** A trace published inside Caffeine's simulator jar, read by the simulator's own LIRS reader. */
    @Test
    void aPublishedTraceIsReadByTheSimulatorsReader() {
        PublishedTraces.Keys multi1 = PublishedTraces.read("lirs:multi1.trace.gz");
        assertEquals("lirs:multi1", multi1.name());
        assertEquals(15_858, multi1.keys().length);
        assertEquals(2_606, java.util.Arrays.stream(multi1.keys()).distinct().count());
        assertTrue(Double.isNaN(multi1.missPenalty()), "LIRS traces carry keys only");
    }

    /**
     * Files in two of the formats, written here: LIRS (a key a line; "*" and blank lines skipped) and ARC
     * ({@code start count _ _}: count keys from start). Each is a method; the calls interleave by position.
     */
    @Test
    void tracesInCaffeinesFormatsAreMethodsInterleavedByPosition(@TempDir Path dir) throws Exception {
        Path lirs = dir.resolve("small.lirs");
        java.nio.file.Files.writeString(lirs, "7\n*\n\n8\n");
        Path arc = dir.resolve("small.arc");
        java.nio.file.Files.writeString(arc, "100 3 0 1\n500 1 0 2\n");
        EvictionSimulator.Recorded r = PublishedTraces.workload(List.of("lirs:" + lirs, "arc:" + arc));
        assertEquals(List.of("lirs:" + lirs, "arc:" + arc), r.workload().methods().stream()
                .map(EvictionSimulator.Method::name).toList());
        assertEquals(List.of(100_000L, 200_000L), r.workload().methods().stream()
                .map(EvictionSimulator.Method::loadNanos).toList(), "load times in turn");
        // positions: lirs 0.25, 0.75; arc 0.125, 0.375, 0.625, 0.875
        assertEquals("[1, 0, 1, 1, 0, 1]", java.util.Arrays.toString(r.trace().method));
        assertEquals("[100, 7, 101, 102, 8, 500]", java.util.Arrays.toString(r.trace().key));
        List<EvictionSimulator.Outcome> o = new EvictionSimulator(1L << 20, 6).run(r.workload(), r.trace());
        assertEquals(3, o.size());
        assertTrue(o.stream().allMatch(x -> x.calls() == 6 && x.hits() == 0), "no key repeats: " + o);
        String table = EvictionSimulator.perMethod("small", o);
        assertTrue(table.contains("| method | calls | per method | shared (tiered.l1.budget) | best static split |"),
                table);
        assertTrue(table.contains("| arc:" + arc + " | 4 | 0.0%, 0.0 s | 0.0%, 0.0 s | 0.0%, 0.0 s |"), table);
        assertTrue(table.contains("| lirs:" + lirs + " | 2 |"), table);
    }

    @Test
    void aTraceWithoutFormatOrOfAnUnknownOneIsAnErrorNamingIt() {
        IllegalArgumentException none = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PublishedTraces.read("multi1.trace.gz"));
        assertTrue(none.getMessage().startsWith("trace \"multi1.trace.gz\" has no format; accepted: format:file"),
                none.getMessage());
        IllegalArgumentException unknown = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> PublishedTraces.read("lru:x.trace"));
        assertTrue(unknown.getMessage().contains("unknown format lru; accepted: [address, address-penalties"),
                unknown.getMessage());
        IllegalArgumentException missing = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> PublishedTraces.read("lirs:/nonexistent/x.trace"));
        assertTrue(missing.getMessage().startsWith("trace \"lirs:/nonexistent/x.trace\" cannot be read"),
                missing.getMessage());
    }
}
