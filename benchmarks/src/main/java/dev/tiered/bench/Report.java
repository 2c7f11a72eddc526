package dev.tiered.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns one run's figures into {@code docs/BENCHMARKS.md} and the README's benchmark section: every comparison as a
 * ratio against its target, and every figure with its error, the machine and the JDK.
 */
final class Report {
    static final String START = "<!-- benchmarks:start -->";
    static final String END = "<!-- benchmarks:end -->";

    /**
     * One benchmark over all rounds: mean and 99.9% error over every iteration, unit, bytes allocated per operation
     * (NaN when not profiled), and the mean of each round.
     */
    record Score(String benchmark, double score, double error, String unit, double allocBytes, List<Double> rounds) {}

    /** One target of the issue, as measured. */
    record Target(String number, String what, String measured, String limit, boolean met) {}

    private final String header;
    private final Map<String, Score> scores;
    private final Startup.Result startup;
    private final PropagationLag.Result lag;
    private final Footprint.Result footprint;
    private final Optional<String> noCluster;
    private final CodecBenchmark.Sizes sizes;
    private final List<Target> targets = new ArrayList<>();

    Report(String header, Map<String, Score> scores, Startup.Result startup, PropagationLag.Result lag,
           Footprint.Result footprint, Optional<String> noCluster, CodecBenchmark.Sizes sizes) {
        this.header = header;
        this.scores = scores;
        this.startup = startup;
        this.lag = lag;
        this.footprint = footprint;
        this.noCluster = noCluster;
        this.sizes = sizes;
        evaluate();
    }

    List<Target> targets() {
        return targets;
    }

    private Score score(String benchmark) {
        Score s = scores.get(benchmark);
        if (s == null) {
            throw new IllegalStateException("no result for " + benchmark + "; have " + scores.keySet());
        }
        return s;
    }

