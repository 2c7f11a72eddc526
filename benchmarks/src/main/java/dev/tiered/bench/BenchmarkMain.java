package dev.tiered.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.ListStatistics;

import dev.tiered.testkit.RedisCluster;
import dev.tiered.testkit.RedisServer;

/**
 * Runs every benchmark case against its baseline in one run and writes the report: starts a redis-server (the one on
 * the PATH, or the embedded binary), runs the JMH benchmarks in forks started with the agent, measures start-up and
 * propagation lag with real JVMs, and writes {@code docs/BENCHMARKS.md}, {@code docs/benchmarks.png} and the README's
 * benchmark section.
 *
 * <p>System properties: {@code bench.agentJar}, {@code bench.docs}, {@code bench.readme} (set by the Maven profile),
 * {@code bench.careful=true} for longer runs (twice the rounds, longer iterations, more start-ups and bumps),
 * {@code bench.include} (a regular expression) to run some JMH benchmarks once, without writing a report,
 * {@code bench.jvmArgs} (space-separated) for more arguments to the benchmark JVMs, e.g. {@code -XX:+PrintInlining}.
 */
public final class BenchmarkMain {
    /** How long each part runs. */
    record Settings(String name, int rounds, int forks, int warmups, int warmupSeconds, int iterations, int seconds,
                    int startupPairs, int bumps) {
        String describe() {
            return name + ": JMH " + rounds + " alternating rounds of " + forks + " fork(s), " + warmups + " × "
                    + warmupSeconds + " s warm-up, " + iterations + " × " + seconds + " s measurement; "
                    + startupPairs + " start-ups each way; " + bumps + " bumps";
        }
    }

    static final Settings DEFAULT = new Settings("default", 3, 1, 2, 1, 3, 1, 5, 3000);
    static final Settings CAREFUL = new Settings("careful", 6, 1, 4, 2, 5, 2, 10, 10_000);

    /** Entries per way of caching in the memory measurement. */
    static final int FOOTPRINT_ENTRIES = 100_000;

    private BenchmarkMain() {}

    public static void main(String[] args) throws Exception {
        Path agentJar = Path.of(required("bench.agentJar"));
        if (!Files.isRegularFile(agentJar)) {
            throw new IllegalStateException(agentJar + " does not exist: build the agent first (mvn -B -DskipTests "
                    + "-Pbenchmarks verify builds it)");
        }
        Settings settings = Boolean.getBoolean("bench.careful") ? CAREFUL : DEFAULT;
        String include = System.getProperty("bench.include", "");
        long started = System.nanoTime();
        System.out.println("tiered benchmarks, " + settings.describe());
        try (RedisServer redis = RedisServer.start()) {
            String uri = redis.uri();
            Map<String, Report.Score> scores = new LinkedHashMap<>();
            if (!include.isEmpty()) {
                // a class with its own settings runs with them when the pattern names it
                List<String> extra = List.of();
                for (Class<?> c : List.of(BudgetHitBenchmark.class, AdvisedBenchmark.class)) {
                    if (Pattern.compile(include).matcher(c.getName()).find()) {
                        extra = agentSettings(c);
                    }
                }
                run(settings, agentJar, uri, include, true, extra);
                return;
            }
            scores.putAll(jmh(settings, agentJar, uri, true, L1HitBenchmark.class, BudgetHitBenchmark.class));
            scores.putAll(jmh(settings, agentJar, uri, false, TwoThreadsBenchmark.class));
            scores.putAll(jmh(settings, agentJar, uri, false, HitCostBenchmark.class));
            scores.putAll(jmh(settings, agentJar, uri, false, L2HitBenchmark.class, MissBenchmark.class));
            scores.putAll(jmh(settings, agentJar, uri, false, CodecBenchmark.class));
            scores.putAll(jmh(settings, agentJar, uri, false, AdviseBenchmark.class, AdvisedBenchmark.class));
            CodecBenchmark.Sizes sizes = CodecBenchmark.sizes();
            Optional<String> noCluster = RedisCluster.unavailable();
            if (noCluster.isEmpty()) {
                cluster(settings, agentJar, scores);
            } else {
                System.out.println("Redis Cluster: not measured, " + noCluster.get());
            }
            System.out.println("start-up: " + settings.startupPairs() + " runs each way");
            Startup.Result startup = new Startup(agentJar, uri).measure(settings.startupPairs());
            System.out.println("propagation lag: " + settings.bumps() + " bumps");
            PropagationLag.Result lag = PropagationLag.measure(agentJar, uri, settings.bumps());
            System.out.println("memory: " + FOOTPRINT_ENTRIES + " entries");
            Footprint.Result footprint = Footprint.measure(agentJar, FOOTPRINT_ENTRIES);

            String header = "Measured " + LocalDate.now() + " on " + machine() + "; " + jdk() + "; Redis "
                    + redis.version() + " on loopback" + (noCluster.isEmpty() ? ", and a local Redis Cluster of "
                    + "3 masters with a replica each" : "") + ". Settings " + settings.describe() + ".";
            Report report = new Report(header, scores, startup, lag, footprint, noCluster, sizes);
            byte[] chart = Chart.png("tiered: time per call, agent (blue) and baselines (grey)", bars(scores));
            report.write(Path.of(required("bench.docs")), Path.of(required("bench.readme")), chart);
            System.out.println();
            System.out.println(report.targetsTable());
            System.out.printf("wrote %s/BENCHMARKS.md, benchmarks.png and the README section in %.0f s%n",
                    System.getProperty("bench.docs"), (System.nanoTime() - started) / 1e9);
        }
    }

