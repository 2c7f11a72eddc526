package dev.tiered.runtime.observe;

import static dev.tiered.runtime.Fixtures.call;
import static dev.tiered.runtime.Fixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tiered.runtime.CachedMethod;
import dev.tiered.runtime.Health;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.testkit.Await;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * An application with Micrometer on its class path (this test's loader has it, as a Spring Boot application's
 * has): tiered's meters appear in its global registry once a cached method of that loader is registered, count
 * what the Prometheus endpoint counts, and leave with the engine.
 */
class MicrometerMetersTest {
    private final SimpleMeterRegistry application = new SimpleMeterRegistry();
    private TieredRuntime runtime;

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
        Metrics.removeRegistry(application);
    }

    private FunctionCounter counter(String name, String... tags) {
        return application.find(name).tags(tags).functionCounter();
    }

    @Test
    void theMetersOfEachNamespaceReachTheApplicationsRegistryAndLeaveWithTheEngine() throws Exception {
        Metrics.addRegistry(application);
        runtime = TieredRuntime.start(TieredConfig.from(Map.of(), Map.of()));
        Observation.attach(runtime);
        CachedMethod find = runtime.register(spec("find", "10m"));
        call(find, () -> "v1", 1L);
        call(find, () -> "v1", 1L);
        call(find, () -> "v1", 1L);
        // the namespace's series, and the runtime's: bus, cut-off, breaker, writes refused, and health by state
        long expected = MeterTable.NAMESPACE.stream().mapToInt(f -> f.series().size()).sum() + 4
                + Health.State.values().length;
        // registered on tiered's maintenance thread, one after the other
        Await.until("tiered's meters in the application's registry", Duration.ofSeconds(10),
                () -> tieredMeters() == expected);
        assertEquals(3, counter("tiered.calls", "namespace", "catalog").count());
        assertEquals(2, counter("tiered.hits", "namespace", "catalog", "tier", "l1").count());
        assertEquals(0, counter("tiered.hits", "namespace", "catalog", "tier", "l2").count());
        assertEquals(1, application.find("tiered.l1.entries").tag("namespace", "catalog").gauge().value());
        assertEquals(0, application.find("tiered.bus.connected").gauge().value(), "no Redis: no bus");

        runtime.close();
        runtime = null;
        assertEquals(0, tieredMeters(), "the engine took its meters away");
    }

    private long tieredMeters() {
        return application.getMeters().stream().filter(m -> m.getId().getName().startsWith("tiered.")).count();
    }
}
