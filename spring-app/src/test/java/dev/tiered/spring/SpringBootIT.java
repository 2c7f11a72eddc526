package dev.tiered.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.h2.tools.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;
import dev.tiered.testkit.StaleReads;

/**
 * Two instances of the Spring Boot fat jar, each started with {@code -javaagent:tiered-agent.jar} and nothing else
 * changed, on one H2 database (a TCP server in this JVM) and one real Redis: a Spring Data repository method
 * cached through its proxy, and transactional writes ({@code @Transactional} with {@code @Invalidates}) that stay
 * correct when the commit is slow or rolls back, under the stale-read checker.
 */
class SpringBootIT {
    private static final int OWNERS = 20;
    private static final Duration START = Duration.ofSeconds(90);

    private static Server database;
    private static String url;
    private static final JvmProcess[] app = new JvmProcess[2];
    private static final int[] http = new int[2];
    private static final int[] metrics = new int[2];
    private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Path path(String property) {
        String value = System.getProperty(property);
        if (value == null || !Files.exists(Path.of(value))) {
            throw new IllegalStateException("-D" + property + " (" + value + ") names no file: run through Maven "
                    + "(mvn -B verify), which builds the agent and the application's fat jar first");
        }
        return Path.of(value);
    }

    @BeforeAll
    static void start() throws SQLException {
        int databasePort = RedisServer.freePort();
        database = Server.createTcpServer("-tcpPort", Integer.toString(databasePort), "-ifNotExists").start();
        url = "jdbc:h2:tcp://127.0.0.1:" + databasePort + "/mem:clinic;DB_CLOSE_DELAY=-1";
        try (Connection c = DriverManager.getConnection(url, "sa", "");
             Statement s = c.createStatement()) {
            s.execute("create table owner (id bigint primary key, name varchar(100), city varchar(100))");
            try (PreparedStatement insert = c.prepareStatement("insert into owner values (?, ?, 'c0')")) {
                for (int id = 0; id < OWNERS; id++) {
                    insert.setLong(1, id);
                    insert.setString(2, "owner-" + id);
                    insert.executeUpdate();
                }
            }
            s.execute("create table pet (id bigint primary key, name varchar(100), owner_id bigint)");
            s.execute("insert into pet values (50, 'rex', 5), (51, 'tom', 5), (60, 'kit', 6), (61, 'bo', 6)");
        }
        for (int i = 0; i < 2; i++) {
            http[i] = RedisServer.freePort();
            metrics[i] = RedisServer.freePort();
            app[i] = JvmProcess.builder("clinic-" + i)
                    .fastStartup()
                    .javaagent(path("it.agentJar"))
                    .property("tiered.redis.uri", RedisServer.shared().uri())
                    .property("tiered.redis.keyPrefix", "clinic")
                    .property("tiered.metrics.port", Integer.toString(metrics[i]))
                    .property("tiered.ns.pets.verify.rate", "1")
                    .jar(path("it.appJar"), "--server.port=" + http[i], "--spring.datasource.url=" + url,
                            "--spring.datasource.username=sa")
                    .start();
        }
        for (int i = 0; i < 2; i++) {
            int instance = i;
            try {
                Await.until("instance " + i + " to answer", START, () -> answers(instance));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + app[instance].transcript(), e);
            }
        }
    }

    private static boolean answers(int instance) {
        try {
            return get(instance, "/owners/0/city").equals("c0");
        } catch (RuntimeException notYet) {
            if (!app[instance].stderrMatching(l -> l.contains("APPLICATION FAILED")).isEmpty()) {
                throw new AssertionError("instance " + instance + " failed to start\n" + app[instance].transcript());
            }
            return false;
        }
    }

    @AfterAll
    static void stop() {
        for (JvmProcess p : app) {
            if (p != null) {
                p.close();
            }
        }
        if (database != null) {
            database.stop();
        }
    }

    private static String send(HttpRequest request) {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(request.uri() + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException(request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String get(int instance, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http[instance] + path))
                .timeout(Duration.ofSeconds(30)).build());
    }

    private static String move(int instance, long id, String city, long pauseMillis, boolean rollback) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http[instance] + "/owners/" + id
                        + "/move?city=" + city + "&pause=" + pauseMillis + "&rollback=" + rollback))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    /** A sample of the instance's Prometheus endpoint, e.g. {@code tiered_hits_total{namespace="owners",tier="l1"}}. */
    private static long metric(int instance, String sample) {
        String text = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics[instance] + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build());
        for (String line : text.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return (long) Double.parseDouble(line.substring(sample.length() + 1));
            }
        }
        return 0;
    }

    private static long hits(int instance, String tier) {
        return metric(instance, "tiered_hits_total{namespace=\"owners\",tier=\"" + tier + "\"}");
    }

    @Test
    void aSpringDataQueryMethodIsCachedThroughTheRepositorysProxyAndSharedThroughL2() {
        long l1 = hits(0, "l1");
        move(0, 15, "lisbon", 0, false);
        move(0, 16, "lisbon", 0, false);
        assertEquals("owner-15,owner-16", get(0, "/cities/lisbon/owners"));
        assertEquals("owner-15,owner-16", get(0, "/cities/lisbon/owners"));
        assertTrue(hits(0, "l1") > l1, "the second call is an L1 hit");
        long l2 = hits(1, "l2");
        assertEquals("owner-15,owner-16", get(1, "/cities/lisbon/owners"));
        assertEquals(l2 + 1, hits(1, "l2"), "the other instance is served from L2");
        assertTrue(app[0].stderrMatching(l -> l.contains("OwnerRepository") && l.contains("uncached")).isEmpty(),
                app[0].transcript());
    }

    @Test
    void aRecordResultIsServedFromL2InTheOtherInstance() {
        String view = "OwnerView[id=6, name=owner-6, city=c0, pets=[kit, bo]]";
        assertEquals(view, get(0, "/owners/6/view"));
        // written to Redis behind the call
        Await.until("the view's entry in Redis", Duration.ofSeconds(10),
                () -> !((List<?>) RedisServer.shared().command("KEYS", "clinic:e:{views:*")).isEmpty());
        long l2 = metric(1, "tiered_hits_total{namespace=\"views\",tier=\"l2\"}");
        assertEquals(view, get(1, "/owners/6/view"));
        assertEquals(l2 + 1, metric(1, "tiered_hits_total{namespace=\"views\",tier=\"l2\"}"),
                "the record came from Redis, not from the database");
        assertEquals(0, metric(0, "tiered_not_stored_total{namespace=\"views\"}"));
    }

    /** {@code /actuator/metrics/<name>?tag=...}: the first measurement's value. */
    private static double actuator(int instance, String meter) {
        String json = get(instance, "/actuator/metrics/" + meter);
        Matcher m = Pattern.compile("\"value\":([-0-9.E]+)").matcher(json);
        assertTrue(m.find(), json);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void tieredsMetersAreInTheApplicationsMicrometerRegistry() {
        assertEquals("c0", get(0, "/owners/4/city"));
        double calls = actuator(0, "tiered.calls?tag=namespace:owners");
        assertEquals("c0", get(0, "/owners/4/city"));
        assertEquals(calls + 1, actuator(0, "tiered.calls?tag=namespace:owners"));
        assertEquals(hits(0, "l1"), (long) actuator(0, "tiered.hits?tag=namespace:owners&tag=tier:l1"),
                "the same count as tiered's own Prometheus endpoint");
        assertEquals(1, actuator(0, "tiered.bus.connected"));
    }

    /**
     * Pets cached as entities (L1), every hit verified ({@code tiered.ns.pets.verify.rate=1}): two loads of the same
     * rows are the same though Pet has no equals and its owner is a lazy proxy; a write that bypasses
     * {@code @Invalidates} is found.
     */
    @Test
    void verifyModeComparesEntitiesByWhatTheyHoldAndFindsARealDifference() throws SQLException {
        String verified = "tiered_verified_total{namespace=\"pets\"}";
        String mismatches = "tiered_verify_mismatches_total{namespace=\"pets\"}";
        for (int i = 0; i < 4; i++) {
            assertEquals("rex,tom", get(0, "/owners/5/pets"));
        }
        assertEquals(3, metric(0, verified));
        assertEquals(0, metric(0, mismatches), "no difference where there is none");
        try (Connection c = DriverManager.getConnection(url, "sa", "");
             Statement s = c.createStatement()) {
            s.executeUpdate("update pet set name = 'max' where id = 50"); // no @Invalidates
        }
        assertEquals("max,tom", get(0, "/owners/5/pets"), "the verified hit returns what the method returned");
        assertEquals(1, metric(0, mismatches));
        assertEquals("max,tom", get(0, "/owners/5/pets"));
        assertEquals(1, metric(0, mismatches));
    }

    @Test
    void aTransactionalWriteWithASlowCommitLeavesNoStaleEntryInEitherInstance() throws Exception {
        assertEquals("c0", get(0, "/owners/2/city"));
        assertEquals("c0", get(1, "/owners/2/city"));
        CompletableFuture<String> moving = CompletableFuture.supplyAsync(() -> move(0, 2, "c1", 1500, false));
        // while the commit waits, both instances read (and may cache) the committed row
        long readUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
        while (System.nanoTime() < readUntil && !moving.isDone()) {
            assertEquals("c0", get(0, "/owners/2/city"));
            assertEquals("c0", get(1, "/owners/2/city"));
        }
        assertEquals("moved", moving.get(30, TimeUnit.SECONDS));
        assertEquals("c1", get(0, "/owners/2/city"), "the writing instance, once the commit returned");
        Await.until("the other instance to serve the committed city", Duration.ofSeconds(5),
                () -> get(1, "/owners/2/city").equals("c1"));
    }

    @Test
    void aRolledBackWriteInvalidatesNothing() {
        assertEquals("c0", get(0, "/owners/3/city"));
        assertEquals("c0", get(1, "/owners/3/city"));
        String sent = "tiered_invalidations_total{namespace=\"owners\",direction=\"sent\"}";
        long before = metric(1, sent);
        assertEquals("rolled back", move(1, 3, "c9", 0, true));
        assertEquals(before, metric(1, sent), "nothing was bumped");
        long l1 = hits(0, "l1");
        assertEquals("c0", get(0, "/owners/3/city"));
        assertEquals(l1 + 1, hits(0, "l1"), "the entry cached before is still served");
        assertEquals("c0", get(1, "/owners/3/city"));
    }

    /**
     * The stale-read checker over HTTP: two readers per instance, and a writer alternating between the instances
     * whose transactions hold their commit up to 40 ms after the write (a quarter roll back). A read that starts
     * after a commit returned sees it: at once in the instance that wrote, within 500 ms in the other.
     */
    @Test
    void underConcurrentReadersAndSlowCommitsNoReadIsOlderThanTheLastCommit() throws Exception {
        int first = 10;
        int keys = 5;
        StaleReads records = new StaleReads();
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            int instance = r % 2;
            StaleReads.ReadLog log = records.log(instance, keys);
            readers.add(new Thread(() -> {
                while (running.get()) {
                    int key = ThreadLocalRandom.current().nextInt(keys);
                    long start = System.nanoTime();
                    try {
                        String city = get(instance, "/owners/" + (first + key) + "/city");
                        log.add(key, Long.parseLong(city.substring(1)), start);
                    } catch (Throwable t) {
                        thrown.add(t);
                    }
                }
            }, "reader-" + r));
        }
        readers.forEach(Thread::start);
        long[] city = new long[keys];
        int committed = 0;
        try {
            for (int w = 0; w < 40; w++) {
                int instance = w % 2;
                int key = ThreadLocalRandom.current().nextInt(keys);
                boolean rollback = w % 4 == 3;
                long next = city[key] + 1;
                move(instance, first + key, "c" + next, ThreadLocalRandom.current().nextInt(41), rollback);
                if (!rollback) {
                    city[key] = next;
                    records.add(new StaleReads.Write(instance, Integer.toString(key), next, System.nanoTime()));
                    committed++;
                }
            }
        } finally {
            running.set(false);
            for (Thread t : readers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
        assertTrue(thrown.isEmpty(), () -> "reads failed: " + thrown);
        StaleReads.Result result = records.check(TimeUnit.MILLISECONDS.toNanos(500));
        assertEquals(30, committed);
        assertTrue(result.reads() > 200, result::toString);
        assertEquals(0, result.stale(), result::toString);
    }
}