    /**
     * Case 8: the L2 hit and the miss again, on a local Redis Cluster of three masters with a replica each, the
     * baseline being Jedis's own cluster client; the scores are named {@code Cluster.<benchmark>}.
     */
    private static void cluster(Settings settings, Path agentJar, Map<String, Report.Score> scores)
            throws RunnerException {
        System.out.println("Redis Cluster: 3 masters, 1 replica each");
        try (RedisCluster cluster = RedisCluster.start(3, 1)) {
            jmh(settings, agentJar, cluster.uri(), false, L2HitBenchmark.class, MissBenchmark.class)
                    .forEach((name, s) -> scores.put(CLUSTER + name, new Report.Score(CLUSTER + name, s.score(),
                            s.error(), s.unit(), s.allocBytes(), s.rounds())));
        }
    }

    /** The prefix of case 8's scores. */
    static final String CLUSTER = "Cluster.";

    /**
     * Runs each benchmark of the classes once per round, the benchmarks of a round one after the other (a fork
     * each), so that a comparison's two sides alternate through the run: on a shared machine whose speed drifts
     * (steal time, CPU quotas), their ratio is then taken between neighbours, round by round.
     */
    private static Map<String, Report.Score> jmh(Settings s, Path agentJar, String redisUri, boolean gc,
                                                 Class<?>... classes) throws RunnerException {
        List<String> benchmarks = new ArrayList<>();
        Map<String, List<String>> settingsOf = new HashMap<>();
        for (Class<?> c : classes) {
            List<String> extra = agentSettings(c);
            for (java.lang.reflect.Method m : c.getMethods()) { // inherited ones too
                if (m.isAnnotationPresent(org.openjdk.jmh.annotations.Benchmark.class)) {
                    benchmarks.add(c.getName() + "." + m.getName());
                    settingsOf.put(c.getName() + "." + m.getName(), extra);
                }
            }
        }
        benchmarks.sort(null);
        Map<String, List<RunResult>> runs = new LinkedHashMap<>();
        for (int round = 1; round <= s.rounds(); round++) {
            for (String benchmark : benchmarks) {
                System.out.println("round " + round + " of " + s.rounds() + ": " + benchmark);
                runs.computeIfAbsent(benchmark, b -> new ArrayList<>())
                        .add(run(s, agentJar, redisUri, Pattern.quote(benchmark) + "$", gc,
                                settingsOf.get(benchmark)).iterator().next());
            }
        }
        Map<String, Report.Score> scores = new LinkedHashMap<>();
        runs.forEach((benchmark, results) -> {
            String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            scores.put(name, score(name, results));
        });
        return scores;
    }

    /** The {@link AgentSettings} of a benchmark class as JVM arguments. */
    private static List<String> agentSettings(Class<?> c) {
        AgentSettings agent = c.getAnnotation(AgentSettings.class);
        return agent == null ? List.of() : Arrays.stream(agent.value()).map(v -> "-D" + v).toList();
    }

