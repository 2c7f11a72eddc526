package dev.tiered.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The simulator on short traces: every strategy gets the same calls and memory, the shared budget (tiered's own
 * {@code L1Budget}) beats even per-method bounds once it has had a few windows, no strategy beats what the trace
 * allows, and the report states each target with what was measured.
 */
class EvictionSimulatorTest {
    private static final long BUDGET = 8L << 20;
    private static final long CALLS = 300_000; // 15 simulated seconds: three rebalances

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

        String report = sim.report(workloads, results);
        assertTrue(report.contains("| stable | shared (tiered.l1.budget) | "), report);
        assertTrue(report.matches("(?s).*\\| shifting popularity: within 5% of the best static split \\| "
                + "-?[0-9.]+% below it \\| (yes|\\*\\*no\\*\\*) \\|.*"), report);
        byte[] png = EvictionSimulator.png(workloads, results);
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
    }
}
