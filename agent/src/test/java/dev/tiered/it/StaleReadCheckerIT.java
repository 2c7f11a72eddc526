package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.h2.tools.Server;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;
import dev.tiered.testkit.StaleReads;

/**
 * The stale-read checker: three JVMs with the agent share one redis-server and one H2 database served over TCP.
 * In each, readers and a writer run concurrently; then every read is checked against every write (see
 * {@link StaleReads}). Required: no stale read outside the documented bounds, with Redis healthy, with the
 * subscriptions killed mid-run, and with Redis restarted empty mid-run.
 *
 * <p>Bounds: in the writing JVM, none (a read that starts after a write returned sees it). In other JVMs, the
 * propagation window while the bus is healthy, and {@code tiered.l1.maxStaleness} (1 s here) plus the staleness
 * check's period when it is not; checked with 500 ms and 2 s.
 */
class StaleReadCheckerIT {
    private static final int JVMS = 3;
    private static final int ACCOUNTS = 20;
    private static final long RUN_MILLIS = 4_000;
    private static final Duration HEALTHY_WINDOW = Duration.ofMillis(500);
    private static final Duration FAULT_WINDOW = Duration.ofSeconds(2);

    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();
    private static RedisServer redis;
    private static String url;
    private static final List<JvmProcess> checkers = new ArrayList<>();
    private static final ExecutorService pool = Executors.newFixedThreadPool(JVMS);

    @BeforeAll
    static void start() throws Exception {
        jvms.own(pool::shutdownNow);
        redis = jvms.own(RedisServer.start());
        Server database = Server.createTcpServer("-tcpPort", Integer.toString(RedisServer.freePort()),
                "-ifNotExists").start();
        jvms.own(database::stop);
        url = "jdbc:h2:tcp://127.0.0.1:" + database.getPort() + "/mem:ledger;DB_CLOSE_DELAY=-1";
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE account (id BIGINT PRIMARY KEY, amount BIGINT NOT NULL)");
            for (int i = 0; i < ACCOUNTS; i++) {
                s.execute("INSERT INTO account VALUES (" + i + ", 0)");
            }
        }
        for (int i = 0; i < JVMS; i++) {
            checkers.add(jvms.track(jvms.builder("checker-" + i)
                    .classpath(AgentJvms.path("it.h2Jar"))
                    .javaagent(AgentJvms.agentJar())
                    .property("fixture.jdbc", url)
                    .property("tiered.redis.uri", redis.uri())
                    .property("tiered.redis.keyPrefix", "checker")
                    .property("tiered.redis.timeout", "100ms")
                    .property("tiered.l1.maxStaleness", "1s")
                    .property("tiered.bus.heartbeat", "200ms")
                    .main(FixtureApp.class.getName())
                    .start()));
        }
    }

    /** Runs the workload in every JVM at once, with a fault injected meanwhile, and checks the records. */
    private StaleReads.Result run(String scenario, Duration window, Runnable fault) throws Exception {
        Path dir = Files.createTempDirectory("checker-" + scenario.replace(' ', '-'));
        List<Future<String>> replies = new ArrayList<>();
        for (int i = 0; i < JVMS; i++) {
            JvmProcess jvm = checkers.get(i);
            Path out = dir.resolve("jvm-" + i + ".txt");
            replies.add(pool.submit(() -> jvm.request("checker " + RUN_MILLIS + " 3 " + ACCOUNTS + " 5 " + out,
                    Duration.ofSeconds(60))));
        }
        fault.run();
        for (Future<String> reply : replies) {
            assertEquals("done errors=0", reply.get(60, TimeUnit.SECONDS), "no call may fail");
        }
        StaleReads records = new StaleReads();
        for (int i = 0; i < JVMS; i++) {
            records.read(dir.resolve("jvm-" + i + ".txt"), i);
        }
        StaleReads.Result result = records.check(window.toNanos());
        StringBuilder lag = new StringBuilder();
        for (JvmProcess jvm : checkers) {
            lag.append(String.format(" [%s p50 %s ms, p99 %s ms, max %s ms]", jvm.request("stat ledger InvalidationsReceived"),
                    jvm.request("stat ledger PropagationLagMillisP50"), jvm.request("stat ledger PropagationLagMillisP99"),
                    jvm.request("stat ledger PropagationLagMillisMax")));
        }
        System.out.println("stale-read checker, " + scenario + ": " + result + "; invalidations received and their "
                + "propagation lag per JVM since start:" + lag);
        return result;
    }

    /** Waits until the writers have committed this many more writes (each adds one to an account). */
    private static void afterWrites(int count) {
        long start = writes();
        Await.until(count + " more writes", Duration.ofSeconds(30), () -> writes() - start >= count);
    }

    private static long writes() {
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement();
             ResultSet total = s.executeQuery("SELECT SUM(amount) FROM account")) {
            total.next();
            return total.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count the writes in " + url, e);
        }
    }

    @Test
    void noStaleReadWithRedisHealthy() throws Exception {
        StaleReads.Result r = run("healthy", HEALTHY_WINDOW, () -> { });
        assertEquals(0, r.stale(), r.toString());
    }

    @Test
    void noStaleReadWhenTheSubscriptionsAreKilledMidRun() throws Exception {
        StaleReads.Result r = run("subscriptions killed", FAULT_WINDOW, () -> {
            afterWrites(100);
            redis.command("CLIENT", "KILL", "TYPE", "pubsub");
            afterWrites(100);
            redis.command("CLIENT", "KILL", "TYPE", "pubsub");
        });
        assertEquals(0, r.stale(), r.toString());
    }

    @Test
    void noStaleReadWhenRedisRestartsEmptyMidRun() throws Exception {
        StaleReads.Result r = run("Redis restarted empty", FAULT_WINDOW, () -> {
            afterWrites(100);
            redis.kill();
            long down = System.nanoTime();
            Await.until("an outage of a second", Duration.ofSeconds(5),
                    () -> System.nanoTime() - down > TimeUnit.SECONDS.toNanos(1));
            redis.restart();
        });
        assertEquals(0, r.stale(), r.toString());
    }
}
