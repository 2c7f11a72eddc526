package dev.tiered.sample.demo;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/**
 * Shows what the tiered agent does for a service that only carries its annotations. Two instances of the catalog
 * share one database and one Redis and serve a skewed read traffic with price changes in between; then two other
 * instances, without the agent, serve the same traffic for the baseline. The demo prints what the cache served,
 * the database queries it saved, the latency the clients saw, how fast a price change reached the other instance,
 * and whether any read was stale; it exits with 1 if one was, 2 if the demo itself failed.
 *
 * <p>Run it from the repository root with {@code mvn -B -q -DskipTests -Pdemo verify}. Redis is a redis-server
 * started for the demo, unless {@code tiered.redis.uri} (or {@code TIERED_REDIS_URI}) names one; the agent is
 * found as {@link CatalogInstance#agentJar()} says.
 */
public final class Demo {
    private static final int PRODUCTS = 5_000;
    /**
     * Popularity as skewed as in real catalogs; a price change every 2,000 reads, each of which invalidates that
     * product and every category listing in both instances (the write is keyed by product); 100 ms to propagate a
     * change, generous for the one Redis pub/sub message it takes.
     */
    private static final Workload.Settings WORKLOAD =
            new Workload.Settings(4, 3_000, 2_000, PRODUCTS, 1.0, 0.01, Duration.ofMillis(100), 42);
    /**
     * Lets each pair run at its steady speed before it is measured, with other requests than the measured ones.
     * Long, because a JVM with the agent has more code to compile (the cache, the Redis client, serialization),
     * and on a machine with few cores that takes tens of thousands of requests.
     */
    private static final Workload.Settings WARM_UP =
            new Workload.Settings(4, 6_000, 2_000, PRODUCTS, 1.0, 0.01, Duration.ofMillis(100), 7);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** The interval of the live view taken during the warm-up, which lasts several seconds. */
    private static final String LIVE_VIEW_INTERVAL = "1s";
    private static final String NAMESPACE = "product";

    private Demo() {}

    public static void main(String[] args) {
        int status;
        try {
            status = run() ? 0 : 1;
        } catch (Exception | AssertionError e) {
            System.out.println("demo failed: " + e.getMessage());
            e.printStackTrace(System.out);
            status = 2;
        }
        System.exit(status);
    }

    /** Whether no read was stale. */
    private static boolean run() throws InterruptedException {
        long started = System.nanoTime();
        Path agentJar = CatalogInstance.agentJar();
        String configuredRedis = setting("tiered.redis.uri");
        try (RedisServer embeddedRedis = configuredRedis == null ? RedisServer.start() : null;
             SharedDatabase database = SharedDatabase.start(PRODUCTS)) {
            String redisUri = configuredRedis != null ? configuredRedis : embeddedRedis.uri();
            System.out.printf("tiered demo: 2 catalog instances, one H2 database of %,d products, Redis at %s%s%n",
                    PRODUCTS, redisUri, embeddedRedis == null ? "" : " (redis-server " + embeddedRedis.version() + ")");
            System.out.printf("workload: %d client threads, %,d reads (Zipf-skewed, %.0f%% category listings), "
                            + "a price change every %,d reads, each invalidating its product and the listings%n",
                    WORKLOAD.readers(), WORKLOAD.reads(), WORKLOAD.categoryShare() * 100,
                    WORKLOAD.readsPerPriceChange());
            // a key prefix of its own, as a Redis that is not the demo's may hold entries of an earlier run
            String keyPrefix = "tiered-demo-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            Map<String, String> tiered = Map.of("tiered.redis.uri", redisUri, "tiered.redis.keyPrefix", keyPrefix);
            HttpClient http = CatalogClient.newHttpClient();
            // The pair without the agent starts first and its warm-up also warms this JVM's client and the
            // database server; it is measured last, so that neither pair meets a colder client or database.
            try (Pair plain = Pair.start("without", database, null, Map.of(), http)) {
                Phase cached;
                try (Pair withAgent = Pair.start("with tiered", database, agentJar, tiered, http)) {
                    cached = withAgent.measure();
                }
                Phase baseline = plain.measure();
                new Report(cached, baseline).print();
                System.out.println();
                cached.liveView().forEach(System.out::println);
                System.out.printf("%ndemo took %.1f s%n", seconds(started));
                return cached.staleReads() == 0 && baseline.staleReads() == 0;
            }
        }
    }

