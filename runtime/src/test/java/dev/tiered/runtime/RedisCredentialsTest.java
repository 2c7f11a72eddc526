package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.ObjectName;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tiered.Tier;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l2.KeyType;
import dev.tiered.runtime.observe.Observation;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;
import dev.tiered.testkit.StderrCopy;

/**
 * A Redis that wants credentials: the default user's password ({@code requirepass}) and an ACL user allowed only
 * tiered's keys, its channel and the commands it sends, each given in {@code tiered.redis.uri}. Two runtimes in this
 * JVM stand for two JVMs, one per user. One redis-server for the class, emptied before each test. Everything the
 * runtimes log meanwhile is captured and searched for the passwords.
 */
class RedisCredentialsTest {
    private static final String PREFIX = "cred";
    /** In every password, so that any trace of one, whole or in part, encoded or not, is found. */
    private static final String MARK = "Qx7";
    /** Both need percent-encoding in a URI ('@', ':', '/'), so that decoding is proven too. */
    private static final String DEFAULT_PASSWORD = "def@ult:Qx7-pw";
    private static final String APP_PASSWORD = "app/p@ss:Qx7";
    private static final String WRONG_PASSWORD = "wr0ng-Qx7";
    /** What an ACL user needs, as the README lists it: tiered's keys, its channel and its commands. */
    private static final List<String> APP_ACL = List.of("app", "on", ">" + APP_PASSWORD, "resetchannels",
            "~" + PREFIX + ":*", "&" + PREFIX + ":invalidations", "-@all", "+evalsha", "+eval", "+script|load",
            "+get", "+set", "+pttl", "+del", "+time", "+pexpire", "+publish", "+subscribe", "+unsubscribe", "+ping",
            "+client|setname");

    private static RedisServer redis;
    private static StderrCopy stderr;
    @RegisterExtension
    final RedisRuntimes runtimes = new RedisRuntimes("c");

    @BeforeAll
    static void start() {
        stderr = StderrCopy.start();
        List<String> args = new ArrayList<>(List.of("--requirepass", DEFAULT_PASSWORD, "--user"));
        args.addAll(APP_ACL);
        redis = RedisServer.start(args.toArray(String[]::new));
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
        stderr.close();
        assertNoPassword("everything logged while this class ran", stderr.text());
    }

    @BeforeEach
    void empty() {
        redis.command("FLUSHALL");
        redis.command("SCRIPT", "FLUSH"); // so that each user's runtime has to send and load scripts itself
        redis.command("ACL", "LOG", "RESET");
    }

    private static String uri(String user, String password) {
        return "redis://" + user + ":" + URLEncoder.encode(password, StandardCharsets.UTF_8) + "@127.0.0.1:"
                + redis.port();
    }

    private TieredRuntime runtime(String uri) {
        return runtimes.start(redis, "tiered.redis.uri", uri, "tiered.redis.keyPrefix", PREFIX);
    }

    private static CachedMethod find(TieredRuntime runtime) throws RejectedException {
        return runtime.register(Specs.keyed(Fixtures.Catalog.class, "find", "10m", Tier.L1_L2, "catalog", 0));
    }

    /** {@link #find}, once the runtime has read the namespace's version (a call meanwhile would skip L2). */
    private static CachedMethod syncedFind(TieredRuntime runtime) throws RejectedException {
        CachedMethod m = find(runtime);
        Await.until("the namespace's version to be read from Redis", RedisRuntimes.WAIT,
                () -> runtime.stats("catalog").version() > 0);
        return m;
    }

    private static Invalidation update(TieredRuntime runtime) throws RejectedException {
        return runtime.registerInvalidation(InvalidationSpec.ofNamespaces("x.W", "update", List.of(),
                List.of("catalog")));
    }

    private static Invalidation keyedUpdate(TieredRuntime runtime) throws RejectedException {
        return runtime.registerInvalidation(new InvalidationSpec("x.W", "update", List.of("long"),
                List.of("catalog"), List.of(0), KeyType.Scalar.LONG, false));
    }

    @Test
    void theDefaultUserWithRequirepassAndAnAclUserShareL2() throws Exception {
        TieredRuntime byDefault = runtime(uri("", DEFAULT_PASSWORD));
        TieredRuntime byApp = runtime(uri("app", APP_PASSWORD));
        CachedMethod a = syncedFind(byDefault);
        CachedMethod b = syncedFind(byApp);
        AtomicInteger runs = new AtomicInteger();
        assertEquals("v1", call(b, () -> "v" + runs.incrementAndGet(), 1L));
        assertEquals("v1", call(a, () -> "v" + runs.incrementAndGet(), 1L), "the default user reads it from L2");
        assertEquals("v2", call(a, () -> "v" + runs.incrementAndGet(), 2L));
        assertEquals("v2", call(b, () -> "v" + runs.incrementAndGet(), 2L), "the ACL user reads it from L2");
        assertEquals(2, runs.get());
        assertEquals(1, a.stats.l2Hits.sum());
        assertEquals(1, b.stats.l2Hits.sum());
        assertEquals(0, byDefault.stats("catalog").l2Errors() + byApp.stats("catalog").l2Errors(),
                "the ACL allows every command tiered sends");
        String clients = (String) redis.command("CLIENT", "LIST");
        assertTrue(clients.lines().anyMatch(l -> l.contains("name=tiered ") && l.contains("user=app ")), clients);
        assertTrue(clients.lines().anyMatch(l -> l.contains("name=tiered-bus ") && l.contains("user=app ")), clients);
        assertTrue(clients.lines().anyMatch(l -> l.contains("name=tiered ") && l.contains("user=default ")), clients);
    }

