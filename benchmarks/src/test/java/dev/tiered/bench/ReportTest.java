package dev.tiered.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class ReportTest {
    private static final String HEADER = "Measured 2026-11-22 on a test machine.";

    private final Map<String, Report.Score> scores = new LinkedHashMap<>();

    private void score(String name, double alloc, Double... rounds) {
        List<Double> means = List.of(rounds);
        double mean = means.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        scores.put(name, new Report.Score(name, mean, 0.1, "ns/op", alloc, means));
    }

    /** Every case at figures that meet every target, which each test then spoils as it needs. */
    private void allMet() {
        score("L1HitBenchmark.agentHit", 0, 10.0, 10.0, 10.0);
        score("L1HitBenchmark.caffeineGetIfPresent", 0, 5.0, 5.0, 5.0);
        score("L1HitBenchmark.caffeineBoundOnly", 0, 5.0, 5.0, 5.0);
        score("BudgetHitBenchmark.agentHit", 0, 10.4, 10.4, 10.4); // within 5% of the hit without a budget
        score("AdviseBenchmark.plain", Double.NaN, 20.0, 20.0, 20.0);
        score("AdvisedBenchmark.advised", Double.NaN, 20.5, 20.5, 20.5);
        score("HitCostBenchmark.caffeineBoundOnly", Double.NaN, 3.0, 3.5, 4.0);
        score("HitCostBenchmark.l1Store", Double.NaN, 4.0, 4.0, 4.0);
        score("HitCostBenchmark.l1StoreChecked", Double.NaN, 5.0, 5.0, 5.0);
        score("HitCostBenchmark.l1StoreCheckedCounted", Double.NaN, 7.5, 7.5, 7.5);
        score("L1HitBenchmark.springCacheable", 24, 200.0, 200.0, 200.0);
        score("L1HitBenchmark.direct", 0, 1.0, 1.0, 1.0);
        score("L1HitBenchmark.agentHitNoArguments", 0.01, 9.0, 9.0, 9.0);
        score("L1HitBenchmark.agentHitPrimitiveArgument", 16, 11.0, 11.0, 11.0);
        score("L1HitBenchmark.agentHitThreeArguments", 32, 14.0, 14.0, 14.0);
        score("L2HitBenchmark.agentL2Hit", Double.NaN, 100.0, 100.0, 100.0);
        score("L2HitBenchmark.rawGetAndDecode", Double.NaN, 90.0, 90.0, 90.0);
        score("MissBenchmark.agentMiss", Double.NaN, 100.0, 100.0, 100.0);
        score("MissBenchmark.rawMiss", Double.NaN, 95.0, 95.0, 95.0);
        score("TwoThreadsBenchmark.agentHit", Double.NaN, 90.0, 90.0, 90.0);
        score("TwoThreadsBenchmark.caffeineGetIfPresent", Double.NaN, 100.0, 100.0, 100.0);
        score("TwoThreadsBenchmark.caffeineBoundOnly", Double.NaN, 110.0, 110.0, 110.0);
        score("Cluster.L2HitBenchmark.agentL2Hit", Double.NaN, 120.0, 120.0, 120.0);
        score("Cluster.L2HitBenchmark.rawGetAndDecode", Double.NaN, 110.0, 110.0, 110.0);
        score("Cluster.MissBenchmark.agentMiss", Double.NaN, 130.0, 130.0, 130.0);
        score("Cluster.MissBenchmark.rawMiss", Double.NaN, 120.0, 120.0, 120.0);
        score("CodecBenchmark.javaProduct", Double.NaN, 8.0, 8.0, 8.0);
        score("CodecBenchmark.fieldsProduct", Double.NaN, 2.0, 2.0, 2.0);
        score("CodecBenchmark.javaProducts", Double.NaN, 40.0, 40.0, 40.0);
        score("CodecBenchmark.fieldsProducts", Double.NaN, 10.0, 10.0, 10.0);
    }

    private Report report(double startupAdded, double lagP99) {
        return report(startupAdded, lagP99, Optional.empty());
    }

    private Report report(double startupAdded, double lagP99, Optional<String> noCluster) {
        Startup.Result startup = new Startup.Result(700, 700 + startupAdded, List.of(690.0, 700.0, 710.0),
                List.of(700 + startupAdded));
        return new Report(HEADER, scores, startup, new PropagationLag.Result(3000, 0.4, lagP99, 7.5),
                new Footprint.Result(100_000, 120, 200, 80), noCluster, new CodecBenchmark.Sizes(400, 80, 1200, 900));
    }

    private static Map<String, Report.Target> byWhat(Report report) {
        return report.targets().stream().collect(Collectors.toMap(Report.Target::what, Function.identity()));
    }

    @Test
    void aRatioIsTheMedianOfTheRoundsRatiosSoThatOneDriftingRoundDoesNotDecideIt() {
        allMet();
        // round 2 ran while the machine was slow for the agent's side only
        score("MissBenchmark.agentMiss", Double.NaN, 100.0, 400.0, 110.0);
        score("MissBenchmark.rawMiss", Double.NaN, 100.0, 100.0, 100.0);
        Report report = report(100, 1);
        assertEquals(1.1, report.ratio("MissBenchmark.agentMiss", "MissBenchmark.rawMiss"), 1e-9);
        assertTrue(report.targets().stream().filter(t -> t.number().equals("4")).allMatch(Report.Target::met));
    }

    @Test
    void everyTargetOfTheIssueIsEvaluatedAndAMissedOneIsMarked() {
        allMet();
        Report met = report(100, 1);
        assertEquals(20, met.targets().size());
        assertTrue(met.targetsTable().contains("| 9 | L2 codec, encode + decode of one `Product`: field encoding vs "
                + "Java serialization (80 B vs 400 B stored) | 0.25× | reported | yes |"), met.targetsTable());
        assertTrue(met.targets().stream().allMatch(Report.Target::met), met.targetsTable());
        assertFalse(met.targetsTable().contains("**no**"));

        scores.clear();
        allMet();
        score("L1HitBenchmark.agentHit", 0, 20.0, 20.0, 20.0); // 4× Caffeine, and Spring only 10×
        score("BudgetHitBenchmark.agentHit", 0, 22.0, 22.0, 22.0); // 4.4×: more than 5% over the 4× without
        score("L1HitBenchmark.agentHitThreeArguments", 40, 14.0);
        score("Cluster.MissBenchmark.agentMiss", Double.NaN, 150.0, 150.0, 150.0); // 1.25× the cluster client
        Report missed = report(450, 6);
        Map<String, Report.Target> targets = byWhat(missed);
        assertFalse(targets.get("L1 hit through the agent vs `Caffeine.getIfPresent` (same bound and expiry)").met());
        assertEquals("4.00×", targets.get("L1 hit through the agent vs `Caffeine.getIfPresent` (same bound and expiry)")
                .measured());
        assertTrue(targets.get("Spring `@Cacheable` (Caffeine) hit vs the agent's hit").met(), "exactly 10× is met");
        assertFalse(targets.get("allocation per L1 hit, three arguments").met());
        assertEquals("40 B/op", targets.get("allocation per L1 hit, three arguments").measured());
        assertTrue(targets.get("allocation per L1 hit, no argument").met(), "a fraction of a byte is JMH's own");
        assertEquals("1.25×", targets.get("Redis Cluster: miss through the agent vs method + Caffeine put + "
                + "serialize + cluster SET").measured());
        assertFalse(targets.get("L1 hit under `tiered.l1.budget` vs `Caffeine.getIfPresent` (bound only): no more "
                + "than without a budget (4.00×) + 5% noise").met());
        assertEquals(7, missed.targets().stream().filter(t -> !t.met()).count(), missed.targetsTable());
        assertTrue(missed.targetsTable().contains("| 6 | start-up to first served request: added by the agent "
                + "(median of 1 runs each: 700.0 ms → 1150.0 ms) | 450.0 ms | ≤ 300 ms | **no** |"),
                missed.targetsTable());
    }

    @Test
    void theReadmeSectionBetweenTheMarkersIsReplacedAndNothingElse() {
        allMet();
        Report report = report(100, 1);
        String readme = "# tiered\n\nbefore\n" + Report.START + "\nold figures\n" + Report.END + "\nafter\n";
        String updated = report.readme(readme);
        assertTrue(updated.startsWith("# tiered\n\nbefore\n" + Report.START + "\n" + HEADER + "\n\n| # |"), updated);
        assertTrue(updated.endsWith("[docs/BENCHMARKS.md](docs/BENCHMARKS.md).\n" + Report.END + "\nafter\n"),
                updated);
        assertFalse(updated.contains("old figures"));
        assertEquals(updated, report.readme(updated), "running again replaces the section again");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> report.readme("# no markers\n"));
        assertTrue(e.getMessage().contains(Report.START), e.getMessage());
    }

    @Test
    void theMarkdownNamesTheRunAndShowsEveryFigure() {
        allMet();
        String markdown = report(100, 1).markdown("benchmarks.png");
        assertTrue(markdown.contains(HEADER));
        assertTrue(markdown.contains("![latencies](benchmarks.png)"));
        for (String benchmark : scores.keySet()) {
            assertTrue(markdown.contains("| `" + benchmark + "` |"), benchmark);
        }
        assertTrue(markdown.contains("| start-up without the agent (median) | 700 | | ms | | 690 700 710 |"),
                markdown);
    }

    @Test
    void theHitCostTableAddsOneStepAtATimeFromCaffeineToTheAgentsHit() {
        allMet();
        String table = report(100, 1).hitCostTable();
        assertTrue(table.contains("| `Caffeine.getIfPresent`, bound only | 3.50 |  |"), table);
        assertTrue(table.contains("| + the exact per-method hit count | 7.50 | +2.50 |"), table);
        assertTrue(table.contains("the site (the agent's hit) | 10.0 | +2.50 |"), table);
        assertEquals(7, table.lines().count(), table);
    }

    @Test
    void aClusterThatCouldNotBeStartedIsReportedAsNotMeasuredNotLeftOut() {
        allMet();
        scores.keySet().removeIf(name -> name.startsWith(BenchmarkMain.CLUSTER));
        Report report = report(100, 1, Optional.of("a Redis Cluster needs redis-cli"));
        List<Report.Target> cluster = report.targets().stream().filter(t -> t.number().equals("8")).toList();
        assertEquals(2, cluster.size());
        assertTrue(cluster.stream().noneMatch(Report.Target::met));
        assertEquals("not measured: a Redis Cluster needs redis-cli", cluster.get(0).measured());
    }

    @Test
    void aMissingResultIsAnErrorNamingIt() {
        allMet();
        scores.remove("L2HitBenchmark.rawGetAndDecode");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> report(100, 1));
        assertTrue(e.getMessage().startsWith("no result for L2HitBenchmark.rawGetAndDecode"), e.getMessage());
    }
}
