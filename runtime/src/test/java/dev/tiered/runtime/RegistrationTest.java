package dev.tiered.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tiered.Tier;
import dev.tiered.runtime.config.Durations;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l2.KeyType;
import dev.tiered.testkit.StderrCopy;

/** Every annotation the runtime cannot honour gets one line: the method, the problem, the accepted form. */
class RegistrationTest {
    private final TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of(), Map.of()));

    @AfterEach
    void stop() {
        runtime.close();
    }

    private static final String C = "dev.tiered.runtime.Fixtures$Catalog";

    private static MethodSpec with(MethodSpec s, MethodSpec.Kind kind, String ttl, String l1Ttl, String tier,
                                   String namespace) {
        return new MethodSpec(s.className(), s.methodName(), s.descriptor(), s.parameterTypes(), s.returnType(), kind,
                ttl, l1Ttl, tier, namespace, s.keyTypes(), s.cacheKeyParameters(), s.classLoader());
    }

    static Stream<Arguments> rejected() {
        MethodSpec find = Fixtures.spec("find", "10m");
        return Stream.of(
                Arguments.of(Fixtures.spec("touch", "10m"), C + ".touch(long) runs uncached: @Tiered is on a method "
                        + "that returns void, so there is no result to cache; annotate the method that returns the "
                        + "value, and methods that change it @Invalidates."),
                Arguments.of(with(find, MethodSpec.Kind.ABSTRACT, "10m", "", "L1_L2", "c"), C + ".find(long) runs "
                        + "uncached: @Tiered is on an abstract method, which has no body to cache; annotate the "
                        + "method that implements it."),
                Arguments.of(with(find, MethodSpec.Kind.NATIVE, "10m", "", "L1_L2", "c"), C + ".find(long) runs "
                        + "uncached: @Tiered is on a native method, whose body cannot be rewritten; annotate a Java "
                        + "method that calls it."),
                Arguments.of(with(find, MethodSpec.Kind.CONSTRUCTOR, "10m", "", "L1_L2", "c"), C + ".find(long) runs "
                        + "uncached: @Tiered is on a constructor or initializer; only methods that return a value "
                        + "can be cached."),
                Arguments.of(with(find, MethodSpec.Kind.CONCRETE, "10 minutes", "", "L1_L2", "c"), C + ".find(long) "
                        + "runs uncached: ttl \"10 minutes\" is malformed; accepted: " + Durations.ACCEPTED_FORM + "."),
                Arguments.of(with(find, MethodSpec.Kind.CONCRETE, "10m", "soon", "L1_L2", "c"), C + ".find(long) "
                        + "runs uncached: l1Ttl \"soon\" is malformed; accepted: " + Durations.ACCEPTED_FORM + "."),
                Arguments.of(with(find, MethodSpec.Kind.CONCRETE, "10m", "1h", "L1_L2", "c"), C + ".find(long) runs "
                        + "uncached: l1Ttl 1h is longer than ttl 10m; accepted: an l1Ttl no longer than ttl, or none."),
                Arguments.of(with(find, MethodSpec.Kind.CONCRETE, "10m", "", "L3", "c"), C + ".find(long) runs "
                        + "uncached: tier \"L3\" is unknown; accepted: L1, L2 or L1_L2."),
                Arguments.of(with(find, MethodSpec.Kind.CONCRETE, "10m", "", "L1_L2", "bad namespace"), C
                        + ".find(long) runs uncached: namespace \"bad namespace\" is malformed; accepted: 1 to 200 "
                        + "letters, digits or . _ - $."),
                Arguments.of(Fixtures.spec("byObject", "10m"), C + ".byObject(java.lang.Object) runs uncached: "
                        + "parameter 1 (java.lang.Object) has no stable L2 key encoding; accepted: " + KeyType.ACCEPTED
                        + ", or tier = Tier.L1 for any type with a value-based equals."),
                Arguments.of(Fixtures.spec("future", "10m"), C + ".future(long) runs uncached: it returns "
                        + "java.util.concurrent.Future, whose completion cannot be observed without blocking; "
                        + "accepted: a CompletableFuture or CompletionStage, or the value itself."),
                Arguments.of(Fixtures.spec("stream", "10m"), C + ".stream(long) runs uncached: it returns "
                        + "java.util.stream.Stream, which can be consumed only once; accepted: a method that returns "
                        + "a collection or value."));
    }

    @ParameterizedTest
    @MethodSource("rejected")
    void anInvalidAnnotationIsRejectedWithOneLine(MethodSpec spec, String expected) {
        RejectedException e = assertThrows(RejectedException.class, () -> runtime.register(spec));
        assertEquals(expected, e.getMessage());
    }

    /** A return type no L2 encoding takes: one WARN when the method registers, not a surprise at its first miss. */
    @Test
    void aReturnTypeThatCanNeverReachL2IsOneWarningAtRegistrationAndCachesInL1() throws Exception {
        // with a Redis (never reached here: L2 is configured, which is what matters), and futures judged by value
        try (StderrCopy log = StderrCopy.start(); TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(
                Map.of("tiered.redis.uri", "redis://127.0.0.1:" + dev.tiered.testkit.RedisServer.freePort()),
                Map.of()))) {
            runtime.register(Fixtures.spec("async", "10m"));
            CachedMethod file = runtime.register(Fixtures.spec("file", "10m"));
            runtime.register(Specs.of(Fixtures.Catalog.class, "file", "10m", Tier.L1, "local"));
            runtime.register(Fixtures.spec("byCategory", "10m")); // List<String>: L2 takes it
            runtime.register(Fixtures.spec("maybe", "10m")); // Optional<Product>
            List<String> warnings = log.lines().stream().filter(l -> l.contains("asks for tier")).toList();
            assertEquals(List.of("WARN tiered - " + C + ".file(long) asks for tier L1_L2, but its return type java.io.File is a JDK class that neither "
                    + "encoding of L2 takes (accepted: values, strings, numbers, java.time, the JDK's lists, sets and "
                    + "maps, Optional, enums, arrays, and the application's own classes): its results stay in L1 only "
                    + "(NotStored counts them); accepted: tier = Tier.L1, or a return type L2 takes"),
                    warnings.stream().map(l -> l.substring(l.indexOf("WARN"))).toList());
            java.io.File f = new java.io.File("/tmp");
            assertEquals(f, Fixtures.call(file, () -> f, 1L));
            assertEquals(f, Fixtures.call(file, () -> new java.io.File("/other"), 1L), "cached in L1");
        }
    }

    @Test
    void aParameterWithoutAnL2EncodingIsAcceptedForL1() throws Exception {
        runtime.register(Specs.of(Fixtures.Catalog.class, "byObject", "10m", Tier.L1, "c"));
    }

    @Test
    void anInvalidationOfAMalformedNamespaceIsRejected() {
        RejectedException e = assertThrows(RejectedException.class, () -> runtime.registerInvalidation(
                InvalidationSpec.ofNamespaces("com.acme.Repo", "save", List.of("long"), List.of("ok", "not ok"))));
        assertEquals("com.acme.Repo.save(long) invalidates nothing: @Invalidates names the namespace \"not ok\", "
                + "which is malformed; accepted: 1 to 200 letters, digits or . _ - $.", e.getMessage());
    }

    @Test
    void theDefaultNamespaceIsTheDeclaringClass() throws Exception {
        CachedMethod m = runtime.register(Specs.of(Fixtures.Catalog.class, "find", "10m", Tier.L1, ""));
        assertEquals(C, m.namespace());
        runtime.registerInvalidation(InvalidationSpec.ofNamespaces(C, "touch", List.of("long"), List.of())).run();
        assertEquals(1, runtime.stats(C).invalidationsSent());
    }
}
