package dev.tiered.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules files: what they declare, and every malformed entry told on one line with the file, the line, what was wrong
 * and the accepted form, while the valid entries still apply.
 */
class RulesTest {
    @TempDir
    Path dir;

    private Rules rules(String yaml) throws Exception {
        Path file = dir.resolve("rules.yaml");
        Files.writeString(file, yaml);
        return Rules.read(file);
    }

    @Test
    void cacheAndInvalidateRulesWithTheAnnotationsAttributes() throws Exception {
        Rules r = rules("""
                cache:
                  - method: com.acme.pricing.PriceClient.quote(java.lang.String)
                    ttl: 30s
                    tier: l1_l2
                    namespace: price
                    cacheKey: 0
                  - method: com.acme.pricing.PriceClient.history(..)
                    ttl: 5m
                    l1Ttl: 10s
                  - method: com.acme.Outer$Inner.find(long, int[], java.util.List)
                    ttl: 1h
                    cacheKey: [0, 2]
                invalidate:
                  - method: com.acme.pricing.PriceClient.update(java.lang.String, java.math.BigDecimal)
                    namespaces: [price]
                    cacheKey: 0
                  - method: com.acme.pricing.PriceClient.clear()
                    namespaces: price
                """);
        assertEquals(List.of(), r.problems());
        Rules.Cache quote = r.cacheRule("com.acme.pricing.PriceClient", "quote", List.of("java.lang.String"));
        assertEquals("30s", quote.ttl());
        assertEquals("L1_L2", quote.tier());
        assertEquals("price", quote.namespace());
        assertEquals("", quote.l1Ttl());
        assertEquals(List.of(0), quote.cacheKeys());
        assertEquals(2, quote.origin().line());
        assertNull(r.cacheRule("com.acme.pricing.PriceClient", "quote", List.of("long")), "another overload");
        Rules.Cache history = r.cacheRule("com.acme.pricing.PriceClient", "history", List.of("long", "int"));
        assertEquals("L1_L2", history.tier(), "the annotation's default");
        assertEquals("", history.namespace());
        assertSame(history, r.cacheRule("com.acme.pricing.PriceClient", "history", List.of()), "(..): every overload");
        assertEquals(List.of(0, 2), r.cacheRule("com.acme.Outer$Inner", "find",
                List.of("long", "int[]", "java.util.List")).cacheKeys());
        Rules.Invalidate update = r.invalidateRule("com.acme.pricing.PriceClient", "update",
                List.of("java.lang.String", "java.math.BigDecimal"));
        assertEquals(List.of("price"), update.namespaces());
        assertEquals(List.of(0), update.cacheKeys());
        assertEquals(List.of("price"), r.invalidateRule("com.acme.pricing.PriceClient", "clear", List.of())
                .namespaces());
        assertTrue(r.namesClass("com.acme.pricing.PriceClient") && r.namesClass("com.acme.Outer$Inner"));
        assertFalse(r.namesClass("com.acme.pricing"));
    }

