package dev.tiered.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.TestInfo;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;

/**
 * The runtimes of one test on real redis-servers: a key prefix of the test's own on a shared server, runtimes
 * started with the bus connected, and everything (runtimes, servers the test started for itself) closed after it.
 */
final class RedisRuntimes implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    final String prefix;
    private final List<TieredRuntime> runtimes = new ArrayList<>();
    private final List<RedisServer> ownServers = new ArrayList<>();

    RedisRuntimes(String letter, TestInfo test) {
        prefix = letter + Integer.toHexString(test.getDisplayName().hashCode() & 0xfffffff);
    }

    /** A runtime on {@code redis} under this test's prefix, with {@code settings} as name, value pairs. */
    TieredRuntime start(RedisServer redis, String... settings) {
        Map<String, String> props = new HashMap<>(Map.of("tiered.redis.uri", redis.uri(),
                "tiered.redis.keyPrefix", prefix));
        for (int i = 0; i < settings.length; i += 2) {
            props.put(settings[i], settings[i + 1]);
        }
        TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(props, Map.of()));
        runtimes.add(runtime);
        Await.until("the invalidation bus to subscribe", WAIT, runtime::busConnected);
        return runtime;
    }

    /** A server of this test's own (one it stops or freezes), closed after it. */
    RedisServer own(RedisServer redis) {
        ownServers.add(redis);
        return redis;
    }

    @Override
    public void close() {
        runtimes.forEach(TieredRuntime::close);
        ownServers.forEach(RedisServer::close);
    }
}