    /** A system property or, when it is absent, the environment variable of the same name (as tiered reads it). */
    private static String setting(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            value = System.getenv(name.toUpperCase(Locale.ROOT).replace('.', '_'));
        }
        return value == null || value.isBlank() ? null : value;
    }

    /** Two instances of the catalog, both with the agent or both without, warmed up by the workload. */
    private static final class Pair implements AutoCloseable {
        private final String label;
        private final boolean withAgent;
        private final List<CatalogInstance> instances = new ArrayList<>();
        private final List<CatalogClient> clients = new ArrayList<>();
        private Workload.Result warmUp;
        private List<String> liveView = List.of();

        private Pair(String label, boolean withAgent) {
            this.label = label;
            this.withAgent = withAgent;
        }

        /** Launches both instances, waits until they are ready and runs the warm-up workload. */
        static Pair start(String label, SharedDatabase database, Path agentJar, Map<String, String> tiered,
                          HttpClient http) throws InterruptedException {
            Pair pair = new Pair(label, agentJar != null);
            try {
                long launched = System.nanoTime();
                for (String name : List.of("catalog-a", "catalog-b")) {
                    pair.instances.add(CatalogInstance.launch(name, database.jdbcUrl(), agentJar, tiered, http));
                }
                for (CatalogInstance instance : pair.instances) {
                    pair.clients.add(instance.awaitReady(START_TIMEOUT).client());
                }
                System.out.printf("%n%s: 2 instances ready in %.1f s%s%n", label, seconds(launched),
                        agentJar == null ? "" : " (-javaagent:" + agentJar + "; the agent's own start-up, mostly "
                                + "CPU for class loading and JIT, is in the README's Limits)");
                long warmUpStart = System.nanoTime();
                JvmProcess stats = agentJar == null ? null : liveView(agentJar, pair.instances.get(0));
                pair.warmUp = pair.run(WARM_UP);
                if (stats != null) {
                    pair.liveView = liveViewOutput(stats, pair.instances.get(0));
                }
                System.out.printf("%s: warmed up with %,d reads and %d price changes in %.1f s%n", label,
                        WARM_UP.reads(), pair.warmUp.priceChanges(), seconds(warmUpStart));
                return pair;
            } catch (RuntimeException | Error | InterruptedException e) {
                pair.close();
                throw e;
            }
        }

        /**
         * Starts what an operator would run to watch an instance, {@code java -jar tiered-agent.jar stats <pid>
         * --once}: attached during the warm-up, it prints one table over one interval of that traffic.
         */
        private static JvmProcess liveView(Path agentJar, CatalogInstance instance) {
            return JvmProcess.builder("tiered stats")
                    .jar(agentJar, "stats", Long.toString(instance.pid()), "--once", "--interval", LIVE_VIEW_INTERVAL)
                    .start();
        }

        /** The command line and the table it printed, or what went wrong (which does not fail the demo). */
        private static List<String> liveViewOutput(JvmProcess stats, CatalogInstance instance) {
            try (stats) {
                int status = stats.awaitExit(START_TIMEOUT);
                List<String> lines = new ArrayList<>();
                lines.add("live view of " + instance.name() + " during the warm-up: java -jar tiered-agent.jar stats "
                        + instance.pid() + " --once --interval " + LIVE_VIEW_INTERVAL
                        + (status == 0 ? "" : " exited with " + status));
                lines.addAll(status == 0 ? stats.stdout() : stats.stderr());
                return lines;
            } catch (AssertionError e) {
                return List.of("live view of " + instance.name() + " failed: " + e.getMessage());
            }
        }

        /** Runs the measured workload, and takes each instance's counters for it alone. */
        Phase measure() throws InterruptedException {
            List<CatalogClient.Stats> before = clients.stream().map(CatalogClient::stats).toList();
            long start = System.nanoTime();
            Workload.Result result = run(WORKLOAD);
            double seconds = seconds(start);
            List<CatalogClient.Stats> stats = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                stats.add(clients.get(i).stats().since(before.get(i)));
            }
            if (withAgent && !stats.stream().allMatch(CatalogClient.Stats::agent)) {
                throw new IllegalStateException("an instance started with the agent reports none");
            }
            System.out.printf("%s: measured %,d reads and %d price changes in %.1f s%n", label, WORKLOAD.reads(),
                    result.priceChanges(), seconds);
            return new Phase(label, warmUp, result, seconds, stats, liveView);
        }

        /** Runs a workload; if it fails, the instances' output goes with the failure. */
        private Workload.Result run(Workload.Settings settings) throws InterruptedException {
            try {
                return new Workload(settings, clients).run();
            } catch (RuntimeException e) {
                StringBuilder message = new StringBuilder(label + ": " + e.getMessage());
                instances.forEach(instance -> message.append('\n').append(instance.transcript()));
                throw new IllegalStateException(message.toString(), e);
            }
        }

        @Override
        public void close() {
            instances.forEach(CatalogInstance::close);
        }
    }

    /**
     * What one pair did. Latency, throughput and counters are the measured run's; price changes count from the
     * warm-up on, as their propagation and freshness do not depend on the JIT.
     *
     * @param stats each instance's counters during the measured run
     * @param liveView what {@code tiered-agent.jar stats} printed for the first instance during the warm-up; empty
     *     without the agent
     */
    private record Phase(String label, Workload.Result warmUp, Workload.Result measured, double seconds,
                         List<CatalogClient.Stats> stats, List<String> liveView) {
        long queries() {
            return stats.stream().mapToLong(CatalogClient.Stats::queries).sum();
        }

        long counter(String name) {
            return stats.stream().mapToLong(s -> s.counter(NAMESPACE, name)).sum();
        }

        long latency(double quantile) {
            return percentile(measured.readLatencyNanos(), quantile);
        }

        long[] propagationLagNanos() {
            return LongStream.concat(Arrays.stream(warmUp.propagationLagNanos()),
                    Arrays.stream(measured.propagationLagNanos())).sorted().toArray();
        }

        long staleReads() {
            return warmUp.staleReads() + measured.staleReads();
        }

        long checkedReads() {
            return warmUp.checkedReads() + measured.checkedReads();
        }

        List<String> staleExamples() {
            return Stream.concat(warmUp.staleExamples().stream(), measured.staleExamples().stream()).toList();
        }
    }

    private record Report(Phase cached, Phase baseline) {
        void print() {
            System.out.printf("%n%-40s %14s %14s%n", "", cached.label, baseline.label);
            System.out.printf("%-40s %,14d %,14d   %.0f%% fewer%n", "database queries", cached.queries(),
                    baseline.queries(), 100.0 * (baseline.queries() - cached.queries()) / baseline.queries());
            System.out.printf("%-40s %14s %14s%n", "read latency p50", millis(cached.latency(0.50)),
                    millis(baseline.latency(0.50)));
            System.out.printf("%-40s %14s %14s%n", "read latency p99", millis(cached.latency(0.99)),
                    millis(baseline.latency(0.99)));
            System.out.printf("%-40s %,14.0f %,14.0f%n", "reads per second", WORKLOAD.reads() / cached.seconds,
                    WORKLOAD.reads() / baseline.seconds);
            long calls = cached.counter("Calls");
            double notFromL1 = calls == 0 ? 0 : 100.0 * (calls - cached.counter("L1Hits")) / calls;
            if (notFromL1 > 1) {
                System.out.printf("(p99: %.1f%% of the calls were not L1 hits, so the slowest 1%% are misses and L2 "
                        + "reads: a miss runs the same query as without tiered, plus a Redis round trip, and shares "
                        + "the 2 cores with Redis and the other instance. The cache shows at p50, in reads per second "
                        + "and in database queries, not in the tail.)%n", notFromL1);
            }

            long requests = cached.counter("Calls");
            System.out.printf("%ncalls to cached methods on both instances: %,d, served from%n", requests);
            tier("L1, the instance's own memory", cached.counter("L1Hits"), requests);
            tier("L2, Redis", cached.counter("L2Hits"), requests);
            tier("a concurrent call's load of the same key", cached.counter("Coalesced"), requests);
            tier("the database: a miss, the method ran", cached.counter("Misses"), requests);
            if (cached.counter("Uncached") > 0) {
                tier("the database: uncached", cached.counter("Uncached"), requests);
            }
            List<String> problems = Stream.of("LoadFailures", "L2Errors", "NotStored", "DecodeFailures", "Faults")
                    .filter(counter -> cached.counter(counter) > 0)
                    .map(counter -> counter + " " + cached.counter(counter))
                    .toList();
            System.out.println("  problems the agent counted: " + (problems.isEmpty() ? "none" : problems));

            long[] lags = cached.propagationLagNanos();
            System.out.printf("%n%d price changes (warm-up included), seen on the other instance after p50 %s, "
                    + "p99 %s, max %s%n", lags.length, millis(percentile(lags, 0.50)), millis(percentile(lags, 0.99)),
                    millis(percentile(lags, 1)));
            System.out.printf("stale reads: %d of %,d checked (reads of a product that began after its change was "
                    + "due: at once on the instance that made it, %d ms later on the other)%n",
                    cached.staleReads(), cached.checkedReads(), WORKLOAD.propagationWindow().toMillis());
            for (Phase phase : List.of(cached, baseline)) {
                for (String example : phase.staleExamples()) {
                    System.out.println("  " + phase.label + ": " + example);
                }
            }
        }

        private static void tier(String label, long calls, long requests) {
            System.out.printf("  %-38s %,14d %13.1f%%%n", label, calls, requests == 0 ? 0 : 100.0 * calls / requests);
        }

        private static String millis(long nanos) {
            return String.format("%.2f ms", nanos / 1e6);
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    /** The nearest-rank percentile of sorted values, 0 for none. */
    private static long percentile(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.max(0, (int) Math.ceil(quantile * sorted.length) - 1)];
    }
}
