package dev.tiered.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/**
 * Case 6: how long the sample app's catalog service takes from process start to its first served
 * {@code GET /products/1}, without and with the agent, in alternating runs so that both see the same machine.
 */
final class Startup {
    /** Medians of the runs, in milliseconds, and every run. */
    record Result(double withoutMillis, double withMillis, List<Double> without, List<Double> with) {
        double addedMillis() {
            return withMillis - withoutMillis;
        }
    }

    private static final String SERVICE = "dev.tiered.sample.CatalogService";

    private final Path agentJar;
    private final String redisUri;
    private final String classpath;
    private int runs;

    Startup(Path agentJar, String redisUri) {
        this.agentJar = agentJar;
        this.redisUri = redisUri;
        this.classpath = serviceClasspath();
    }

    /** {@code pairs} runs of each, after one unmeasured pair that warms the file cache. */
    Result measure(int pairs) {
        run(false);
        run(true);
        List<Double> without = new ArrayList<>();
        List<Double> with = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            without.add(run(false));
            with.add(run(true));
        }
        return new Result(median(without), median(with), without, with);
    }

    /** Milliseconds from starting the JVM to the first 200 answer to {@code GET /products/1}. */
    private double run(boolean agent) {
        int port = RedisServer.freePort();
        List<String> command = new ArrayList<>(List.of(JvmProcess.javaExecutable()));
        if (agent) {
            command.add("-javaagent:" + agentJar.toAbsolutePath());
            command.add("-Dtiered.redis.uri=" + redisUri);
            command.add("-Dtiered.redis.keyPrefix=startup" + runs);
        }
        command.addAll(List.of("-Dcatalog.jdbcUrl=jdbc:h2:mem:catalog", "-Dcatalog.seed=100",
                "-Dcatalog.port=" + port, "-cp", classpath, SERVICE));
        runs++;
        Path log;
        try {
            log = Files.createTempFile("tiered-startup", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long start = System.nanoTime();
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        try {
            long deadline = start + TimeUnit.SECONDS.toNanos(60);
            while (!served(port)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the catalog service did not serve /products/1 (agent: " + agent
                            + "); its output:\n" + read(log));
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            return (System.nanoTime() - start) / 1e6;
        } finally {
            process.destroy();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.toFile().delete();
        }
    }

    private static boolean served(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/products/1")
                    .openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(10_000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException notYet) {
            return false;
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /**
     * The service's own class path (the sample app, its database and the annotations) out of this JVM's, so that
     * neither run pays for the benchmark libraries.
     */
    private static String serviceClasspath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            String name = Path.of(entry).toAbsolutePath().toString().replace('\\', '/');
            if (name.contains("/tiered-sample-app-") || name.endsWith("sample-app/target/classes")
                    || name.contains("/tiered-annotations-") || name.endsWith("annotations/target/classes")
                    || name.matches(".*/h2-[^/]*\\.jar")) {
                entries.add(entry);
            }
        }
        if (entries.size() < 3) {
            throw new IllegalStateException("the sample app, H2 and the annotations are not on this class path: "
                    + System.getProperty("java.class.path"));
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
