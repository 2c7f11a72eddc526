package dev.tiered.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.tiered.Tier;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l2.KeyType;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;

/**
 * The runtimes of one test on real redis-servers: a key prefix of the test's own on a shared server, runtimes
 * started with the bus connected, and everything (runtimes, servers the test started for itself) closed after it.
 * A test class registers it once: {@code @RegisterExtension final RedisRuntimes runtimes = new RedisRuntimes("t");}.
 */
public final class RedisRuntimes implements BeforeEachCallback, AfterEachCallback {
    public static final Duration WAIT = Duration.ofSeconds(10);

    private final String letter;
    private String prefix;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<RedisServer> servers = new ArrayList<>();

    /** {@code letter} starts every prefix, so that test classes sharing a server never share keys. */
    public RedisRuntimes(String letter) {
        this.letter = letter;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        prefix = letter + Integer.toHexString(context.getDisplayName().hashCode() & 0xfffffff);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        closing.clear();
        servers.forEach(RedisServer::close);
        servers.clear();
    }

    /** The key prefix of the running test. */
    public String prefix() {
        return prefix;
    }

    /** The configuration of a runtime on {@code redis} under this test's prefix, with {@code settings} as pairs. */
    public TieredConfig config(RedisServer redis, String... settings) {
        return config(redis.uri(), settings);
    }

    /** The configuration of a runtime on the Redis of {@code uri} under this test's prefix, with {@code settings}. */
    public TieredConfig config(String uri, String... settings) {
        Map<String, String> props = new HashMap<>(Map.of("tiered.redis.uri", uri,
                "tiered.redis.keyPrefix", prefix));
        for (int i = 0; i < settings.length; i += 2) {
            props.put(settings[i], settings[i + 1]);
        }
        return TieredConfig.from(props, Map.of());
    }

    /** A runtime on {@code redis} under this test's prefix, with {@code settings} as name, value pairs. */
    public TieredRuntime start(RedisServer redis, String... settings) {
        return start(redis.uri(), settings);
    }

    /** A runtime on the Redis of {@code uri} under this test's prefix, with {@code settings} as name, value pairs. */
    public TieredRuntime start(String uri, String... settings) {
        TieredRuntime runtime = TieredRuntime.start(config(uri, settings));
        closing.add(runtime);
        Await.until("the invalidation bus to subscribe", WAIT, runtime::busConnected);
        return runtime;
    }

    /** Closes {@code resource} after the test, with the runtimes, before the servers. */
    public <T extends AutoCloseable> T closing(T resource) {
        closing.add(resource);
        return resource;
    }

    /** A server of this test's own (one it stops or freezes), closed after it. */
    public RedisServer own(RedisServer redis) {
        servers.add(redis);
        return redis;
    }

    /** {@code find(long)} of the fixture catalog, keyed by its id in namespace catalog, synced with Redis. */
    public static CachedMethod find(TieredRuntime runtime) throws RejectedException {
        CachedMethod m = runtime.register(Specs.keyed(Fixtures.Catalog.class, "find", "10m", Tier.L1_L2, "catalog",
                0));
        L2FuzzTest.awaitSynced(runtime, m, -1L);
        return m;
    }

    /** A write of one catalog entity, named by its {@code long} id. */
    public static Invalidation update(TieredRuntime runtime) throws RejectedException {
        return runtime.registerInvalidation(new InvalidationSpec("x.W", "update", List.of("long"),
                List.of("catalog"), List.of(0), KeyType.Scalar.LONG, false));
    }

    /**
     * Asserts that no call waits for a Redis whose nodes accept connections and never answer: {@code uri} names a
     * port for them as {@code %d}. L1 misses, L2 is skipped (not an error of Redis), and the method runs.
     */
    public void assertNoCallWaitsForSilence(String uri) throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // connections are accepted (by the backlog) and never answered: finding the master hangs for 30 s
            TieredRuntime runtime = closing(TieredRuntime.start(config(String.format(uri, silent.getLocalPort()),
                    "tiered.redis.timeout", "30s")));
            CachedMethod m = runtime.register(Specs.keyed(Fixtures.Catalog.class, "find", "10m", Tier.L1_L2,
                    "catalog", 0));
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                for (int i = 0; i < 3; i++) {
                    String result = "run " + i;
                    assertEquals(result, Fixtures.serve(m, () -> result, (long) i), "L1 missed, L2 skipped: the "
                            + "method ran");
                }
            }, "a call waited for nodes that do not answer");
            assertEquals(0, m.stats.l2Errors.sum(), "no master known yet is not an error of Redis");
            assertFalse(runtime.busConnected());
        }
    }
}
