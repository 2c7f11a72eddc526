package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.tiered.testkit.JvmProcess;

/**
 * {@code tiered.rules}: a class of a library the application does not own (compiled here into a jar, without any
 * annotation) cached and invalidated by a rules file alone, keyed as {@code @CacheKey} would; a rule on an annotated
 * method applies instead of its annotation, with a notice; a malformed entry is one line naming the file and line,
 * and the valid entries still apply.
 */
class RulesIT {
    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final String LIBRARY = """
            package com.example.pricing;

            import java.util.Map;
            import java.util.concurrent.ConcurrentHashMap;
            import java.util.concurrent.atomic.AtomicInteger;

            /** A pricing client of a library: no annotation, no dependency on tiered. */
            public class PriceClient {
                private static final Map<String, Long> PRICES = new ConcurrentHashMap<>();
                private static final AtomicInteger QUOTES = new AtomicInteger();

                public String quote(String sku) {
                    QUOTES.incrementAndGet();
                    return sku + "=" + PRICES.getOrDefault(sku, 100L);
                }

                public void update(String sku, long cents) {
                    PRICES.put(sku, cents);
                }

                public int quotes() {
                    return QUOTES.get();
                }
            }
            """;

    /** The library's jar, compiled from source here. */
    private static Path libraryJar(Path dir) throws IOException {
        Path src = dir.resolve("src/com/example/pricing/PriceClient.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, LIBRARY);
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "--release", "17", "-d", classes.toString(), src.toString()));
        Path jar = dir.resolve("pricing-client.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return jar;
    }

    /** An agent JVM with the library on its class path and {@code tiered.rules} set. */
    private static JvmProcess app(String name, Path dir, Path rules) throws IOException {
        return jvms.track(jvms.builder(name).classpath(libraryJar(dir)).javaagent(AgentJvms.agentJar())
                .property("tiered.rules", rules.toString()).main(FixtureApp.class.getName()).start());
    }

    @Test
    void aLibraryClassIsCachedAndInvalidatedByRulesAndARuleOverridesAnAnnotation(@TempDir Path dir)
            throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                cache:
                  - method: com.example.pricing.PriceClient.quote(java.lang.String)
                    ttl: 10m
                    tier: L1
                    namespace: price
                    cacheKey: 0
                  - method: dev.tiered.it.fixture.Products.findL1(long)
                    ttl: 10m
                    tier: L1
                    namespace: ruled
                  - method: com.example.pricing.PriceClient.quotes()
                    tll: 1m
                invalidate:
                  - method: com.example.pricing.PriceClient.update(java.lang.String, long)
                    namespaces: [price]
                    cacheKey: 0
                """);
        JvmProcess app = app("rules", dir, rules);
        String client = "com.example.pricing.PriceClient";
        assertEquals("ok sku-1=100", app.request("call " + client + " quote sku-1"));
        assertEquals("ok sku-1=100", app.request("call " + client + " quote sku-1"));
        assertEquals("ok sku-2=100", app.request("call " + client + " quote sku-2"));
        assertEquals("ok 2", app.request("call " + client + " quotes"), "the second quote of sku-1 was cached");

        app.request("call " + client + " update sku-1 250");
        assertEquals("ok sku-1=250", app.request("call " + client + " quote sku-1"), "the keyed write reached it");
        assertEquals("ok sku-2=100", app.request("call " + client + " quote sku-2"));
        assertEquals("ok 3", app.request("call " + client + " quotes"), "sku-2 was not invalidated by sku-1's write");

        app.request("call findL1 7");
        app.request("call findL1 7");
        assertEquals("1", app.request("runs findL1"));
        assertEquals("1", app.request("stat ruled L1Hits"), "cached in the rule's namespace: " + app.transcript());
        List<String> notice = app.awaitStderrMatching("the rule's notice", WAIT, l -> l.contains(
                "INFO tiered - dev.tiered.it.fixture.Products.findL1(long): the rule at " + rules + ":7 applies "
                        + "instead of its @Tiered"));
        assertEquals(1, notice.size(), app.transcript());
        assertTrue(app.stderr().stream().anyMatch(l -> l.contains("WARN tiered - rules file " + rules + ":12: "
                + "cache[2] has the unknown key tll (did you mean ttl?); the rule is left out.")), app.transcript());
    }

    /**
     * {@code java -jar tiered-agent.jar rules <pid> reload}: the file changed on disk (a TTL changed, a method added)
     * applies without a restart; the class is rewritten, its methods start with an empty L1.
     */
    @Test
    void aReloadChangesATtlAndAddsAMethodWithoutARestart(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                cache:
                  - method: com.example.pricing.PriceClient.quote(java.lang.String)
                    ttl: 10m
                    tier: L1
                    namespace: price
                """);
        JvmProcess app = app("rules-reload", dir, rules);
        String client = "com.example.pricing.PriceClient";
        app.request("call " + client + " quote sku-1");
        app.request("call " + client + " quote sku-1");
        assertEquals("ok 1", app.request("call " + client + " quotes"));
        String quoteMethod = "dev.tiered:type=Method,namespace=price,name=\"" + client + ".quote(java.lang.String)\"";
        assertEquals("10m", app.request("attribute " + quoteMethod + " Ttl"));

        Files.writeString(rules, """
                cache:
                  - method: com.example.pricing.PriceClient.quote(java.lang.String)
                    ttl: 90s
                    tier: L1
                    namespace: price
                  - method: com.example.pricing.PriceClient.quotes()
                    ttl: 10m
                    tier: L1
                    namespace: counts
                """);
        JvmProcess reload = jvms.track(JvmProcess.builder("rules-cli").jar(AgentJvms.agentJar(), "rules",
                Long.toString(app.pid()), "reload").start());
        assertEquals(0, reload.awaitExit(WAIT), reload.transcript());
        assertEquals("rules reloaded from " + rules + ": 2 cached and 0 invalidating methods named; 1 classes with "
                + "changed rules, 1 of them loaded and rewritten (" + client + ")", String.join("\n", reload.stdout()));

        assertEquals("90s", app.request("attribute " + quoteMethod + " Ttl"), "the TTL changed");
        app.request("call " + client + " quote sku-1"); // L1 started empty: loaded again
        assertEquals("ok 2", app.request("call " + client + " quotes"));
        app.request("call " + client + " quote sku-2");
        assertEquals("ok 2", app.request("call " + client + " quotes"), "the added rule caches quotes()");
        assertEquals("1", app.request("stat counts L1Hits"));
        assertEquals("1", app.request("stat price L1Hits"), "the namespace kept its counts: one hit before");
        assertTrue(app.stderr().stream().anyMatch(l -> l.contains("INFO tiered - rules reload requested by ")),
                app.transcript());
    }
}
