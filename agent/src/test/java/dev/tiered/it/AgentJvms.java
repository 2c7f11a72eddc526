package dev.tiered.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.tiered.testkit.JvmProcess;

/** Child JVMs running {@link FixtureApp}, with or without the agent, sharing one fixture store directory. */
final class AgentJvms implements AutoCloseable {
    private final List<JvmProcess> started = new ArrayList<>();
    private final Path store;

    AgentJvms() {
        try {
            store = Files.createTempDirectory("tiered-fixture-store");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path path(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set: run the integration "
                    + "tests through Maven (mvn verify), which sets it");
        }
        Path path = Path.of(value);
        if (!Files.exists(path)) {
            throw new IllegalStateException(property + " = " + path + " does not exist; build the module first");
        }
        return path;
    }

    static Path agentJar() {
        return path("it.agentJar");
    }

    static Path annotationsJar() {
        return path("it.annotationsJar");
    }

    static Path fixtureClasses() {
        return path("it.fixtureClasses");
    }

    /** The classpath of a fixture JVM: the fixture classes (which include the testkit's protocol) and the API. */
    JvmProcess.Builder builder(String name) {
        return JvmProcess.builder(name)
                .fastStartup()
                .classpath(fixtureClasses(), annotationsJar(), path("it.testkitClasses"))
                .property("fixture.store", store.toString());
    }

    /** A fixture JVM with the agent and the given {@code key=value} settings. */
    JvmProcess withAgent(String name, String... settings) {
        JvmProcess.Builder b = builder(name).javaagent(agentJar());
        for (String setting : settings) {
            int eq = setting.indexOf('=');
            b.property(setting.substring(0, eq), setting.substring(eq + 1));
        }
        return track(b.main(FixtureApp.class.getName()).start());
    }

    JvmProcess track(JvmProcess jvm) {
        started.add(jvm);
        return jvm;
    }

    @Override
    public void close() {
        started.forEach(JvmProcess::close);
    }
}
