package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/** {@code java -jar tiered-agent.jar stats <pid>}, run as a user runs it, against real JVMs. */
class StatsCliIT {
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);
    /** A row of the table: namespace, calls/s, L1 %, L2 %, miss %, p99 load ms, stale drops, health. */
    private static final Pattern ROW = Pattern.compile(
            "(\\S+) +([\\d,.]+) +([\\d.]+|-) +([\\d.]+|-) +([\\d.]+|-) +([\\d,.]+|-) +([\\d,]+|-) +(\\S+)");

    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();
    private static RedisServer redis;
    /** A JVM with the agent, Redis and a connected invalidation bus, and one cached entry: find 80. */
    private static JvmProcess app;

    @BeforeAll
    static void start() {
        redis = RedisServer.shared();
        app = jvms.withAgent("stats-target", "tiered.redis.uri=" + redis.uri(), "tiered.redis.keyPrefix=stats");
        app.request("call update 80 eighty");
        assertEquals("ok eighty", app.request("call find 80"));
        Await.until("the agent's runtime MBean", Duration.ofSeconds(30),
                () -> app.request("namespaces").contains("products"));
        Await.until("the invalidation bus", Duration.ofSeconds(30), () -> app.request("mbeans")
                .contains("dev.tiered:type=Runtime BusConnected=true"));
    }

    private static JvmProcess stats(String name, String... args) {
        return jvms.track(JvmProcess.builder(name).jar(AgentJvms.agentJar(), args).start());
    }

    private static boolean alive(JvmProcess process) {
        return ProcessHandle.of(process.pid()).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void onceItPrintsOneTableWithARowPerNamespaceOverOneInterval() {
        JvmProcess stats = stats("stats-once", "stats", Long.toString(app.pid()), "--once", "--interval", "1s");
        // traffic during the interval the table covers: repeated calls, so mostly L1 hits
        int calls = 0;
        while (alive(stats)) {
            app.request("call find 80");
            calls++;
        }
        assertEquals(0, stats.awaitExit(EXIT_TIMEOUT), stats.transcript());
        assertEquals(List.of(), stats.stderr(), stats.transcript());

        List<String> out = stats.stdout();
        assertTrue(out.size() >= 3, "a header, the column names and a row per namespace\n" + stats.transcript());
        assertTrue(out.get(0).matches("\\d\\d:\\d\\d:\\d\\d JVM " + app.pid()
                + ", health caching, Redis " + Pattern.quote(redis.uri()) + ", bus connected, over the last "
                + "\\d+\\.\\d s"), stats.transcript());
        assertTrue(out.get(1).matches("namespace +calls/s +L1 % +L2 % +miss % +p99 load ms +stale drops +health"),
                stats.transcript());
        out.subList(2, out.size()).forEach(line -> assertTrue(ROW.matcher(line).matches(), line));
        Matcher row = out.stream().skip(2).map(ROW::matcher).filter(m -> m.matches() && m.group(1).equals("products"))
                .findFirst().orElseThrow(() -> new AssertionError("no row for products\n" + stats.transcript()));
        double perSecond = Double.parseDouble(row.group(2).replace(",", ""));
        assertTrue(perSecond > 0, calls + " calls made while it ran\n" + stats.transcript());
        assertTrue(Double.parseDouble(row.group(3)) > 50, "repeated calls are L1 hits\n" + stats.transcript());
        assertTrue(Double.parseDouble(row.group(6).replace(",", "")) > 0, "find 80 was loaded once\n"
                + stats.transcript());
        assertEquals("caching", row.group(8), stats.transcript());
    }

    @Test
    void withoutOnceItPrintsATableEveryIntervalUntilStopped() {
        JvmProcess stats = stats("stats-live", "stats", Long.toString(app.pid()), "--interval", "200ms");
        Await.until("three tables", Duration.ofSeconds(30), () -> stats.stdout().stream()
                .filter(l -> l.contains(" JVM " + app.pid() + ", ")).count() >= 3 || !alive(stats));
        assertTrue(alive(stats), "still refreshing\n" + stats.transcript());
        stats.close();
        List<String> out = stats.stdout();
        List<Integer> headers = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).contains(" JVM " + app.pid() + ", ")) {
                headers.add(i);
            }
        }
        assertEquals(0, headers.get(0), stats.transcript());
        assertEquals("", out.get(headers.get(1) - 1), "a blank line between tables\n" + stats.transcript());
        assertTrue(out.get(headers.get(2)).matches(".* over the last 0\\.[123] s"), stats.transcript());
        assertEquals(List.of(), stats.stderr(), stats.transcript());
    }

    @Test
    void aJvmWithoutTheAgentIsOneLineAndExitCodeOne() {
        JvmProcess plain = jvms.track(jvms.builder("no-agent").main(FixtureApp.class.getName()).start());
        assertEquals("0", plain.request("runs find"), "the JVM is up");

        JvmProcess stats = stats("stats-no-agent", "stats", Long.toString(plain.pid()), "--once");
        assertEquals(1, stats.awaitExit(EXIT_TIMEOUT), stats.transcript());
        assertEquals(List.of("tiered: JVM " + plain.pid() + " has no tiered MBeans: it does not run the tiered agent, "
                + "or the agent has not finished starting"), stats.stderr(), stats.transcript());
        assertEquals(List.of(), stats.stdout(), stats.transcript());
    }

    /** A runtime image with java.se but not jdk.attach, as a JRE is: the command says to use a JDK's java. */
    @Test
    void aJavaRuntimeWithoutJdkAttachIsOneLineAndExitCodeOne() {
        JvmProcess stats = jvms.track(JvmProcess.builder("stats-jre").jvmArg("--limit-modules").jvmArg("java.se")
                .jar(AgentJvms.agentJar(), "stats", Long.toString(app.pid()), "--once").start());
        assertEquals(1, stats.awaitExit(EXIT_TIMEOUT), stats.transcript());
        assertEquals(1, stats.stderr().size(), stats.transcript());
        assertTrue(stats.stderr().get(0).matches("tiered: this Java runtime \\(.+\\) has no module jdk.attach, which "
                + "reading another JVM takes: run the command with the java of a JDK"), stats.transcript());
        assertEquals(List.of(), stats.stdout(), stats.transcript());
    }

    @Test
    void aPidOfNoProcessIsOneLineAndExitCodeOne() {
        // above any pid this kernel hands out (Linux's pid_max is at most 2^22)
        long pid = Integer.MAX_VALUE;
        assertTrue(ProcessHandle.of(pid).isEmpty(), "no process " + pid);
        JvmProcess stats = stats("stats-no-process", "stats", Long.toString(pid), "--once");
        assertEquals(1, stats.awaitExit(EXIT_TIMEOUT), stats.transcript());
        assertEquals(List.of("tiered: no process " + pid + " on this machine"), stats.stderr(), stats.transcript());
    }

    @Test
    void malformedArgumentsPrintTheUsageAndExitWithCodeTwo() {
        List<List<String>> malformed = List.of(List.of(), List.of("stats"), List.of("top", "1"),
                List.of("stats", "abc"), List.of("stats", "1", "--interval", "soon"), List.of("stats", "1", "2"));
        for (List<String> args : malformed) {
            JvmProcess stats = stats("stats-" + String.join("-", args), args.toArray(String[]::new));
            assertEquals(2, stats.awaitExit(EXIT_TIMEOUT), args + "\n" + stats.transcript());
            assertTrue(stats.stderr().stream().anyMatch(l -> l.startsWith("usage: java -jar tiered-agent.jar stats "
                    + "<pid>")), args + "\n" + stats.transcript());
            assertEquals(List.of(), stats.stdout(), args + "\n" + stats.transcript());
        }
    }
}
