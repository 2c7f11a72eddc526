package dev.tiered.runtime.observe;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

import dev.tiered.runtime.CachedMethod;
import dev.tiered.runtime.Fixtures;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.testkit.Await;

/**
 * An application with the OpenTelemetry SDK (here with in-memory exporters): tiered's metrics reach its meter
 * provider with OpenTelemetry names and attributes, and each cached call is an event on the current span saying
 * which tier served it. tiered has no compile-time dependency on OpenTelemetry; the other tests run without a global
 * instance set, and an application without the API is never asked for it.
 */
class OpenTelemetryTest {
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private OpenTelemetrySdk sdk;
    private TieredRuntime runtime;

    @BeforeEach
    void start() {
        GlobalOpenTelemetry.resetForTest();
        sdk = OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .build())
                .build();
        GlobalOpenTelemetry.set(sdk);
    }

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
        sdk.close();
        GlobalOpenTelemetry.resetForTest();
    }

    private static long value(List<MetricData> all, String name, Attributes attributes) {
        return all.stream().filter(m -> m.getName().equals(name))
                .flatMap(m -> m.getData().getPoints().stream())
                .filter(p -> p.getAttributes().equals(attributes))
                .mapToLong(p -> ((LongPointData) p).getValue()).findFirst().orElse(-1);
    }

    @Test
    void metricsReachTheApplicationsMeterProviderWithOpenTelemetryNames() throws Exception {
        runtime = TieredRuntime.start(TieredConfig.from(Map.of(), Map.of()));
        Observation.attach(runtime);
        CachedMethod find = runtime.register(Fixtures.spec("find", "10m"));
        call(find, () -> "v", 1L);
        call(find, () -> "v", 1L);
        AttributeKey<String> namespace = AttributeKey.stringKey("tiered.namespace");
        Attributes caching = Attributes.of(AttributeKey.stringKey("tiered.state"), "caching");
        // the maintenance thread registers the instruments one after the other, tiered.health last
        Await.until("tiered's instruments in the SDK", Duration.ofSeconds(10),
                () -> value(List.copyOf(metrics.collectAllMetrics()), "tiered.health", caching) != -1);
        List<MetricData> all = List.copyOf(metrics.collectAllMetrics());
        assertEquals(2, value(all, "tiered.calls", Attributes.of(namespace, "catalog")));
        assertEquals(1, value(all, "tiered.hits", Attributes.of(namespace, "catalog",
                AttributeKey.stringKey("tiered.tier"), "l1")));
        assertEquals(1, value(all, "tiered.l1.entries", Attributes.of(namespace, "catalog")));
        assertEquals(1, value(all, "tiered.health", caching));
        MetricData calls = all.stream().filter(m -> m.getName().equals("tiered.calls")).findFirst().orElseThrow();
        assertEquals("{call}", calls.getUnit());
        assertEquals("dev.tiered", calls.getInstrumentationScopeInfo().getName());
        assertTrue(calls.getData().getPoints().iterator().next() instanceof LongPointData);

        runtime.close(); // closes the instruments: the SDK no longer calls tiered
        runtime = null;
        assertTrue(metrics.collectAllMetrics().stream().noneMatch(m -> m.getName().startsWith("tiered.")),
                metrics.collectAllMetrics().toString());
    }

    @Test
    void eachCachedCallIsAnEventOnTheCurrentSpanNamingItsTier() throws Exception {
        runtime = TieredRuntime.start(TieredConfig.from(Map.of("tiered.otel.spans", "true"), Map.of()));
        CachedMethod find = runtime.register(Fixtures.spec("find", "10m"));
        Span request = sdk.getTracer("app").spanBuilder("GET /products/1").startSpan();
        try (Scope ignored = request.makeCurrent()) {
            call(find, () -> "v", 1L);
            call(find, () -> "v", 1L);
        } finally {
            request.end();
        }
        call(find, () -> "v", 1L); // outside any span: nothing to add to, nothing fails
        SpanData span = spans.getFinishedSpanItems().get(0);
        List<EventData> events = span.getEvents();
        assertEquals(List.of("tiered.cache", "tiered.cache"), events.stream().map(EventData::getName).toList());
        assertEquals("METHOD", events.get(0).getAttributes().get(AttributeKey.stringKey("tiered.source")));
        assertEquals("L1", events.get(1).getAttributes().get(AttributeKey.stringKey("tiered.source")));
        assertEquals("catalog", events.get(1).getAttributes().get(AttributeKey.stringKey("tiered.namespace")));
        assertEquals(find.name(), events.get(1).getAttributes().get(AttributeKey.stringKey("tiered.method")));
    }

    @Test
    void withoutTheApiNothingIsLookedUpAndCallsAreCachedAsEver() throws Exception {
        ClassLoader blind = new java.net.URLClassLoader(new java.net.URL[0], null); // sees the JDK only
        assertEquals(null, dev.tiered.runtime.SpanEventsAccess.of(blind));
        runtime = TieredRuntime.start(TieredConfig.from(Map.of(), Map.of()));
        OpenTelemetryMeters meters = new OpenTelemetryMeters(runtime);
        meters.loaderSeen(blind);
        assertTrue(!meters.retry(), "nothing to wait for");
    }
}