    /** The median over rounds of the ratio between the two benchmarks' means in the same round. */
    double ratio(String numerator, String denominator) {
        List<Double> a = score(numerator).rounds();
        List<Double> b = score(denominator).rounds();
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            ratios.add(a.get(i) / b.get(i));
        }
        return Startup.median(ratios);
    }

    private void evaluate() {
        double sameConfig = ratio("L1HitBenchmark.agentHit", "L1HitBenchmark.caffeineGetIfPresent");
        ratioTarget("1", "L1 hit through the agent vs `Caffeine.getIfPresent` (same bound and expiry)", sameConfig,
                "≤ 3×", sameConfig <= 3);
        double boundOnly = ratio("L1HitBenchmark.agentHit", "L1HitBenchmark.caffeineBoundOnly");
        ratioTarget("1", "L1 hit through the agent vs `Caffeine.getIfPresent` (bound only, no clock)", boundOnly,
                "≤ 2×", boundOnly <= 2);
        double budget = ratio("BudgetHitBenchmark.agentHit", "L1HitBenchmark.caffeineBoundOnly");
        ratioTarget("1", String.format(Locale.ROOT, "L1 hit under `tiered.l1.budget` vs `Caffeine.getIfPresent` "
                + "(bound only): no more than without a budget (%.2f×) + 5%% noise", boundOnly), budget,
                String.format(Locale.ROOT, "≤ %.2f×", boundOnly * 1.05), budget <= boundOnly * 1.05);
        double spring = ratio("L1HitBenchmark.springCacheable", "L1HitBenchmark.agentHit");
        ratioTarget("1", "Spring `@Cacheable` (Caffeine) hit vs the agent's hit", spring, "≥ 10×", spring >= 10);
        allocTarget("L1HitBenchmark.agentHitNoArguments", "L1 hit, no argument", 0);
        allocTarget("L1HitBenchmark.agentHit", "L1 hit, one reference argument", 0);
        allocTarget("L1HitBenchmark.agentHitThreeArguments", "L1 hit, three arguments", 32);
        double primitive = score("L1HitBenchmark.agentHitPrimitiveArgument").allocBytes();
        targets.add(new Target("2", "allocation per L1 hit, one `long` argument (boxed into the key)",
                bytes(primitive), "reported", true));
        targets.add(new Target("2", "heap per L1 entry (a `long` key, a shared value; " + footprint.entries()
                + " entries): agent, with `@CacheKey` " + footprint.agentKeyedBytes() + " B; Caffeine alone "
                + footprint.caffeineBytes() + " B", footprint.agentBytes() + " B", "reported", true));
        double l2 = ratio("L2HitBenchmark.agentL2Hit", "L2HitBenchmark.rawGetAndDecode");
        ratioTarget("3", "L2 hit through the agent vs raw Jedis GET + `ObjectInputStream`", l2, "≤ 1.3×", l2 <= 1.3);
        double miss = ratio("MissBenchmark.agentMiss", "MissBenchmark.rawMiss");
        ratioTarget("4", "miss through the agent vs method + Caffeine put + serialize + Redis SET", miss, "≤ 1.2×",
                miss <= 1.2);
        double threads = ratio("TwoThreadsBenchmark.agentHit", "TwoThreadsBenchmark.caffeineGetIfPresent");
        ratioTarget("5", "two threads, L1 hit throughput: agent vs Caffeine (same bound and expiry)", threads,
                "≥ 0.7×", threads >= 0.7);
        double threadsBound = ratio("TwoThreadsBenchmark.agentHit", "TwoThreadsBenchmark.caffeineBoundOnly");
        ratioTarget("5", "two threads, L1 hit throughput: agent vs Caffeine (bound only)", threadsBound,
                "≥ 0.7×", threadsBound >= 0.7);
        targets.add(new Target("6", "start-up to first served request: added by the agent (median of "
                + startup.with().size() + " runs each: " + millis(startup.withoutMillis()) + " → "
                + millis(startup.withMillis()) + ")", millis(startup.addedMillis()), "≤ 300 ms",
                startup.addedMillis() <= 300));
        targets.add(new Target("7", "invalidation propagation to a second JVM, p99 over " + lag.received()
                + " bumps (p50 " + millis(lag.p50Millis()) + ", max " + millis(lag.maxMillis()) + ")",
                millis(lag.p99Millis()), "≤ 5 ms", lag.p99Millis() <= 5));
        clusterTargets();
        double one = ratio("CodecBenchmark.fieldsProduct", "CodecBenchmark.javaProduct");
        targets.add(new Target("9", "L2 codec, encode + decode of one `Product`: field encoding vs Java "
                + "serialization (" + sizes.fieldsProduct() + " B vs " + sizes.javaProduct() + " B stored)",
                String.format(Locale.ROOT, "%.2f×", one), "reported", true));
        double twenty = ratio("CodecBenchmark.fieldsProducts", "CodecBenchmark.javaProducts");
        targets.add(new Target("9", "L2 codec, encode + decode of 20 `Product`s: field encoding vs Java "
                + "serialization (" + sizes.fieldsList() + " B vs " + sizes.javaList() + " B stored)",
                String.format(Locale.ROOT, "%.2f×", twenty), "reported", true));
        double advise = ratio("AdvisedBenchmark.advised", "AdviseBenchmark.plain");
        ratioTarget("10", "the advisor's cost: the sample service's product lookup (H2) with its class advised vs "
                + "not", advise, "≤ 1.05×", advise <= 1.05);
    }

    /** Case 8, or why it was not measured. */
    private void clusterTargets() {
        String hit = "Redis Cluster: L2 hit through the agent vs Jedis's cluster client GET + `ObjectInputStream`";
        String miss = "Redis Cluster: miss through the agent vs method + Caffeine put + serialize + cluster SET";
        if (noCluster.isPresent()) {
            targets.add(new Target("8", hit, "not measured: " + noCluster.get(), "≤ 1.3×", false));
            targets.add(new Target("8", miss, "not measured", "≤ 1.2×", false));
            return;
        }
        String c = BenchmarkMain.CLUSTER;
        double l2 = ratio(c + "L2HitBenchmark.agentL2Hit", c + "L2HitBenchmark.rawGetAndDecode");
        ratioTarget("8", hit, l2, "≤ 1.3×", l2 <= 1.3);
        double missed = ratio(c + "MissBenchmark.agentMiss", c + "MissBenchmark.rawMiss");
        ratioTarget("8", miss, missed, "≤ 1.2×", missed <= 1.2);
    }

    private void ratioTarget(String number, String what, double ratio, String limit, boolean met) {
        targets.add(new Target(number, what, String.format(Locale.ROOT, "%.2f×", ratio), limit, met));
    }

    private void allocTarget(String benchmark, String what, int limit) {
        double bytes = score(benchmark).allocBytes();
        // the gc profiler's per-op figure carries a fraction of a byte of JMH's own bookkeeping
        targets.add(new Target("2", "allocation per " + what, bytes(bytes), limit == 0 ? "0 B/op" : "≤ " + limit
                + " B/op", Math.round(bytes) <= limit));
    }

    private static String bytes(double b) {
        return Double.isNaN(b) ? "n/a" : String.format(Locale.ROOT, "%d B/op", Math.round(b));
    }

    private static String millis(double ms) {
        return String.format(Locale.ROOT, "%.1f ms", ms);
    }

    /** The table of targets, as the README quotes it. */
    String targetsTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| # | comparison | measured | target | met |\n|---|---|---|---|---|\n");
        for (Target t : targets) {
            sb.append("| ").append(t.number()).append(" | ").append(t.what()).append(" | ").append(t.measured())
                    .append(" | ").append(t.limit()).append(" | ").append(t.met() ? "yes" : "**no**").append(" |\n");
        }
        return sb.toString();
    }

    /** Every figure of the run. */
    String resultsTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| benchmark | mean | ± (99.9%) | unit | allocated | round means |\n"
                + "|---|---:|---:|---|---:|---|\n");
        for (Score s : scores.values()) {
            sb.append("| `").append(s.benchmark()).append("` | ").append(number(s.score())).append(" | ")
                    .append(number(s.error())).append(" | ").append(s.unit()).append(" | ")
                    .append(bytes(s.allocBytes())).append(" | ")
                    .append(String.join(" ", s.rounds().stream().map(Report::number).toList())).append(" |\n");
        }
        sb.append("| start-up without the agent (median) | ").append(number(startup.withoutMillis()))
                .append(" | | ms | | ").append(list(startup.without())).append(" |\n");
        sb.append("| start-up with the agent (median) | ").append(number(startup.withMillis()))
                .append(" | | ms | | ").append(list(startup.with())).append(" |\n");
        return sb.toString();
    }

    /**
     * The hit rebuilt step by step ({@link HitCostBenchmark}): what each guarantee adds. The dispatch line compares
     * runs in different forks, so it is the least precise.
     */
    String hitCostTable() {
        String[][] steps = {
                {"HitCostBenchmark.caffeineBoundOnly", "`Caffeine.getIfPresent`, bound only"},
                {"HitCostBenchmark.l1Store", "+ each entry's lifetime (tiered's L1 store: Caffeine's "
                        + "`expireAfterWrite` on the coarse clock)"},
                {"HitCostBenchmark.l1StoreChecked", "+ the checks before serving: the namespace's generation, the "
                        + "refresh deadline"},
                {"HitCostBenchmark.l1StoreCheckedCounted", "+ the exact per-method hit count"},
                {"L1HitBenchmark.agentHit", "+ dispatch: the advice, the bridge, the site (the agent's hit)"}};
        StringBuilder sb = new StringBuilder("| step | ns per hit | added |\n|---|---:|---:|\n");
        double before = Double.NaN;
        for (String[] step : steps) {
            double ns = Startup.median(score(step[0]).rounds());
            sb.append("| ").append(step[1]).append(" | ").append(number(ns)).append(" | ")
                    .append(Double.isNaN(before) ? "" : String.format(Locale.ROOT, "%+.2f", ns - before))
                    .append(" |\n");
            before = ns;
        }
        return sb.toString();
    }

    private static String list(List<Double> values) {
        return String.join(" ", values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList());
    }

    private static String number(double d) {
        if (Double.isNaN(d)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, d >= 100 ? "%.0f" : d >= 10 ? "%.1f" : d >= 1 ? "%.2f" : "%.3f", d);
    }

    String markdown(String chartFile) {
        return "# Benchmarks\n\n"
                + "Written by `mvn -B -DskipTests -Pbenchmarks verify` (see `benchmarks/`); do not edit by hand.\n\n"
                + header + "\n\n"
                + "## Targets\n\n" + targetsTable() + "\n"
                + "Each benchmark runs once per round, the rounds alternating through the run, and each ratio is the "
                + "median over rounds of the ratio of the two sides' means in the same round: on a shared virtual "
                + "machine whose speed drifts, neighbours are compared with neighbours. Where a target is not met, "
                + "the README's *Limits* section says what the remaining cost is made of.\n\n"
                + "![latencies](" + chartFile + ")\n\n"
                + "## Where an L1 hit's time goes\n\n" + hitCostTable() + "\n"
                + "## Every figure\n\n" + resultsTable();
    }

    /** The README with its benchmark section replaced by this run's targets. */
    String readme(String readme) {
        int start = readme.indexOf(START);
        int end = readme.indexOf(END);
        if (start < 0 || end < start) {
            throw new IllegalStateException("the README has no " + START + " … " + END + " section to fill");
        }
        String section = START + "\n" + header + "\n\n" + targetsTable() + "\nEvery figure, and a plot: "
                + "[docs/BENCHMARKS.md](docs/BENCHMARKS.md).\n";
        return readme.substring(0, start) + section + readme.substring(end);
    }

    void write(Path docs, Path readme, byte[] chart) throws IOException {
        Files.createDirectories(docs);
        Files.write(docs.resolve("benchmarks.png"), chart);
        Files.writeString(docs.resolve("BENCHMARKS.md"), markdown("benchmarks.png"));
        Files.writeString(readme, readme(Files.readString(readme)));
    }
}