    /**
     * A star in the class's simple name takes every class of that package so named, never a nested or generated
     * class ($), never another package; a rule naming the class exactly comes before a pattern's. A star anywhere
     * else is refused with the accepted form.
     */
    @Test
    void aStarInTheSimpleNameTakesTheClassesOfItsPackageSoNamed() throws Exception {
        Rules r = rules("""
                cache:
                  - method: com.acme.repo.*Repository.find(long)
                    ttl: 1m
                  - method: com.acme.repo.ProductRepository.find(long)
                    ttl: 5m
                  - method: com.acme.repo.*.count()
                    ttl: 10s
                  - method: com.*.repo.Any.find(long)
                    ttl: 1m
                  - method: com.acme.**.find(long)
                    ttl: 1m
                  - method: com.acme.repo.Product*.fi*nd(long)
                    ttl: 1m
                invalidate:
                  - method: com.acme.repo.*Repository.save(..)
                    namespaces: [repo]
                """);
        Path file = dir.resolve("rules.yaml");
        String starForm = "; the rule is left out. Accepted: a package written out and * in the class's simple name "
                + "only, like com.acme.repo.*Repository.find(long)";
        assertEquals(List.of(
                "rules file " + file + ":8: cache[3].method \"com.*.repo.Any.find(long)\" has a * outside the class's "
                        + "simple name, or a **" + starForm,
                "rules file " + file + ":10: cache[4].method \"com.acme.**.find(long)\" has a * outside the class's "
                        + "simple name, or a **" + starForm,
                "rules file " + file + ":12: cache[5].method \"com.acme.repo.Product*.fi*nd(long)\" is malformed; "
                        + "the rule is left out. Accepted: " + Rules.METHOD_FORM), r.problems());
        assertEquals("1m", r.cacheRule("com.acme.repo.UserRepository", "find", List.of("long")).ttl());
        assertEquals("5m", r.cacheRule("com.acme.repo.ProductRepository", "find", List.of("long")).ttl(),
                "the rule naming the class exactly, though the pattern comes first");
        assertEquals("1m", r.cacheRule("com.acme.repo.Repository", "find", List.of("long")).ttl(), "* takes nothing");
        assertNull(r.cacheRule("com.acme.repo.UserRepository$$SpringCGLIB$$0", "find", List.of("long")),
                "a generated subclass is not taken: it would be cached a second time");
        assertNull(r.cacheRule("com.acme.repo.Outer$UserRepository", "find", List.of("long")), "nor a nested class");
        assertNull(r.cacheRule("com.acme.repo.sql.UserRepository", "find", List.of("long")), "nor a sub-package");
        assertNull(r.cacheRule("com.acme.repo.UserRepositoryImpl", "find", List.of("long")));
        assertEquals("10s", r.cacheRule("com.acme.repo.Anything", "count", List.of()).ttl());
        assertEquals(List.of("repo"), r.invalidateRule("com.acme.repo.OrderRepository", "save",
                List.of("long", "java.lang.String")).namespaces());
        assertTrue(r.namesClass("com.acme.repo.Anything") && r.namesClass("com.acme.repo.UserRepository"));
        assertFalse(r.namesClass("com.acme.repo.Outer$Inner") || r.namesClass("com.acme.repository.Anything")
                || r.namesClass("com.acme.Anything"));
        assertTrue(Rules.classMatches("com.acme.*Client*", "com.acme.PriceClientV2"));
        assertFalse(Rules.classMatches("com.acme.*Client", "com.acme.PriceClientV2"));
    }

