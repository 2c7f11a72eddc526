package dev.tiered.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, on the PATH) on a free loopback port, with a
 * configuration the test writes: for checking alert rules and dashboards against what a running agent exports. Its
 * output goes to a log file in its own directory, which {@link #log()} reads for failure messages.
 */
public final class PrometheusServer implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(30);

    private final Process process;
    private final Path dir;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /**
     * Starts Prometheus with {@code config} (YAML, written to its directory as {@code prometheus.yml}) and waits
     * until it is ready.
     *
     * @throws IllegalStateException if {@code prometheus} is not on the PATH: the test cannot run without it
     */
    public static PrometheusServer start(String config) {
        String binary = onPath("prometheus");
        try {
            Path dir = Files.createTempDirectory("tiered-prometheus-");
            Path file = dir.resolve("prometheus.yml");
            Files.writeString(file, config);
            int port = RedisServer.freePort();
            Process p = new ProcessBuilder(binary, "--config.file=" + file, "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            PrometheusServer server = new PrometheusServer(p, dir, port);
            try {
                Await.until("Prometheus to be ready on port " + port, START, () -> {
                    if (!p.isAlive()) {
                        throw new IllegalStateException("Prometheus exited: " + server.log());
                    }
                    return server.status("/-/ready") == 200;
                });
            } catch (RuntimeException | AssertionError e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The absolute path of {@code command} on the PATH; fails, naming the package, if there is none. */
    public static String onPath(String command) {
        return onPath(command, "prometheus");
    }

    /** The absolute path of {@code command} on the PATH; fails, naming Debian's {@code debianPackage}, if none. */
    public static String onPath(String command, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, command);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(command + " is not on the PATH: install Debian's " + debianPackage
                + " package (apt-get install " + debianPackage + "; .ci/run does)");
    }

    /** Runs {@code command} in {@code dir}, and returns its exit code and output. */
    public static Result run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 60 s: " + out);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What a command returned. */
    public record Result(int exitCode, String output) {}

    /** The body of {@code GET path} (such as {@code /api/v1/targets}); fails on a status other than 200. */
    public String get(String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + ": " + r.statusCode() + " " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The JSON answer of an instant query (the HTTP API's {@code /api/v1/query}); fails if Prometheus refuses it. */
    public String query(String promql) {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    private int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** What Prometheus logged. */
    public String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind
        }
    }
}
