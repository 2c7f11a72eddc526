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

    /**
     * A library's interface, its implementation, and its callers: one through the implementation, one through a JDK
     * proxy that answers itself, sharing the data.
     */
    private static final String RATE_SOURCE = """
            package com.example.pricing;

            public interface RateSource {
                String rate(String currency);

                void set(String currency, long rate);
            }
            """;
    private static final String RATES = """
            package com.example.pricing;

            import java.lang.reflect.Proxy;
            import java.util.Map;
            import java.util.concurrent.ConcurrentHashMap;
            import java.util.concurrent.atomic.AtomicInteger;

            public class Rates {
                static final Map<String, Long> RATES = new ConcurrentHashMap<>();
                static final AtomicInteger LOOKUPS = new AtomicInteger();
                private static final RateSource DIRECT = new Fixed();
                // answers itself, as Spring Data's repository proxies do: nothing behind it implements RateSource
                private static final RateSource PROXIED = (RateSource) Proxy.newProxyInstance(
                        RateSource.class.getClassLoader(), new Class<?>[] {RateSource.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("rate")) {
                                return lookup((String) args[0]);
                            }
                            RATES.put((String) args[0], (Long) args[1]);
                            return null;
                        });

                static String lookup(String currency) {
                    LOOKUPS.incrementAndGet();
                    return currency + "=" + RATES.getOrDefault(currency, 1L);
                }

                static final class Fixed implements RateSource {
                    @Override
                    public String rate(String currency) {
                        return lookup(currency);
                    }

                    @Override
                    public void set(String currency, long rate) {
                        RATES.put(currency, rate);
                    }
                }

                public String direct(String currency) {
                    return DIRECT.rate(currency);
                }

                public String proxied(String currency) {
                    return PROXIED.rate(currency);
                }

                public void set(String currency, long rate) {
                    PROXIED.set(currency, rate);
                }

                public int lookups() {
                    return LOOKUPS.get();
                }
            }
            """;
    /** An interface in a package of a well-known library, as Spring Data's {@code CrudRepository} is. */
    private static final String LOOKUP = """
            package org.apache.example;

            public interface Lookup {
                String lookup(String key);
            }
            """;
    private static final String NAMES = """
            package com.example.pricing;

            import java.util.concurrent.atomic.AtomicInteger;

            public class Names implements org.apache.example.Lookup {
                private static final AtomicInteger LOOKUPS = new AtomicInteger();

                @Override
                public String lookup(String key) {
                    return key + "#" + LOOKUPS.incrementAndGet();
                }
            }
            """;

    /** The library's jar, compiled from source here. */
    private static Path libraryJar(Path dir) throws IOException {
        List<String> sources = new java.util.ArrayList<>(List.of("--release", "17", "-d",
                dir.resolve("classes").toString()));
        for (String source : List.of(LIBRARY, RATE_SOURCE, RATES, LOOKUP, NAMES)) {
            java.util.regex.Matcher name = java.util.regex.Pattern.compile(
                    "package ([\\w.]+);[\\s\\S]*?public (?:class|interface) (\\w+)").matcher(source);
            assertTrue(name.find(), source);
            Path src = dir.resolve("src/" + name.group(1).replace('.', '/') + "/" + name.group(2) + ".java");
            Files.createDirectories(src.getParent());
            Files.writeString(src, source);
            sources.add(src.toString());
        }
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, sources.toArray(String[]::new)));
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
     * A rule on an interface's method caches it in the classes that implement the interface, JDK proxies included,
     * as one cached method: a call through one implementation is served the entry another's call loaded, and a write
     * through the proxy invalidates both. A rule on an interface of a well-known library's package is
     * refused with one line: unrelated implementations would share one cache.
     */
    @Test
    void anInterfaceRuleCachesItsImplementationsAndProxiesAsOneMethod(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                cache:
                  - method: com.example.pricing.RateSource.rate(java.lang.String)
                    ttl: 10m
                    tier: L1
                    namespace: rate
                    cacheKey: 0
                  - method: org.apache.example.Lookup.lookup(java.lang.String)
                    ttl: 10m
                    tier: L1
                invalidate:
                  - method: com.example.pricing.RateSource.set(java.lang.String, long)
                    namespaces: [rate]
                    cacheKey: 0
                """);
        JvmProcess app = app("rules-interface", dir, rules);
        String rates = "com.example.pricing.Rates";
        assertEquals("ok EUR=1", app.request("call " + rates + " proxied EUR"));
        assertEquals("ok 1", app.request("call " + rates + " lookups"));
        assertEquals("ok EUR=1", app.request("call " + rates + " proxied EUR"));
        assertEquals("ok EUR=1", app.request("call " + rates + " direct EUR"));
        assertEquals("ok 1", app.request("call " + rates + " lookups"), "served from the one cached method");
        assertEquals("ok USD=1", app.request("call " + rates + " direct USD"));
        assertEquals("ok 2", app.request("call " + rates + " lookups"));

        app.request("call " + rates + " set EUR 3"); // through the proxy: a keyed write
        assertEquals("ok EUR=3", app.request("call " + rates + " direct EUR"), "the keyed write reached it");
        assertEquals("ok USD=1", app.request("call " + rates + " proxied USD"));
        assertEquals("ok 3", app.request("call " + rates + " lookups"), "USD was not invalidated by EUR's write");
        assertEquals("3", app.request("stat rate L1Hits"), "counted in the rule's namespace: " + app.transcript());
        String method = "dev.tiered:type=Method,namespace=rate,name=\"com.example.pricing.RateSource.rate("
                + "java.lang.String)\"";
        assertEquals("10m", app.request("attribute " + method + " Ttl"), "named after the interface");

        String names = "com.example.pricing.Names";
        assertEquals("ok a#1", app.request("call " + names + " lookup a"));
        assertEquals("ok a#2", app.request("call " + names + " lookup a"), "the library interface's rule is refused");
        List<String> refused = app.awaitStderrMatching("the refusal", WAIT, l -> l.contains("WARN tiered - rules "
                + "file " + rules + ":7: org.apache.example.Lookup.lookup(java.lang.String) is left out: "
                + "org.apache.example.Lookup is an interface of a well-known library, implemented by unrelated "
                + "classes whose results would share one cache; accepted: an interface of the application that "
                + "extends it, such as com.acme.ProductRepository.lookup(java.lang.String)"));
        assertEquals(1, refused.size(), app.transcript());
    }

    /**
     * {@code java -jar tiered-agent.jar rules <pid> reload}: the file changed on disk (a TTL changed, a method added
     * by a class pattern) applies without a restart; the class is rewritten, its methods start with an empty L1.
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
                  - method: com.example.pricing.*Client.quotes()
                    ttl: 10m
                    tier: L1
                    namespace: counts
                  - method: com.example.pricing.Na*s.lookup(java.lang.String)
                    ttl: 10m
                    tier: L1
                    namespace: names
                """);
        JvmProcess reload = jvms.track(JvmProcess.builder("rules-cli").jar(AgentJvms.agentJar(), "rules",
                Long.toString(app.pid()), "reload").start());
        assertEquals(0, reload.awaitExit(WAIT), reload.transcript());
        assertEquals("rules reloaded from " + rules + ": 3 cached and 0 invalidating methods named; rules changed "
                + "for com.example.pricing.*Client, com.example.pricing.Na*s, " + client + "; 1 loaded class "
                + "rewritten", String.join("\n", reload.stdout()));

        assertEquals("90s", app.request("attribute " + quoteMethod + " Ttl"), "the TTL changed");
        app.request("call " + client + " quote sku-1"); // L1 started empty: loaded again
        assertEquals("ok 2", app.request("call " + client + " quotes"));
        app.request("call " + client + " quote sku-2");
        assertEquals("ok 2", app.request("call " + client + " quotes"), "the added pattern rule caches quotes()");
        assertEquals("1", app.request("stat counts L1Hits"));
        assertEquals("1", app.request("stat price L1Hits"), "the namespace kept its counts: one hit before");
        String names = "com.example.pricing.Names"; // loaded after the reload, named by no rule but the pattern
        assertEquals("ok a#1", app.request("call " + names + " lookup a"));
        assertEquals("ok a#1", app.request("call " + names + " lookup a"), "the pattern's rule caches it");
        assertTrue(app.stderr().stream().anyMatch(l -> l.contains("INFO tiered - rules reload requested by ")),
                app.transcript());
    }
}
