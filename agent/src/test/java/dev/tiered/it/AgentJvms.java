package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/**
 * Child JVMs running {@link FixtureApp}, with or without the agent, sharing one fixture store directory; and what a
 * test class starts for them (servers, files). A test class registers it once,
 * {@code @RegisterExtension static final AgentJvms jvms = new AgentJvms();}, and everything is closed after its
 * last test: the JVMs first, then what they used.
 */
final class AgentJvms implements AutoCloseable, AfterAllCallback {
    private final List<JvmProcess> started = new ArrayList<>();
    private final List<AutoCloseable> owned = new ArrayList<>();
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

    /** Agent JVMs named {@code <name>-a}, {@code <name>-b}, ... on one Redis, under one key prefix. */
    List<JvmProcess> onRedis(int count, String name, RedisServer redis, String keyPrefix) {
        return onRedis(count, name, redis.uri(), keyPrefix);
    }

    /** Agent JVMs named {@code <name>-a}, {@code <name>-b}, ... on the Redis of {@code uri}, under one key prefix. */
    List<JvmProcess> onRedis(int count, String name, String uri, String keyPrefix) {
        List<JvmProcess> jvms = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            jvms.add(withAgent(name + "-" + (char) ('a' + i), "tiered.redis.uri=" + uri,
                    "tiered.redis.keyPrefix=" + keyPrefix));
        }
        return jvms;
    }

    JvmProcess track(JvmProcess jvm) {
        started.add(jvm);
        return jvm;
    }

    /** Closes {@code resource} (a server the JVMs use, files they read) after the JVMs. */
    <T extends AutoCloseable> T own(T resource) {
        owned.add(0, resource);
        return resource;
    }

    /** {@code mark} is in no line the JVMs printed, in none of their MBean attributes now, nor in {@code dumps}. */
    static void assertNowhere(String mark, JvmProcess... jvms) {
        assertNowhere(mark, List.of(jvms), List.of());
    }

    static void assertNowhere(String mark, List<JvmProcess> jvms, List<String> dumps) {
        for (JvmProcess jvm : jvms) {
            List<String> everything = new ArrayList<>(jvm.stdout());
            everything.addAll(jvm.stderr());
            everything.add(jvm.request("mbeans"));
            everything.addAll(dumps);
            assertFalse(everything.get(everything.size() - 1 - dumps.size()).equals("absent"),
                    "the JVM registered its MBeans");
            List<String> leaks = everything.stream().filter(l -> l.contains(mark)).toList();
            assertEquals(List.of(), leaks, "a password appears in what the JVM printed or exposed");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    @Override
    public void close() {
        started.forEach(JvmProcess::close);
        started.clear();
        for (AutoCloseable resource : owned) {
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not close " + resource, e);
            }
        }
        owned.clear();
    }
}