    @Test
    void invalidationsTravelBetweenTheDefaultUserAndAnAclUser() throws Exception {
        TieredRuntime byDefault = runtime(uri("", DEFAULT_PASSWORD));
        TieredRuntime byApp = runtime(uri("app", APP_PASSWORD));
        CachedMethod a = syncedFind(byDefault);
        CachedMethod b = syncedFind(byApp);
        call(a, () -> "old", 1L);
        assertEquals("old", call(b, () -> "unexpected", 1L));

        keyedUpdate(byApp).run(new Object[] {1L});
        assertEquals("new", call(b, () -> "new", 1L));
        Await.until("the default user's runtime to receive the ACL user's keyed write", RedisRuntimes.WAIT,
                () -> byDefault.stats("catalog").invalidationsReceived() == 1);
        assertEquals("new", call(a, () -> "unexpected", 1L), "served from L2 under the entity's new version");

        update(byDefault).run();
        assertEquals("newer", call(a, () -> "newer", 1L));
        Await.until("the ACL user's runtime to receive the default user's bump", RedisRuntimes.WAIT,
                () -> byApp.stats("catalog").invalidationsReceived() == 1);
        assertEquals("newer", call(b, () -> "unexpected", 1L), "served from L2 under the namespace's new version");
        assertEquals(0, byDefault.stats("catalog").l2Errors() + byApp.stats("catalog").l2Errors(),
                "the ACL allows the version reads and bumps");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "app"})
    void aWrongPasswordNeverReachesTheCallerAndIsLoggedOnce(String user) throws Exception {
        int before = stderr.lines().size();
        String denied = user.isEmpty() ? "default" : user;
        TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of("tiered.redis.uri",
                uri(user, WRONG_PASSWORD), "tiered.redis.keyPrefix", PREFIX), Map.of()));
        try {
            CachedMethod m = find(runtime);
            AtomicInteger runs = new AtomicInteger();
            assertEquals(1, call(m, runs::incrementAndGet, 1L));
            assertEquals(1, call(m, runs::incrementAndGet, 1L), "L1 serves, as with a bus not yet heard from");
            Await.until("the bus to have been refused three times", RedisRuntimes.WAIT,
                    () -> redis.failedLogins(denied) >= 3);
            assertFalse(runtime.busConnected());
            List<String> logged = stderr.lines().subList(before, stderr.lines().size());
            List<String> refusals = logged.stream().filter(l -> l.contains("WRONGPASS")).toList();
            assertEquals(1, refusals.size(), String.join("\n", logged));
            assertTrue(refusals.get(0).contains("WARN tiered - invalidation bus cannot subscribe to " + PREFIX
                    + ":invalidations on redis://" + user + ":***@127.0.0.1:" + redis.port()), refusals.get(0));
            assertNoPassword("the log", String.join("\n", logged));
        } finally {
            runtime.close();
        }
    }

    @Test
    void thePasswordIsInNoDescriptionOrJmxAttribute() throws Exception {
        TieredRuntime runtime = runtime(uri("app", APP_PASSWORD));
        Observation.attach(runtime);
        find(runtime);
        ObjectName name = new ObjectName("dev.tiered:type=Runtime");
        String shown = "redis://app:***@127.0.0.1:" + redis.port();
        Await.until("the runtime's MBean", RedisRuntimes.WAIT,
                () -> ManagementFactory.getPlatformMBeanServer().isRegistered(name));
        assertEquals(shown, ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Redis"));
        assertEquals(shown, runtime.config().redis().toString());
        assertEquals(APP_PASSWORD, runtime.config().redis().password(), "decoded from the URI");
        StringBuilder all = new StringBuilder(runtime.toString()).append(runtime.config()).append('\n');
        for (ObjectName bean : ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("dev.tiered:*"),
                null)) {
            for (var attribute : ManagementFactory.getPlatformMBeanServer().getMBeanInfo(bean).getAttributes()) {
                Object value = ManagementFactory.getPlatformMBeanServer().getAttribute(bean, attribute.getName());
                all.append(bean).append(' ').append(attribute.getName()).append('=')
                        .append(value instanceof Object[] array ? List.of(array) : value).append('\n');
            }
        }
        assertNoPassword("the runtime's descriptions and JMX attributes", all.toString());
        assertTrue(all.toString().contains(shown), all.toString());
    }

    private static void assertNoPassword(String where, String text) {
        assertFalse(text.contains(MARK), "a password appears in " + where + ":\n" + text);
    }
}
