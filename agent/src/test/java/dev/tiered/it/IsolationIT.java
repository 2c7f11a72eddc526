package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tiered.testkit.JvmProcess;

/** The agent and the application never see each other's classes, libraries or logging configuration. */
class IsolationIT {
    private static AgentJvms jvms;

    @BeforeAll
    static void start() {
        jvms = new AgentJvms();
    }

    @AfterAll
    static void stop() {
        jvms.close();
    }

    @Test
    void aClassFromALoaderThatSeesNeitherTheApplicationNorTheAgentIsCached() {
        JvmProcess app = jvms.withAgent("isolated-loader");
        String reply = app.request("isolated " + AgentJvms.fixtureClasses() + " " + AgentJvms.annotationsJar());
        assertEquals("isolated-1 isolated-1 runs=1", reply, app.transcript());
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
