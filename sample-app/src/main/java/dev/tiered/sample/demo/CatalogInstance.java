package dev.tiered.sample.demo;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.tiered.sample.CatalogService;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;

/**
 * One {@link CatalogService} in a JVM of its own, as it runs in production: with {@code -javaagent} and the tiered
 * settings, or without the agent at all. For the demo and the integration tests.
 *
 * <p>{@link #launch} returns at once, so that several instances start in parallel; {@link #awaitReady} then waits
 * until the instance can be measured.
 */
public final class CatalogInstance implements AutoCloseable {
    /** Where the demo and the tests find the agent, unless {@value} is set. */
    public static final String AGENT_JAR = "sample.agentJar";

    private static final Pattern LISTENING = Pattern.compile("catalog listening on http://localhost:(\\d+)");
    private static final List<Path> AGENT_JAR_DEFAULTS =
            List.of(Path.of("agent/target/tiered-agent.jar"), Path.of("../agent/target/tiered-agent.jar"));

    private final String name;
    private final boolean withAgent;
    private final HttpClient http;
    private final JvmProcess process;
    private CatalogClient client;

    private CatalogInstance(String name, boolean withAgent, HttpClient http, JvmProcess process) {
        this.name = name;
        this.withAgent = withAgent;
        this.http = http;
        this.process = process;
    }

    /**
     * Starts an instance on a free port, on the class path of this JVM.
     *
     * @param agentJar the agent to start it with, or {@code null} for none
     * @param tieredSettings the agent's system properties ({@code tiered.redis.uri}, ...); ignored without agent
     */
    public static CatalogInstance launch(String name, String jdbcUrl, Path agentJar, Map<String, String> tieredSettings,
                                         HttpClient http) {
        return launch(name, jdbcUrl, agentJar, tieredSettings, List.of(), http);
    }

    /**
     * As {@link #launch(String, String, Path, Map, HttpClient)}, with {@code classpathFirst} before this JVM's class
     * path: classes there replace the service's own (its repository compiled without annotations, say).
     */
    public static CatalogInstance launch(String name, String jdbcUrl, Path agentJar, Map<String, String> tieredSettings,
                                         List<Path> classpathFirst, HttpClient http) {
        JvmProcess.Builder builder = JvmProcess.builder(name)
                .jvmArg("-Xmx256m")
                .classpath(classpathFirst)
                .classpath(classpath())
                .property("catalog.jdbcUrl", jdbcUrl)
                .property("catalog.port", "0")
                .main(CatalogService.class.getName());
        if (agentJar != null) {
            builder.javaagent(agentJar);
            tieredSettings.forEach(builder::property);
        }
        return new CatalogInstance(name, agentJar != null, http, builder.start());
    }

    /**
     * Waits until the instance serves HTTP, its database answers and, with the agent, its invalidation bus is
     * connected: before that, an instance reads through to the database and would not see other instances' writes
     * as soon as it should.
     *
     * @throws AssertionError with everything the instance printed, if it exits or is not ready in time
     */
    public CatalogInstance awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        URI base = Await.value(name + " to listen", timeout, () -> {
            for (String line : process.stdout()) {
                Matcher listening = LISTENING.matcher(line);
                if (listening.find()) {
                    return URI.create("http://127.0.0.1:" + listening.group(1));
                }
            }
            if (!ProcessHandle.of(process.pid()).map(ProcessHandle::isAlive).orElse(false)) {
                throw new AssertionError(name + " exited before it listened\n" + process.transcript());
            }
            return null;
        });
        client = new CatalogClient(http, name, base);
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        try {
            Await.until(name + " to be healthy" + (withAgent ? " with its invalidation bus connected" : ""), left,
                    () -> client.healthy() && (!withAgent || client.stats().busConnected()));
        } catch (AssertionError notReady) {
            throw new AssertionError(notReady.getMessage() + "\n" + process.transcript(), notReady);
        }
        return this;
    }

    /** The instance's HTTP API; available once {@link #awaitReady} has returned. */
    public CatalogClient client() {
        if (client == null) {
            throw new IllegalStateException(name + " is not ready: call awaitReady first");
        }
        return client;
    }

    public String name() {
        return name;
    }

    /** The process id of the instance's JVM. */
    public long pid() {
        return process.pid();
    }

    /** Everything the instance printed, the agent's log included, for failure messages. */
    public String transcript() {
        return process.transcript();
    }

    /** Stops the instance as an orchestrator would (SIGTERM, then SIGKILL after 10 s) and waits for it. */
    @Override
    public void close() {
        process.close();
    }

    /**
     * The agent jar: {@value #AGENT_JAR} if set, else {@code agent/target/tiered-agent.jar} under the repository
     * root or the {@code sample-app} folder, whichever is the working directory.
     *
     * @throws IllegalStateException saying how to build it, if there is no such file
     */
    public static Path agentJar() {
        String configured = System.getProperty(AGENT_JAR);
        Path jar = configured != null ? Path.of(configured) : AGENT_JAR_DEFAULTS.stream()
                .filter(Files::isRegularFile)
                .findFirst()
                .orElse(AGENT_JAR_DEFAULTS.get(0));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the tiered agent is not at " + jar.toAbsolutePath().normalize()
                    + ": build it from the repository root with 'mvn -B -DskipTests -pl agent -am install',"
                    + " or set -D" + AGENT_JAR + "=<path to tiered-agent.jar>");
        }
        return jar.toAbsolutePath().normalize();
    }

    /** This JVM's class path: the service, the annotations and H2, whether run by Maven, failsafe or an IDE. */
    private static List<Path> classpath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(Path::of)
                .toList();
    }
}
