package dev.tiered.runtime.observe;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tiered.Tier;
import dev.tiered.runtime.CachedMethod;
import dev.tiered.runtime.Fixtures;
import dev.tiered.runtime.Health;
import dev.tiered.runtime.Specs;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;
import dev.tiered.testkit.StderrCopy;

/**
 * Health tells the truth: a Redis that is never reached is not "healthy", a disabled namespace is uncached, and each
 * change is one line in the log with the reason and the way out, and shows in JMX, Prometheus and the log summary.
 */
class HealthTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static List<String> healthLines(StderrCopy log) {
        return log.lines().stream().filter(l -> l.contains(" tiered - health")).toList();
    }

    @Test
    void aRedisNeverReachedIsDegradedThenUncachedAndCachingOnceItAppears() throws Exception {
        int port = RedisServer.freePort(); // closed: nothing listens there yet
        try (StderrCopy log = StderrCopy.start();
             TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of(
                     "tiered.redis.uri", "redis://127.0.0.1:" + port, "tiered.bus.heartbeat", "200ms",
                     "tiered.l1.maxStaleness", "2s"), Map.of()))) {
            CachedMethod find = runtime.register(Specs.of(Fixtures.Catalog.class, "find", "10m", Tier.L1_L2, "c"));
            Health degraded = runtime.health();
            assertEquals(Health.State.DEGRADED, degraded.state(), degraded.toString());
            assertEquals("L1 only: Redis unreachable", degraded.cause(), degraded.toString());
            assertTrue(degraded.detail().startsWith("Redis at redis://127.0.0.1:" + port
                    + " not reached since start-up at "), degraded.toString());
            assertEquals("one", call(find, () -> "one", 1L));
            assertEquals("one", call(find, () -> "two", 1L), "L1 serves within the bound");

            Await.until("the cut-off", WAIT, () -> runtime.health().state() == Health.State.UNCACHED);
            Health uncached = runtime.health();
            assertEquals("Redis unreachable", uncached.cause(), uncached.toString());
            assertTrue(uncached.detail().contains("Connection refused"), "says why: " + uncached);
            assertTrue(uncached.wayOut().contains("caching resumes once the bus subscribes"), uncached.toString());
            assertEquals("three", call(find, () -> "three", 1L), "uncached");
            assertEquals(uncached, runtime.health(runtime.namespacesInUse().get(0)));
            Await.until("the change logged", WAIT, () -> healthLines(log).stream()
                    .anyMatch(l -> l.contains("WARN tiered - health: uncached (Redis unreachable): Redis at ")));
            String prometheus = MetricsEndpoint.render(runtime);
            assertTrue(prometheus.contains("tiered_health{state=\"uncached\"} 1"), prometheus);
            assertTrue(prometheus.contains("tiered_health{state=\"caching\"} 0"), prometheus);
            assertTrue(prometheus.contains("tiered_namespace_health{namespace=\"c\",state=\"uncached\"} 1"),
                    prometheus);

            try (RedisServer late = RedisServer.startOn(port)) {
                Await.until("caching", WAIT, () -> runtime.health().state() == Health.State.CACHING);
                Await.until("the way back logged", WAIT, () -> healthLines(log).stream()
                        .anyMatch(l -> l.contains("INFO tiered - health: caching again, after ")));
                Await.until("the version read from Redis", WAIT, () -> runtime.stats("c").version() > 0);
                assertEquals("four", call(find, () -> "four", 1L));
                assertEquals("four", call(find, () -> "five", 1L), "cached again");
                assertTrue(healthLines(log).stream().noneMatch(l -> l.contains("health of namespace")),
                        "a namespace that follows the JVM is not logged twice: " + healthLines(log));
                runtime.close();
            }
        }
    }

    @Test
    void aDisabledNamespaceIsUncachedWhileTheJvmCaches() throws Exception {
        try (StderrCopy log = StderrCopy.start();
             TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of(), Map.of()))) {
            runtime.register(Specs.of(Fixtures.Catalog.class, "find", "10m", Tier.L1, "off"));
            runtime.register(Specs.of(Fixtures.Catalog.class, "other", "10m", Tier.L1, "on"));
            Health jvm = runtime.health();
            assertEquals(Health.State.CACHING, jvm.state());
            assertTrue(jvm.detail().startsWith("L1 only: without tiered.redis.uri"), jvm.toString());
            runtime.operations().enabled(runtime.namespacesInUse().get(0), false, "a test");
            Health off = runtime.health(runtime.namespacesInUse().get(0));
            assertEquals(Health.State.UNCACHED, off.state(), off.toString());
            assertEquals("disabled", off.cause());
            assertEquals(Health.State.CACHING, runtime.health(runtime.namespacesInUse().get(1)).state());
            Await.until("the change logged", WAIT, () -> healthLines(log).stream().anyMatch(l -> l.endsWith(
                    "WARN tiered - health of namespace off: uncached (disabled): namespace off is disabled in this JVM "
                    + "(tiered.ns.off.enabled, or the JMX operation setEnabled); setEnabled(true) on "
                    + "dev.tiered:type=Namespace,name=off enables it")));
            runtime.operations().enabled(runtime.namespacesInUse().get(0), true, "a test");
            Await.until("the way back logged", WAIT, () -> healthLines(log).stream().anyMatch(l -> l.matches(
                    ".*INFO tiered - health of namespace off: as the JVM's again \\(caching\\), after \\S+ uncached")));
            assertTrue(healthLines(log).stream().noneMatch(l -> l.contains("tiered - health: ")),
                    "the JVM's health did not change: " + healthLines(log));
        }
    }
}
