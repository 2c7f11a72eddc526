package dev.tiered.runtime;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;

/**
 * Under {@code tiered.otel.spans}, each cached call adds an event {@code tiered.cache} to the current OpenTelemetry
 * span of the application, if it records one, with the attributes {@code tiered.source} ({@code L1}, {@code L2},
 * {@code METHOD} or {@code UNCACHED}), {@code tiered.namespace} and {@code tiered.method}: a trace shows which tier
 * served the call. The application's OpenTelemetry API is found by name through the method's class loader and
 * called through method handles: no compile-time dependency, any API version from 1.0, and nothing at all when the
 * application has none. The attributes of each source are built once. Thread-safe; never throws.
 */
final class SpanEvents {
    static final String EVENT = "tiered.cache";
    private static final String[] SOURCES = {"L1", "L2", "METHOD", "UNCACHED"}; // CallTrace's numbering

    private final MethodHandle current;
    private final MethodHandle isRecording;
    private final MethodHandle addEvent;
    /** The event's attributes for each source, in {@link CallTrace}'s numbering. */
    private final Object[] attributes = new Object[SOURCES.length];

    private SpanEvents(MethodHandle current, MethodHandle isRecording, MethodHandle addEvent) {
        this.current = current;
        this.isRecording = isRecording;
        this.addEvent = addEvent;
    }

    /** The events of one cached method, or {@code null} if its class loader sees no OpenTelemetry API. */
    static SpanEvents of(ClassLoader loader, String namespace, String method) {
        try {
            Class<?> span = Class.forName("io.opentelemetry.api.trace.Span", false, loader);
            Class<?> attributes = Class.forName("io.opentelemetry.api.common.Attributes", false, loader);
            Class<?> key = Class.forName("io.opentelemetry.api.common.AttributeKey", false, loader);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            SpanEvents events = new SpanEvents(
                    lookup.findStatic(span, "current", MethodType.methodType(span))
                            .asType(MethodType.methodType(Object.class)),
                    lookup.findVirtual(span, "isRecording", MethodType.methodType(boolean.class))
                            .asType(MethodType.methodType(boolean.class, Object.class)),
                    lookup.findVirtual(span, "addEvent", MethodType.methodType(span, String.class, attributes))
                            .asType(MethodType.methodType(void.class, Object.class, String.class, Object.class)));
            Method stringKey = key.getMethod("stringKey", String.class);
            Method of = attributes.getMethod("of", key, Object.class, key, Object.class, key, Object.class);
            Object sourceKey = stringKey.invoke(null, "tiered.source");
            Object namespaceKey = stringKey.invoke(null, "tiered.namespace");
            Object methodKey = stringKey.invoke(null, "tiered.method");
            for (int i = 0; i < SOURCES.length; i++) {
                events.attributes[i] = of.invoke(null, sourceKey, SOURCES[i], namespaceKey, namespace, methodKey,
                        method);
            }
            return events;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException absent) {
            return null;
        }
    }

    /** Adds the event of a call served from {@code source} ({@link CallTrace}'s numbering) to the current span. */
    void record(int source) {
        try {
            Object span = current.invoke();
            if ((boolean) isRecording.invoke(span)) {
                addEvent.invoke(span, EVENT, attributes[source]);
            }
        } catch (Throwable e) { // the application's OpenTelemetry failed: its call goes on regardless
            if (e instanceof VirtualMachineError) {
                throw (VirtualMachineError) e;
            }
        }
    }
}
