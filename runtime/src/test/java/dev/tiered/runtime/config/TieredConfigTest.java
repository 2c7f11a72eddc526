package dev.tiered.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tiered.Tier;

class TieredConfigTest {

    private static TieredConfig props(Map<String, String> properties) {
        return TieredConfig.from(properties, Map.of());
    }

    @Test
    void defaultsNeedNoSettingAndMeanL1Only() {
        TieredConfig c = props(Map.of());
        assertTrue(c.enabled());
        assertNull(c.redis());
        assertEquals("tiered", c.keyPrefix());
        assertEquals(10_000, c.l1MaxEntries());
        assertEquals(Duration.ofMillis(250), c.redisTimeout());
        assertEquals(Duration.ofSeconds(10), c.l1MaxStaleness());
        assertTrue(c.cacheNulls());
        assertEquals(List.of(), c.problems());
    }

    @Test
    void readsEverySetting() {
        TieredConfig c = props(Map.ofEntries(
                Map.entry("tiered.enabled", "false"),
                Map.entry("tiered.redis.uri", "redis://127.0.0.1:7000/1"),
                Map.entry("tiered.redis.timeout", "100ms"),
                Map.entry("tiered.redis.connectTimeout", "2s"),
                Map.entry("tiered.redis.poolSize", "4"),
                Map.entry("tiered.redis.keyPrefix", "shop"),
                Map.entry("tiered.l1.maxEntries", "500"),
                Map.entry("tiered.l1.maxBytes", "64MB"),
                Map.entry("tiered.l1.maxStaleness", "30s"),
                Map.entry("tiered.l2.maxValueBytes", "4096"),
                Map.entry("tiered.cacheNulls", "FALSE"),
                Map.entry("tiered.coalesce.maxWait", "5s"),
                Map.entry("tiered.codec.allow", "com.acme.model, com.acme.Money"),
                Map.entry("tiered.bus.heartbeat", "2s"),
                Map.entry("tiered.log.level", "DEBUG")));
        assertEquals(List.of(), c.problems());
        assertFalse(c.enabled());
        assertEquals(7000, c.redis().port());
        assertEquals(1, c.redis().database());
        assertEquals(Duration.ofMillis(100), c.redisTimeout());
        assertEquals(Duration.ofSeconds(2), c.redisConnectTimeout());
        assertEquals(4, c.redisPoolSize());
        assertEquals("shop", c.keyPrefix());
        assertEquals(500, c.l1MaxEntries());
        assertEquals(64L << 20, c.l1MaxBytes());
        assertEquals(Duration.ofSeconds(30), c.l1MaxStaleness());
        assertEquals(4096, c.l2MaxValueBytes());
        assertFalse(c.cacheNulls());
        assertEquals(Duration.ofSeconds(5), c.coalesceMaxWait());
        assertEquals(List.of("com.acme.model", "com.acme.Money"), c.codecAllow());
        assertEquals(Duration.ofSeconds(2), c.busHeartbeat());
        assertEquals("debug", c.logLevel());
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("tiered.enabled", "maybe", "true/false, on/off or yes/no, in any case"),
                Arguments.of("tiered.redis.uri", "localhost:6379", "redis://[user:password@]host"),
                Arguments.of("tiered.redis.timeout", "250", "ISO-8601"),
                Arguments.of("tiered.redis.connectTimeout", "-1s", "ISO-8601"),
                Arguments.of("tiered.redis.poolSize", "0", "a whole number from 1 to 1024"),
                Arguments.of("tiered.redis.keyPrefix", "my prefix", "1 to 64 letters, digits or . _ -"),
                Arguments.of("tiered.redis.trustStore", "/no/such/truststore.p12", "a readable PKCS12 or JKS file"),
                Arguments.of("tiered.redis.keyStore", "/no/such/keystore.p12", "a readable PKCS12 or JKS file"),
                Arguments.of("tiered.l1.maxEntries", "ten", "a whole number from 1 to"),
                Arguments.of("tiered.l1.maxStaleness", "forever", "ISO-8601"),
                Arguments.of("tiered.l1.maxBytes", "lots", "a number of bytes from 0 to"),
                Arguments.of("tiered.l2.maxValueBytes", "1TB", "a number of bytes from 64 to 512MB"),
                Arguments.of("tiered.l2.writeBehindBytes", "16 megabytes", "optionally with a unit KB, MB or GB"),
                Arguments.of("tiered.cacheNulls", "0", "true/false, on/off or yes/no, in any case"),
                Arguments.of("tiered.coalesce.maxWait", "30", "ISO-8601"),
                Arguments.of("tiered.codec.allow", "com.acme.*", "a comma-separated list of package or class names"),
                Arguments.of("tiered.bus.heartbeat", "1 s", "ISO-8601"),
                Arguments.of("tiered.log.level", "verbose", "error, warn, info, debug or trace"),
                Arguments.of("tiered.refreshAhead", "0.05", "a decimal number from 0.1 to 1"),
                Arguments.of("tiered.stampede.lease", "half a second", "ISO-8601"),
                Arguments.of("tiered.breaker.failures", "0", "a whole number from 1 to 1000"),
                Arguments.of("tiered.breaker.probeInterval", "500", "ISO-8601"),
                Arguments.of("tiered.staleIfError", "forever", "0 (off) or a positive whole number with a unit"),
                Arguments.of("tiered.verify.rate", "1%", "a decimal number from 0 (off) to 1 (every hit)"),
                Arguments.of("tiered.codec", "json", "auto, fields or java"),
                Arguments.of("tiered.provenance", "enabled", "true/false, on/off or yes/no, in any case"),
                Arguments.of("tiered.otel.spans", "y", "true/false, on/off or yes/no, in any case"),
                Arguments.of("tiered.l1.budget", "95%", "a percentage of the maximum heap from 1% to 90%"),
                Arguments.of("tiered.trace", "/no/such/directory/calls.trace", "a file in a directory that exists"),
                Arguments.of("tiered.rules", "/no/such/rules.yaml", "the path of a readable YAML rules file"),
                Arguments.of("tiered.advise", "java.util.**", "comma-separated patterns of classes"),
                Arguments.of("tiered.advise.only", "observe", "true/false, on/off or yes/no, in any case"),
                Arguments.of("tiered.metrics.port", "65536", "a whole number from 0 to 65535 (0: any free port)"),
                Arguments.of("tiered.metrics.host", "http://0.0.0.0", "an IP address or host name of this machine"),
                Arguments.of("tiered.metrics.logInterval", "60", "ISO-8601"),
                Arguments.of("tiered.ns.product.ttl", "10 minutes", "ISO-8601"),
                Arguments.of("tiered.ns.product.l1Ttl", "0s", "ISO-8601"),
                Arguments.of("tiered.ns.product.tier", "L3", "L1, L2 or L1_L2"),
                Arguments.of("tiered.ns.product.enabled", "disabled", "true/false, on/off or yes/no, in any case"),
                Arguments.of("tiered.ns.product.cacheNulls", "nope", "true/false, on/off or yes/no, in any case"),
                Arguments.of("tiered.ns.product.l1.maxEntries", "-3", "a whole number from 1 to"),
                Arguments.of("tiered.ns.product.l1.maxBytes", "-1KB", "a number of bytes from 0 to"),
                Arguments.of("tiered.ns.product.verify.rate", "2", "a decimal number from 0 (off) to 1"),
                Arguments.of("tiered.ns.product.codec", "kryo", "auto, fields or java"),
                Arguments.of("tiered.ns.product.l1.budgetFloor", "a lot", "a number of bytes from 0 to"),
                Arguments.of("tiered.ns.product.l1.budgetCap", "-1MB", "a number of bytes from 0 to"),
                Arguments.of("tiered.ns.product.target.hitRatio", "90%", "a decimal number from 0 to 1"),
                Arguments.of("tiered.ns.product.target.loadTime", "0ms", "a duration of at least 1ms"));
    }

    @Test
    void agentArgumentsAreSettingsSeparatedBySemicolonsAndAMalformedOneIsNamed() {
        List<String> problems = new java.util.ArrayList<>();
        assertEquals(Map.of("tiered.advise", "com.acme.**,com.shop.*", "tiered.advise.only", "true"),
                TieredConfig.agentArguments("tiered.advise=com.acme.**,com.shop.*; ;tiered.advise.only=true;"
                        + "advise=com.x.*;tiered.=1;tiered.enabled", problems));
        assertEquals(List.of(
                "agent argument \"advise=com.x.*\" is malformed and ignored; accepted: " + TieredConfig
                        .AGENT_ARGUMENTS_FORM,
                "agent argument \"tiered.=1\" is malformed and ignored; accepted: " + TieredConfig.AGENT_ARGUMENTS_FORM,
                "agent argument \"tiered.enabled\" is malformed and ignored; accepted: "
                        + TieredConfig.AGENT_ARGUMENTS_FORM), problems);
        assertEquals(Map.of(), TieredConfig.agentArguments(null, problems));
        assertTrue(props(Map.of("tiered.advise.only", "yes")).adviseOnly());
        assertTrue(!props(Map.of()).adviseOnly());
    }

    @Test
    void everyPropertyAndEveryNamespaceSettingHasAMalformedValueInTheTable() {
        Set<String> covered = malformed()
                .map(row -> ((String) row.get()[0]).replace("tiered.ns.product.", "tiered.ns.<namespace>."))
                .collect(Collectors.toSet());
        // a password has no form to be malformed; a wrong one is told on its store (RedisTlsTest), never shown
        List<String> missing = TieredConfig.knownProperties().stream()
                .filter(p -> !covered.contains(p) && !TieredConfig.SECRETS.contains(p)).toList();
        assertEquals(List.of(), missing, "properties without a row in malformed()");
    }

    static Stream<Arguments> misspelled() {
        return TieredConfig.knownProperties().stream().map(property -> {
            // the last character dropped: "tiered.redis.timeou", "tiered.ns.product.l1Tt"
            String name = property.replace("<namespace>", "product");
            String suggestion = property.contains("<namespace>.")
                    ? property.substring(property.indexOf("<namespace>.") + "<namespace>.".length()) : property;
            return Arguments.of(name.substring(0, name.length() - 1), suggestion);
        });
    }

    @ParameterizedTest
    @MethodSource("misspelled")
    void aMisspelledPropertyGetsOneWarningWithTheClosestKnownName(String name, String suggestion) {
        TieredConfig c = props(Map.of(name, "1"));
        assertEquals(1, c.problems().size(), c.problems().toString());
        String line = c.problems().get(0);
        assertTrue(line.startsWith("property " + name + " is unknown and ignored") && line.endsWith(
                "did you mean " + suggestion + "?"), line);
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void aMalformedValueGetsOneLineNamingThePropertyTheValueAndTheAcceptedForm(String property, String value,
                                                                              String acceptedForm) {
        TieredConfig c = props(Map.of(property, value));
        assertEquals(1, c.problems().size(), c.problems().toString());
        String line = c.problems().get(0);
        assertFalse(line.contains("\n"));
        assertTrue(line.startsWith("property " + property + " = \"" + value + "\" is malformed"), line);
        assertTrue(line.contains("accepted: ") && line.contains(acceptedForm), line);
        // what applies instead is said in words an operator knows, never as an internal value such as -1 or 0
        assertFalse(line.matches(".*Using (-1|0|0\\.0|none)\\.$"), line);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"true,true", "TRUE,true", "on,true", "On,true", "yes,true",
            "YES,true", "false,false", "False,false", "off,false", "OFF,false", "no,false", "No,false"})
    void booleanSettingsTakeTheSpellingsPeopleType(String value, boolean meant) {
        TieredConfig c = props(Map.of("tiered.enabled", value, "tiered.cacheNulls", value,
                "tiered.ns.product.enabled", value));
        assertEquals(List.of(), c.problems());
        assertEquals(meant, c.enabled());
        assertEquals(meant, c.cacheNulls());
        assertEquals(meant, c.namespace("product").enabled());
    }

    @Test
    void aKillSwitchThatCannotBeReadFailsSafeAndSaysSo() {
        TieredConfig c = props(Map.of("tiered.enabled", "0FF", "tiered.ns.product.enabled", "disable"));
        assertFalse(c.enabled());
        assertEquals(Boolean.FALSE, c.namespace("product").enabled());
        assertEquals(2, c.problems().size(), c.problems().toString());
        assertTrue(c.problems().stream().anyMatch(l -> l.startsWith("property tiered.enabled = \"0FF\" is malformed")
                && l.endsWith("Using false: tiered is disabled, since a kill switch that cannot be read fails safe.")),
                c.problems().toString());
        assertTrue(c.problems().stream().anyMatch(l -> l.contains("tiered.ns.product.enabled = \"disable\"")
                && l.endsWith("Using false: the namespace runs uncached (an unreadable switch fails safe).")),
                c.problems().toString());
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void aMalformedEnvironmentVariableIsNamedAsSuch(String property, String value, String acceptedForm) {
        String env = property.startsWith("tiered.ns.product.")
                ? "TIERED_NS_PRODUCT_" + TieredConfig.envName(property.substring("tiered.ns.product.".length()))
                : TieredConfig.envName(property);
        TieredConfig c = TieredConfig.from(Map.of(), Map.of(env, value));
        assertEquals(1, c.problems().size(), c.problems().toString());
        assertTrue(c.problems().get(0).startsWith("environment variable " + env + " = \"" + value + "\""),
                c.problems().get(0));
    }

    @Test
    void aMalformedValueFallsBackToTheDefault() {
        TieredConfig c = props(Map.of("tiered.l1.maxEntries", "many", "tiered.redis.timeout", "soon"));
        assertEquals(10_000, c.l1MaxEntries());
        assertEquals(Duration.ofMillis(250), c.redisTimeout());
        assertTrue(c.problems().stream().anyMatch(p -> p.contains("maxEntries") && p.endsWith("Using 10000.")),
                c.problems().toString());
        assertTrue(c.problems().stream().anyMatch(p -> p.contains("timeout") && p.endsWith("Using 250ms.")),
                c.problems().toString());
    }

    @Test
    void aMalformedRedisUriNeverShowsItsPassword() {
        TieredConfig c = props(Map.of("tiered.redis.uri", "redis://app:hunter2@host:port"));
        assertNull(c.redis());
        assertFalse(c.problems().get(0).contains("hunter2"), c.problems().get(0));
        assertFalse(c.summary().contains("hunter2"));
    }

    @Test
    void aWellFormedUriOfWhatThisVersionCannotReachSaysSo() {
        TieredConfig c = props(Map.of("tiered.redis.uri", "rediss-sentinel://:hunter2@10.0.0.1/orders"));
        assertNull(c.redis());
        String line = c.problems().get(0);
        assertTrue(line.contains("is not supported by this version; accepted: " + RedisEndpoint.ACCEPTED_FORM
                + ". Using none: caching in L1 only."), line);
        assertFalse(line.contains("hunter2") || line.contains("malformed"), line);
    }

    @Test
    void environmentVariablesStandInForAbsentPropertiesOnly() {
        TieredConfig c = TieredConfig.from(Map.of("tiered.l1.maxEntries", "7"),
                Map.of("TIERED_L1_MAXENTRIES", "9", "TIERED_REDIS_KEYPREFIX", "fromenv"));
        assertEquals(7, c.l1MaxEntries());
        assertEquals("fromenv", c.keyPrefix());
        assertEquals(List.of(), c.problems());
    }

    @Test
    void unknownSettingsAreReportedWithTheClosestKnownName() {
        TieredConfig c = TieredConfig.from(Map.of("tiered.redis.url", "redis://x", "tiered.l1.maxEntry", "5"),
                Map.of("TIERED_REDIS_TIMEOT", "1s", "TIERED_HOME_UNRELATED_TO_ANYTHING", "x"));
        assertEquals(4, c.problems().size(), c.problems().toString());
        assertTrue(c.problems().contains(
                "property tiered.l1.maxEntry is unknown and ignored; did you mean tiered.l1.maxEntries?"),
                c.problems().toString());
        assertTrue(c.problems().contains(
                "property tiered.redis.url is unknown and ignored; did you mean tiered.redis.uri?"),
                c.problems().toString());
        assertTrue(c.problems().contains("environment variable TIERED_REDIS_TIMEOT is unknown and ignored; did you "
                + "mean TIERED_REDIS_TIMEOUT?"), c.problems().toString());
        assertTrue(c.problems().contains("environment variable TIERED_HOME_UNRELATED_TO_ANYTHING is unknown and "
                + "ignored."), c.problems().toString());
    }

    @Test
    void aNamespaceSettingUnderItsOldNameStillAppliesWithOneLineNamingTheNewOne() {
        TieredConfig c = TieredConfig.from(
                Map.of("tiered.ns.product.l1MaxEntries", "7", "tiered.ns.catalog.v2.l1MaxBytes", "1MB"),
                Map.of("TIERED_NS_ORDERS_L1MAXENTRIES", "9"));
        assertEquals(List.of(
                "property tiered.ns.catalog.v2.l1MaxBytes is deprecated; use property "
                        + "tiered.ns.catalog.v2.l1.maxBytes (it applies meanwhile).",
                "property tiered.ns.product.l1MaxEntries is deprecated; use property "
                        + "tiered.ns.product.l1.maxEntries (it applies meanwhile).",
                "environment variable TIERED_NS_ORDERS_L1MAXENTRIES is deprecated; use environment variable "
                        + "TIERED_NS_ORDERS_L1_MAXENTRIES (it applies meanwhile)."), c.problems());
        assertEquals(7L, c.namespace("product").l1MaxEntries());
        assertEquals(1L << 20, c.namespace("catalog.v2").l1MaxBytes());
        assertEquals(9L, c.namespace("orders").l1MaxEntries());
    }

    @Test
    void theNewNameWinsOverTheOldOneForTheSameNamespace() {
        TieredConfig c = props(Map.of("tiered.ns.product.l1MaxEntries", "7", "tiered.ns.product.l1.maxEntries", "8"));
        assertEquals(8L, c.namespace("product").l1MaxEntries());
        assertEquals(1, c.problems().size(), c.problems().toString());
    }

    @Test
    void namespaceOverridesComeFromPropertiesThenTheEnvironment() {
        TieredConfig c = TieredConfig.from(
                Map.of("tiered.ns.com.acme.ProductRepository.ttl", "5m", "tiered.ns.product.tier", "l1"),
                Map.of("TIERED_NS_PRODUCT_TIER", "L2", "TIERED_NS_PRODUCT_L1TTL", "30s",
                        "TIERED_NS_PRODUCT_L1_MAXBYTES", "1GB",
                        "TIERED_NS_COM_ACME_PRODUCTREPOSITORY_ENABLED", "false"));
        assertEquals(List.of(), c.problems());
        NamespaceSettings product = c.namespace("product");
        assertEquals(Tier.L1, product.tier());
        assertEquals(Duration.ofSeconds(30), product.l1Ttl());
        assertEquals(1L << 30, product.l1MaxBytes());
        assertNull(product.ttl());
        NamespaceSettings repo = c.namespace("com.acme.ProductRepository");
        assertEquals(Duration.ofMinutes(5), repo.ttl());
        assertEquals(Boolean.FALSE, repo.enabled());
        assertEquals(NamespaceSettings.NONE, c.namespace("other"));
    }

    @Test
    void unknownNamespaceSettingsAreReported() {
        TieredConfig c = props(Map.of("tiered.ns.product.tll", "5m", "tiered.ns.bad namespace.ttl", "5m"));
        assertEquals(2, c.problems().size(), c.problems().toString());
        assertTrue(c.problems().get(0).contains("bad namespace") && c.problems().get(0).contains("malformed"),
                c.problems().get(0));
        assertTrue(c.problems().get(1).contains("tiered.ns.product.tll is unknown")
                && c.problems().get(1).contains("did you mean ttl?"), c.problems().get(1));
    }

    @Test
    void everyKnownPropertyHasItsEnvironmentForm() {
        for (String property : TieredConfig.knownProperties()) {
            if (!property.contains("<")) {
                TieredConfig c = TieredConfig.from(Map.of(), Map.of(TieredConfig.envName(property), "x"));
                assertFalse(c.problems().stream().anyMatch(p -> p.contains("unknown")), property + " " + c.problems());
            }
        }
    }
}
