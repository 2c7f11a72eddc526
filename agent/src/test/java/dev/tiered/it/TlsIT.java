package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;
import dev.tiered.testkit.TlsFiles;

/**
 * {@code rediss://} through the agent, against the harness's redis-server with its TLS port open and an ACL user:
 * the server's certificate is checked against the trust store named by the JVM's standard
 * {@code javax.net.ssl.trustStore} properties or by tiered's own {@code tiered.redis.trustStore}, and its host name
 * against the URI's; a second server asks for client certificates ({@code tls-auth-clients yes}), which tiered
 * presents from {@code tiered.redis.keyStore}. Certificates are made at test time with the JDK's keytool.
 */
class TlsIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Found nowhere in what the JVMs print or expose, whole or in part. */
    private static final String MARK = "Kj3";
    private static final String PASSWORD = "tls:Pw@Kj3/x";
    private static final String KEY_STORE_PASSWORD = "client-Kj3-pw";
    private static final String OWN_STORES_USER = "own";

    private static Path dir;
    private static TlsFiles tls;
    private static TlsFiles client;
    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();
    private static RedisServer redis;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("tiered-tls-");
        jvms.own(() -> dir.toFile().delete());
        tls = TlsFiles.forLocalhost(dir);
        client = TlsFiles.forClient(dir, "app-client", KEY_STORE_PASSWORD);
        for (TlsFiles files : new TlsFiles[] {tls, client}) {
            jvms.own(() -> files.files().forEach(p -> p.toFile().delete()));
        }
        redis = jvms.own(RedisServer.startWithTls(tls.certificate(), tls.key(),
                "--user", "app", "on", ">" + PASSWORD, "~*", "&*", "+@all",
                "--user", OWN_STORES_USER, "on", ">" + PASSWORD, "~*", "&*", "+@all")); // told apart in CLIENT LIST
    }

    private static String uri(String host, RedisServer server) {
        return uri("app", host, server);
    }

    private static String uri(String user, String host, RedisServer server) {
        return "rediss://" + user + ":" + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8) + "@" + host + ":"
                + server.tlsPort();
    }

    private static JvmProcess jvm(String name, String host, boolean trusting) {
        List<String> settings = new ArrayList<>(List.of("tiered.redis.uri=" + uri(host, redis),
                "tiered.redis.keyPrefix=tls"));
        if (trusting) {
            settings.addAll(tls.trustProperties());
        }
        return jvms.withAgent(name, settings.toArray(String[]::new));
    }

    /** A JVM that trusts the server through tiered's own trust store, and presents a client certificate or not. */
    private static JvmProcess ownStores(String name, RedisServer server, boolean presenting) {
        List<String> settings = new ArrayList<>(List.of("tiered.redis.uri=" + uri(OWN_STORES_USER, "localhost", server),
                "tiered.redis.keyPrefix=tls-own", "tiered.redis.trustStore=" + tls.trustStore(),
                "tiered.redis.trustStorePassword=" + tls.password()));
        if (presenting) {
            settings.addAll(List.of("tiered.redis.keyStore=" + client.keyStore(),
                    "tiered.redis.keyStorePassword=" + KEY_STORE_PASSWORD));
        }
        return jvms.withAgent(name, settings.toArray(String[]::new));
    }

    private static boolean busConnected(JvmProcess jvm) {
        return jvm.request("mbeans").replaceAll(".*type=Runtime BusConnected=(\\w+).*", "$1").equals("true");
    }

    private static long stat(JvmProcess jvm, String attribute) {
        return Long.parseLong(jvm.request("stat products " + attribute).replace("absent", "0"));
    }

    private static int runs(JvmProcess jvm) {
        return Integer.parseInt(jvm.request("runs find"));
    }

    @Test
    void twoJvmsShareL2AndInvalidationsOverTls() {
        JvmProcess a = jvm("tls-a", "localhost", true);
        JvmProcess b = jvm("tls-b", "localhost", true);
        a.request("call update 1 one");
        b.request("call update 2 two");
        for (JvmProcess jvm : List.of(a, b)) {
            Await.until("each JVM to read the namespace's version over TLS", WAIT,
                    () -> stat(jvm, "Version") > 0);
        }
        assertEquals("ok one", a.request("call find 1"));
        Await.until("a's result to land in Redis", WAIT,
                () -> !((List<?>) redis.command("KEYS", "tls:e:{products*")).isEmpty());
        int runs = runs(b);
        assertEquals("ok one", b.request("call find 1"));
        assertEquals(runs, runs(b), "b was served from L2");
        assertEquals(1, stat(b, "L2Hits"));

        a.request("call update 1 uno");
        Await.until("b to hear of a's write", WAIT, () -> stat(b, "InvalidationsReceived") >= 1);
        assertEquals("ok uno", b.request("call find 1"));

        String clients = (String) redis.command("CLIENT", "LIST");
        String tlsPort = "laddr=127.0.0.1:" + redis.tlsPort() + " ";
        assertEquals(2, clients.lines().filter(l -> l.contains("name=tiered-bus ") && l.contains("user=app ")
                && l.contains(tlsPort)).count(), clients);
        assertTrue(clients.lines().filter(l -> l.contains("user=app ")).allMatch(l -> l.contains(tlsPort)),
                "every connection of the JVMs is on the TLS port:\n" + clients);
        AgentJvms.assertNowhere(MARK, a, b);
    }

    @Test
    void aCertificateThatIsUntrustedOrNamesAnotherHostIsRefusedAndTheJvmRunsOn() {
        JvmProcess otherHost = jvm("tls-other-host", "127.0.0.1", true);
        JvmProcess untrusted = jvm("tls-untrusted", "localhost", false);
        for (JvmProcess jvm : List.of(otherHost, untrusted)) {
            jvm.request("call update 5 five");
            assertEquals("ok five", jvm.request("call find 5"));
            assertEquals("ok five", jvm.request("call find 5"));
            assertEquals(1, runs(jvm), "L1 serves, as with a bus not yet heard from");
            assertEquals(0, stat(jvm, "L2Hits"), "L2 is never read without the bus");
            assertEquals(1, stat(jvm, "L2Errors"), "the write's bump was refused, and nothing else was tried");
        }
        otherHost.awaitStderr("why it cannot subscribe", WAIT, l -> l.contains("WARN tiered - invalidation bus "
                + "cannot subscribe") && l.contains("No subject alternative names matching IP address 127.0.0.1"));
        untrusted.awaitStderr("why it cannot subscribe", WAIT, l -> l.contains("WARN tiered - invalidation bus "
                + "cannot subscribe") && l.contains("unable to find valid certification path"));
        Await.until("the server to have refused both JVMs a few times each", WAIT, () -> refusedHandshakes() >= 8);
        for (JvmProcess jvm : List.of(otherHost, untrusted)) {
            assertEquals(1, jvm.stderrMatching(l -> l.contains("cannot subscribe")).size(), jvm.transcript());
            assertFalse(busConnected(jvm));
        }
        AgentJvms.assertNowhere(MARK, otherHost, untrusted);
    }

    @Test
    void tieredsOwnTrustStoreNeedsNoJvmWideSetting() {
        JvmProcess own = ownStores("tls-own-trust", redis, false);
        own.request("call update 7 seven");
        Await.until("the namespace's version read over TLS", WAIT, () -> stat(own, "Version") > 0);
        Await.until("the bus subscribed over TLS", WAIT, () -> busConnected(own));
        assertEquals("ok seven", own.request("call find 7"));
        Await.until("the result to land in Redis", WAIT,
                () -> !((List<?>) redis.command("KEYS", "tls-own:e:{products*")).isEmpty());
        assertEquals(0, stat(own, "L2Errors"));
        own.awaitStderr("the start-up line to name the trust store", WAIT,
                l -> l.contains("INFO tiered - L2 and invalidations") && l.contains("trustStore=" + tls.trustStore()));
    }

    @Test
    void aServerThatAsksForClientCertificatesAcceptsTheKeyStoresAndRefusesAJvmWithout() throws IOException {
        RedisServer mutual = RedisServer.startWithTls(tls.certificate(), tls.key(), "--tls-auth-clients", "yes",
                "--tls-ca-cert-file", client.certificate().toString(),
                "--user", OWN_STORES_USER, "on", ">" + PASSWORD, "~*", "&*", "+@all");
        try {
            JvmProcess presenting = ownStores("tls-client-cert", mutual, true);
            JvmProcess without = ownStores("tls-no-client-cert", mutual, false);
            for (JvmProcess jvm : List.of(presenting, without)) {
                jvm.request("call update 8 eight");
                assertEquals("ok eight", jvm.request("call find 8"));
            }
            Await.until("the version read with a client certificate", WAIT, () -> stat(presenting, "Version") > 0);
            Await.until("the bus subscribed with a client certificate", WAIT, () -> busConnected(presenting));
            without.awaitStderr("why it cannot subscribe", WAIT, l -> l.contains("WARN tiered - invalidation bus "
                    + "cannot subscribe"));
            assertEquals("ok eight", without.request("call find 8"), "the JVM without a certificate runs on");
            assertFalse(busConnected(without));
            assertEquals(0, stat(without, "L2Hits"));
            String clients = (String) mutual.command("CLIENT", "LIST");
            assertTrue(clients.lines().anyMatch(l -> l.contains("name=tiered-bus ")
                    && l.contains("user=" + OWN_STORES_USER + " ")), clients);
            AgentJvms.assertNowhere(MARK, presenting, without);
        } finally {
            mutual.close();
        }
    }

    /** TLS handshakes the server saw fail (it logs each at its default level). */
    private static long refusedHandshakes() {
        try {
            return Files.readAllLines(redis.logFile()).stream()
                    .filter(l -> l.contains("Error accepting a client connection")).count();
        } catch (IOException e) {
            return 0;
        }
    }
}
