package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;

/** The agent and the application never see each other's classes, libraries or logging configuration. */
class IsolationIT {
    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();

    @Test
    void aClassFromALoaderThatSeesNeitherTheApplicationNorTheAgentIsCached() {
        JvmProcess app = jvms.withAgent("isolated-loader");
        String reply = app.request("isolated " + AgentJvms.fixtureClasses() + " " + AgentJvms.annotationsJar());
        assertEquals("isolated-1 isolated-1 runs=1", reply, app.transcript());
    }

    /**
     * The same class from a loader without the annotations jar (a packaging mistake): it runs uncached, as the JVM
     * ignores annotations it cannot load, and the agent says why in one line.
     */
    @Test
    void aLoaderThatCannotSeeTheAnnotationsIsOneWarningAndItsMethodsRunUncached() {
        JvmProcess app = jvms.withAgent("annotations-missing");
        Path nowhere = AgentJvms.fixtureClasses().resolve("no-annotations-here.jar");
        assertEquals("isolated-1 isolated-1 runs=2", app.request("isolated " + AgentJvms.fixtureClasses() + " "
                + nowhere), app.transcript());
        String line = app.awaitStderrMatching("the warning", java.time.Duration.ofSeconds(5),
                l -> l.contains("WARN tiered - dev.tiered.it.fixture.Isolated names @Tiered")).get(0);
        assertTrue(line.endsWith("cannot see dev.tiered.Tiered: the annotations jar is missing from that loader's "
                + "class path, so the annotated methods of its classes run uncached and invalidate nothing; accepted: "
                + "dev.tiered:tiered-annotations on the application's class path, not relocated by shading"), line);
        app.request("isolated " + AgentJvms.fixtureClasses() + " " + nowhere); // a second loader, warned of too
        Await.until("a warning for the second loader", java.time.Duration.ofSeconds(5),
                () -> app.stderrMatching(l -> l.contains("names @Tiered or @Invalidates")).size() == 2);
    }

    /**
     * The agent module's plain jar (its classes without the engine, as a Maven dependency of the application would
     * bring it) first on the class path: its copy of the entry point is the one loaded, and must still find the
     * engine in the jar given to -javaagent.
     */
    @Test
    void theAgentsPlainJarAheadOnTheClassPathDoesNotHideTheEngine() {
        JvmProcess app = jvms.track(jvms.builder("thin-jar-first")
                .classpath(AgentJvms.path("it.thinJar"))
                .javaagent(AgentJvms.agentJar())
                .main(FixtureApp.class.getName())
                .start());
        app.request("call update 41 forty-one");
        assertEquals("ok forty-one", app.request("call find 41"));
        assertEquals("ok forty-one", app.request("call find 41"));
        assertEquals("1", app.request("runs find"), "cached\n" + app.transcript());
    }

    @Test
    void thePlainJarGivenAsTheAgentIsOneLineAndTheApplicationRunsUncached() {
        JvmProcess app = jvms.track(jvms.builder("thin-jar-agent")
                .javaagent(AgentJvms.path("it.thinJar"))
                .main(FixtureApp.class.getName())
                .start());
        app.request("call update 42 forty-two");
        assertEquals("ok forty-two", app.request("call find 42"));
        assertEquals("ok forty-two", app.request("call find 42"));
        assertEquals("2", app.request("runs find"), "uncached\n" + app.transcript());
        String line = app.awaitStderrMatching("the agent's one line", java.time.Duration.ofSeconds(5),
                l -> l.startsWith("tiered: the agent could not start")).get(0);
        assertTrue(line.contains("is not the agent jar") && line.contains("tiered-agent.jar"), line);
        assertEquals(1, app.stderr().stream().filter(l -> l.startsWith("tiered")).count(), app.transcript());
    }

    @Test
    void anApplicationWithOtherVersionsOfTheBundledLibrariesRunsCachedWithoutConflict() throws IOException {
        Path libs = AgentJvms.path("it.libs");
        Path config = Files.createTempDirectory("app-config");
        // the application's own slf4j-simple configuration: it must govern the application's lines only
        Files.writeString(config.resolve("simplelogger.properties"), "org.slf4j.simpleLogger.levelInBrackets=true\n");
        JvmProcess app = jvms.track(jvms.builder("own-libraries")
                .classpath(config, libs.resolve("caffeine-2.9.3.jar"), libs.resolve("slf4j-api-1.7.36.jar"),
                        libs.resolve("slf4j-simple-1.7.36.jar"))
                .javaagent(AgentJvms.agentJar())
                .main(FixtureApp.class.getName())
                .start());
        assertEquals("caffeine=caffeine-2.9.3.jar slf4j=slf4j-api-1.7.36.jar", app.request("probe versions"));
        assertEquals("application's own cache", app.request("probe cache"));
        assertEquals("logged", app.request("probe log"));
        app.request("call update 40 forty");
        assertEquals("ok forty", app.request("call find 40"));
        assertEquals("ok forty", app.request("call find 40"));
        assertEquals("1", app.request("runs find"), "the agent caches with its own Caffeine 3");

        app.awaitStderr("the application's log line", java.time.Duration.ofSeconds(5),
                l -> l.equals("[main] [INFO] application - hello from the application's SLF4J"));
        assertTrue(app.stderr().stream().anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO tiered - tiered .* active")),
                "the agent logs through its own SLF4J 2 and its own configuration\n" + app.transcript());
        assertFalse(app.stderr().stream().anyMatch(l -> l.startsWith("SLF4J")),
                "no SLF4J binding warnings from either side\n" + app.transcript());
    }
}