    /** All rounds of one benchmark: the mean and error over every iteration, and each round's mean. */
    private static Report.Score score(String name, List<RunResult> rounds) {
        ListStatistics all = new ListStatistics();
        List<Double> means = new ArrayList<>();
        double alloc = 0;
        String unit = null;
        for (RunResult r : rounds) {
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult i : b.getIterationResults()) {
                    all.addValue(i.getPrimaryResult().getScore());
                }
            }
            means.add(r.getPrimaryResult().getScore());
            unit = r.getPrimaryResult().getScoreUnit();
            double roundAlloc = Double.NaN;
            for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    roundAlloc = e.getValue().getScore();
                }
            }
            alloc += roundAlloc / rounds.size();
        }
        return new Report.Score(name, all.getMean(), all.getMeanErrorAt(0.999), unit, alloc, means);
    }

    private static Collection<RunResult> run(Settings s, Path agentJar, String redisUri, String include, boolean gc,
                                             List<String> extraJvmArgs) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .forks(s.forks())
                .warmupIterations(s.warmups())
                .warmupTime(TimeValue.seconds(s.warmupSeconds()))
                .measurementIterations(s.iterations())
                .measurementTime(TimeValue.seconds(s.seconds()))
                .shouldFailOnError(true)
                .jvmArgsAppend(jvmArgs(agentJar, redisUri, extraJvmArgs));
        if (gc) {
            options.addProfiler(GCProfiler.class);
        }
        return new Runner(options.build()).run();
    }

    private static String[] jvmArgs(Path agentJar, String redisUri, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("-javaagent:" + agentJar.toAbsolutePath(), "-Xms1g", "-Xmx1g",
                "-Dtiered.redis.uri=" + redisUri, "-D" + Redis.URI_PROPERTY + "=" + redisUri,
                "-Dtiered.redis.keyPrefix=" + Redis.KEY_PREFIX, "-Dtiered.log.level=warn"));
        args.addAll(extra);
        String more = System.getProperty("bench.jvmArgs", "").strip();
        if (!more.isEmpty()) {
            args.addAll(List.of(more.split("\\s+")));
        }
        return args.toArray(String[]::new);
    }

    private static List<Chart.Bar> bars(Map<String, Report.Score> s) {
        List<Chart.Bar> bars = new ArrayList<>();
        String hit = "1. L1 hit";
        bars.add(Chart.bar(hit, "tiered agent", s.get("L1HitBenchmark.agentHit"), true));
        bars.add(Chart.bar(hit, "Caffeine, same bound and expiry", s.get("L1HitBenchmark.caffeineGetIfPresent"), false));
        bars.add(Chart.bar(hit, "Caffeine, bound only", s.get("L1HitBenchmark.caffeineBoundOnly"), false));
        bars.add(Chart.bar(hit, "Spring @Cacheable + Caffeine", s.get("L1HitBenchmark.springCacheable"), false));
        bars.add(Chart.bar(hit, "the method, uncached", s.get("L1HitBenchmark.direct"), false));
        String l2 = "3. L2 hit";
        bars.add(Chart.bar(l2, "tiered agent (L1 off)", s.get("L2HitBenchmark.agentL2Hit"), true));
        bars.add(Chart.bar(l2, "Jedis GET + ObjectInputStream", s.get("L2HitBenchmark.rawGetAndDecode"), false));
        String miss = "4. miss";
        bars.add(Chart.bar(miss, "tiered agent", s.get("MissBenchmark.agentMiss"), true));
        bars.add(Chart.bar(miss, "method + Caffeine put + SET", s.get("MissBenchmark.rawMiss"), false));
        String codec = "9. L2 codec, 20 products";
        bars.add(Chart.bar(codec, "field encoding", s.get("CodecBenchmark.fieldsProducts"), true));
        bars.add(Chart.bar(codec, "Java serialization", s.get("CodecBenchmark.javaProducts"), false));
        if (!s.containsKey(CLUSTER + "L2HitBenchmark.agentL2Hit")) {
            return bars;
        }
        String cluster = "8. Redis Cluster";
        bars.add(Chart.bar(cluster, "L2 hit, tiered agent", s.get(CLUSTER + "L2HitBenchmark.agentL2Hit"), true));
        bars.add(Chart.bar(cluster, "L2 hit, cluster client GET + decode",
                s.get(CLUSTER + "L2HitBenchmark.rawGetAndDecode"), false));
        bars.add(Chart.bar(cluster, "miss, tiered agent", s.get(CLUSTER + "MissBenchmark.agentMiss"), true));
        bars.add(Chart.bar(cluster, "miss, method + Caffeine put + cluster SET",
                s.get(CLUSTER + "MissBenchmark.rawMiss"), false));
        return bars;
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("-D" + property + " is not set: run mvn -B -DskipTests -Pbenchmarks "
                    + "verify from the repository root");
        }
        return value;
    }

    /** {@code Intel(R) Xeon(R) ... , 2 cores, 23 GiB}. */
    static String machine() {
        String cpu = System.getProperty("os.arch");
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            // the architecture will do
        }
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + (memory >> 30) + " GiB, "
                + System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    static String jdk() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    }
}