    @Test
    void eachMalformedEntryIsOneLineWithFileAndLineAndTheValidOnesApply() throws Exception {
        Rules r = rules("""
                cache:
                  - method: com.acme.A.ok(long)
                    ttl: 1m
                  - method: com.acme.A.typo(long)
                    tll: 1m
                  - method: com.acme.A.noTtl(long)
                  - method: not a method
                    ttl: 1m
                  - method: com.acme.A.tier(long)
                    ttl: 1m
                    tier: L3
                  - method: com.acme.A.key(long)
                    ttl: 1m
                    cacheKey: 1
                  - method: com.acme.A.ok(long)
                    ttl: 2m
                  - method: java.lang.String.trim()
                    ttl: 1m
                  - method: com.acme.A.ttl(long)
                    ttl: forever
                  - just a string
                invalidate:
                  - method: com.acme.A.write(long)
                    namespaces: [a, {b: c}]
                caches: []
                """);
        Path file = dir.resolve("rules.yaml");
        List<String> expected = List.of(
                "rules file " + file + ":5: cache[1] has the unknown key tll (did you mean ttl?); the rule is left "
                        + "out. Accepted: cacheKey, l1Ttl, method, namespace, tier, ttl",
                "rules file " + file + ":6: cache[2] has no ttl; the rule is left out. Accepted: a duration as in "
                        + "@Tiered: 30s, 10m, 1h, 500ms",
                "rules file " + file + ":7: cache[3].method \"not a method\" is malformed; the rule is left out. "
                        + "Accepted: " + Rules.METHOD_FORM,
                "rules file " + file + ":11: cache[4].tier \"L3\" is malformed; the rule is left out. Accepted: L1, "
                        + "L2 or L1_L2 (any case)",
                "rules file " + file + ":14: cache[5].cacheKey \"1\" is not a parameter of the method; the rule is "
                        + "left out. Accepted: the parameter's position from 0 to 0, or a list of them",
                "rules file " + file + ":15: cache[6] names com.acme.A.ok(long) again; the rule at line 2 applies",
                "rules file " + file + ":17: cache[7].method \"java.lang.String.trim()\" is in java.*, which is "
                        + "never rewritten; the rule is left out. Accepted: methods of the application, its libraries "
                        + "and frameworks",
                "rules file " + file + ":20: cache[8].ttl \"forever\" is malformed; the rule is left out. Accepted: "
                        + Durations.ACCEPTED_FORM,
                "rules file " + file + ":21: cache[9] is not a mapping; left out. Accepted: - method: ... with its "
                        + "attributes below it",
                "rules file " + file + ":24: invalidate[0].namespaces has an entry that is not a name; the rule is "
                        + "left out. Accepted: a name or a list of names, like [price, quote]",
                "rules file " + file + ":25: unknown key caches at the top level, ignored (did you mean cache?). "
                        + "Accepted: cache, invalidate");
        assertEquals(expected, r.problems());
        assertEquals(List.of("ok"), r.cache().stream().map(Rules.Cache::methodName).toList());
        assertEquals("1m", r.cacheRule("com.acme.A", "ok", List.of("long")).ttl(), "the first rule of a method");
        assertTrue(r.invalidate().isEmpty());
    }

    @Test
    void aFileThatIsNotRulesIsOneLineAndNoRuleApplies() throws Exception {
        Path file = dir.resolve("rules.yaml");
        assertEquals(List.of("rules file " + file + ":2: is not YAML (mapping values are not allowed here); no rule "
                + "applies. Accepted: a YAML file with cache: and invalidate: lists"),
                rules("cache:\n  - method: a: b\n").problems());
        assertEquals(List.of("rules file " + file + ":1: the top level is not a mapping; no rule applies. Accepted: "
                + "cache: and invalidate:, each a list of rules"), rules("- a\n- b\n").problems());
        assertTrue(rules("").problems().isEmpty() && rules("").isEmpty(), "an empty file: no rules");
        Rules missing = Rules.read(dir.resolve("absent.yaml"));
        assertTrue(missing.isEmpty());
        assertEquals(1, missing.problems().size());
        assertTrue(missing.problems().get(0).startsWith("rules file " + dir.resolve("absent.yaml")
                + " cannot be read (java.nio.file.NoSuchFileException"), missing.problems().toString());
    }

    @Test
    void theSettingReadsTheFileAndItsProblemsAreTheConfigurations() throws Exception {
        Path file = dir.resolve("rules.yaml");
        Files.writeString(file, "cache:\n  - method: com.acme.A.find(long)\n    ttl: 1m\n    tier: L9\n");
        TieredConfig config = TieredConfig.from(Map.of("tiered.rules", file.toString()), Map.of());
        assertTrue(config.rules().isEmpty());
        assertEquals(List.of("rules file " + file + ":4: cache[0].tier \"L9\" is malformed; the rule is left out. "
                + "Accepted: L1, L2 or L1_L2 (any case)"), config.problems());
        TieredConfig env = TieredConfig.from(Map.of(), Map.of("TIERED_RULES", file.toString()));
        assertEquals(file, env.rules().file());
        assertSame(Rules.NONE, TieredConfig.from(Map.of(), Map.of()).rules());
    }
}
