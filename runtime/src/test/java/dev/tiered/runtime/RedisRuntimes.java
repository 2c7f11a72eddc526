package dev.tiered.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.tiered.runtime.config.TieredConfig;
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
}
