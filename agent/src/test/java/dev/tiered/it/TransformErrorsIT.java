package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.annotation.AnnotationDescription;
import net.bytebuddy.description.enumeration.EnumerationDescription;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.dynamic.scaffold.subclass.ConstructorStrategy;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.implementation.MethodCall;

import dev.tiered.Tier;
import dev.tiered.Tiered;
import dev.tiered.testkit.JvmProcess;

/**
 * Annotations the agent cannot honour, and malformed properties: one line each naming the method or property, the
 * problem and the accepted form; the application starts, and those methods run uncached.
 */
class TransformErrorsIT {
    private static final String BROKEN = "dev.tiered.it.fixture.Broken";
    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();
    private static JvmProcess app;

    @BeforeAll
    static void start() throws IOException, NoSuchMethodException {
        Path generated = Files.createTempDirectory("tiered-generated");
        generateWhatJavacCannot(generated);
        app = jvms.track(jvms.builder("broken-app")
                .classpath(generated)
                .javaagent(AgentJvms.agentJar())
                .property("tiered.l1.maxEntries", "ten")
                .property("tiered.redis.timout", "1s")
                .main(FixtureApp.class.getName())
                .start());
        assertEquals("ok ran", app.request("call " + BROKEN + " badTtl 1"));
        app.request("call " + BROKEN + "$Impl abstractFind 1");
    }

    /** {@code @Tiered} on a constructor, and a tier constant that this version of the API does not have. */
    private static void generateWhatJavacCannot(Path dir) throws IOException, NoSuchMethodException {
        AnnotationDescription tiered = AnnotationDescription.Builder.ofType(Tiered.class).define("ttl", "10m").build();
        new ByteBuddy().with(TypeValidation.DISABLED)
                .subclass(Object.class, ConstructorStrategy.Default.NO_CONSTRUCTORS)
                .name("dev.tiered.it.gen.AnnotatedConstructor")
                .defineConstructor(Visibility.PUBLIC).intercept(MethodCall.invoke(Object.class.getConstructor()))
                .annotateMethod(tiered)
                .defineMethod("find", String.class, Visibility.PUBLIC).withParameters(long.class)
                .intercept(FixedValue.value("made"))
                .make().saveIn(dir.toFile());
        AnnotationDescription unknownTier = AnnotationDescription.Builder.ofType(Tiered.class).define("ttl", "10m")
                .define("tier", new EnumerationDescription.Latent(TypeDescription.ForLoadedType.of(Tier.class), "L3"))
                .build();
        new ByteBuddy().with(TypeValidation.DISABLED)
                .subclass(Object.class)
                .name("dev.tiered.it.gen.UnknownTier")
                .defineMethod("find", String.class, Visibility.PUBLIC).withParameters(long.class)
                .intercept(FixedValue.value("made"))
                .annotateMethod(unknownTier)
                .make().saveIn(dir.toFile());
    }

    private static void assertOneLine(String expected) {
        List<String> lines = app.awaitStderrMatching("a line containing: " + expected, Duration.ofSeconds(10),
                line -> line.contains(expected));
        assertEquals(1, lines.size(), "expected exactly one line containing: " + expected + "\n" + app.transcript());
        assertTrue(lines.get(0).contains(" WARN tiered - "), lines.get(0));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "returnsNothing(long) runs uncached: @Tiered is on a method that returns void|annotate the method that returns the value",
            "badTtl(long) runs uncached: ttl \"10 minutes\" is malformed|accepted: a positive whole number with a unit ms, s, m, h or d",
            "badL1Ttl(long) runs uncached: l1Ttl \"soon\" is malformed|or an ISO-8601 duration (\"PT10M\")",
            "l1TtlTooLong(long) runs uncached: l1Ttl 1h is longer than ttl 10m|accepted: an l1Ttl no longer than ttl",
            "badNamespace(long) runs uncached: namespace \"not a namespace\" is malformed|accepted: 1 to 200 letters",
            "byObject(java.lang.Object) runs uncached: parameter 1 (java.lang.Object) has no stable L2 key encoding|or tier = Tier.L1",
            "both(long) runs uncached and invalidates nothing: it carries both @Tiered and @Invalidates|accepted: one of them",
            "async(long) runs uncached: it returns java.util.concurrent.Future, whose completion cannot be observed without blocking|accepted: a CompletableFuture or CompletionStage",
            "nativeFind(long) runs uncached: @Tiered is on a native method|annotate a Java method that calls it",
            "badInvalidation(long) invalidates nothing: @Invalidates names the namespace \"not a namespace\"|accepted: 1 to 200 letters",
            "$Base.abstractFind(long) runs uncached: @Tiered is on an abstract method|annotate the method that implements it"})
    void eachInvalidAnnotationGetsOneLine(String problem, String acceptedForm) {
        assertOneLine(BROKEN + (problem.startsWith("$") ? "" : ".") + problem);
        assertTrue(app.stderrMatching(l -> l.contains(problem) && l.contains(acceptedForm)).size() == 1,
                "the line states the accepted form: " + acceptedForm);
    }

    @Test
    void anAbstractMethodOfAnInterfaceIsNotRefusedItsImplementationIsCachedInstead() {
        int before = Integer.parseInt(app.request("runs interfaceFind"));
        assertEquals("ok ran", app.request("call " + BROKEN + "$Impl interfaceFind 2"));
        assertEquals("ok ran", app.request("call " + BROKEN + "$Impl interfaceFind 2"));
        assertEquals(before + 1, Integer.parseInt(app.request("runs interfaceFind")));
        assertTrue(app.stderrMatching(l -> l.contains("interfaceFind")).isEmpty(), app.transcript());
    }

    @Test
    void bytecodeThatJavacWouldRefuseIsReportedToo() {
        assertEquals("ok made", app.request("call dev.tiered.it.gen.AnnotatedConstructor find 1"));
        assertOneLine("dev.tiered.it.gen.AnnotatedConstructor.<init>() runs uncached: @Tiered is on a constructor or "
                + "initializer; only methods that return a value can be cached.");
        assertEquals("ok made", app.request("call dev.tiered.it.gen.UnknownTier find 1"));
        assertOneLine("dev.tiered.it.gen.UnknownTier.find(long) runs uncached: tier \"L3\" is unknown; accepted: "
                + "L1, L2 or L1_L2.");
    }

    @Test
    void rejectedMethodsRunUncachedAndTheRestOfTheClassIsCached() {
        for (String method : new String[] {"badTtl", "badL1Ttl", "l1TtlTooLong", "badNamespace", "both"}) {
            int before = Integer.parseInt(app.request("runs " + method));
            assertEquals("ok ran", app.request("call " + BROKEN + " " + method + " 1"));
            assertEquals("ok ran", app.request("call " + BROKEN + " " + method + " 1"));
            assertEquals(before + 2, Integer.parseInt(app.request("runs " + method)), method);
        }
        app.request("call " + BROKEN + " byObjectInL1 x");
        app.request("call " + BROKEN + " byObjectInL1 x");
        assertEquals("1", app.request("runs byObjectInL1"), "the same parameter type is fine for L1");
        assertEquals("ok null", app.request("call " + BROKEN + " badInvalidation 1"));
    }

    @Test
    void malformedAndUnknownPropertiesGetOneLineEach() {
        assertOneLine("property tiered.l1.maxEntries = \"ten\" is malformed; accepted: a whole number from 1 to "
                + Long.MAX_VALUE + ". Using 10000.");
        assertOneLine("property tiered.redis.timout is unknown and ignored; did you mean tiered.redis.timeout?");
    }
}
