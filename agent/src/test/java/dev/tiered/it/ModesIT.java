package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/** Without the agent, disabled, and without Redis. */
class ModesIT {
    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();

    private static void assertRunsEveryTime(JvmProcess app) {
        app.request("call update 50 fifty");
        app.request("call find 50");
        app.request("call find 50");
        assertEquals("2", app.request("runs find"), app.transcript());
    }

    @Test
    void withoutTheAgentTheAnnotationsDoNothing() {
        JvmProcess app = jvms.track(jvms.builder("no-agent").main(FixtureApp.class.getName()).start());
        assertRunsEveryTime(app);
        assertEquals("absent", app.request("stat products L1Hits"));
        assertEquals(List.of(), app.stderr());
    }

    /** {@code OFF}: a spelling people type; {@code of}: a kill switch that cannot be read, which fails safe. */
    @ParameterizedTest
    @ValueSource(strings = {"OFF", "of"})
    void disabledTheAgentTransformsNothingAndConnectsToNothing(String value) {
        try (RedisServer redis = RedisServer.start()) {
            JvmProcess app = jvms.withAgent("disabled-" + value, "tiered.enabled=" + value,
                    "tiered.redis.uri=" + redis.uri());
            assertRunsEveryTime(app);
            assertEquals("absent", app.request("stat products L1Hits"));
            assertTrue(app.stderr().stream().anyMatch(l -> l.endsWith(
                    "INFO tiered - tiered 0.1.0-SNAPSHOT is disabled by tiered.enabled: no class is transformed")),
                    app.transcript());
            boolean told = app.stderr().stream().anyMatch(l -> l.endsWith("WARN tiered - property tiered.enabled = \""
                    + value + "\" is malformed; accepted: true/false, on/off or yes/no, in any case. Using false: "
                    + "tiered is disabled, since a kill switch that cannot be read fails safe."));
            assertEquals(value.equals("of"), told, app.transcript());
            String clients = (String) redis.command("CLIENT", "LIST");
            assertFalse(clients.contains("name=tiered"), clients);
        }
    }

    @Test
    void withoutRedisTheAgentCachesAndInvalidatesWithinTheJvm() {
        JvmProcess app = jvms.withAgent("l1-only");
        app.request("call update 51 old");
        assertEquals("ok old", app.request("call find 51"));
        assertEquals("ok old", app.request("call find 51"));
        assertEquals("1", app.request("runs find"));
        app.request("call update 51 new");
        assertEquals("ok new", app.request("call find 51"));
        assertEquals("ok new", app.request("call findL2 51"), "L2-tier methods simply run without Redis");
        assertEquals(1, app.stderrMatching(l -> l.endsWith("INFO tiered - no tiered.redis.uri set: caching in L1 only, "
                + "and invalidations reach this JVM only")).size(), app.transcript());
        Await.until("the agent to finish starting", Duration.ofSeconds(30),
                () -> !app.stderrMatching(l -> l.matches(".* INFO tiered - tiered \\S+ active")).isEmpty());
        String namespaces = Await.value("the runtime's MBean", Duration.ofSeconds(30), () -> {
            String reply = app.request("namespaces");
            return reply.equals("absent") ? null : reply;
        });
        assertTrue(namespaces.contains("products"), namespaces);
        assertFalse(namespaces.contains("Rehearsal"), "the start-up rehearsal registers nothing: " + namespaces);
        assertTrue(app.stderr().stream().allMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO tiered - .*")),
                "the agent adds its own start-up lines and nothing else: no JVM or library warnings\n"
                        + app.transcript());
    }

    @Test
    void staleIfErrorReturnsARecentlyExpiredValueInsteadOfTheMethodsException() {
        JvmProcess app = jvms.withAgent("stale-if-error", "tiered.staleIfError=1m");
        String quotes = "dev.tiered.it.fixture.Quotes";
        assertEquals("ok quote-1-1", app.request("call " + quotes + " quote 1"));
        assertEquals("ok 101", app.request("call " + quotes + " price 1"));
        app.request("call " + quotes + " down 1");
        Await.until("calls to run the failing method once the entries are due", Duration.ofSeconds(10), () -> {
            assertEquals("ok quote-1-1", app.request("call " + quotes + " quote 1"), app.transcript());
            assertEquals("ok 101", app.request("call " + quotes + " price 1"), app.transcript());
            return Integer.parseInt(app.request("runs quote")) > 1 && Integer.parseInt(app.request("runs price")) > 1;
        });
        assertTrue(Long.parseLong(app.request("stat quotes StaleServed")) >= 2, app.transcript());
        assertEquals("threw java.lang.IllegalStateException quote service down",
                app.request("call " + quotes + " quote 2"), "nothing to fall back on: the exception stands");
        app.request("call " + quotes + " down 0");
        assertTrue(app.request("call " + quotes + " quote 1").startsWith("ok quote-1-"), app.transcript());
    }

    @Test
    void verifyModeFindsAWriteThatLacksInvalidates() {
        JvmProcess app = jvms.withAgent("verify", "tiered.verify.rate=1");
        app.request("call update 70 old");
        assertEquals("ok old", app.request("call find 70"));
        assertEquals("ok old", app.request("call find 70"), "verified: the method agrees with the cache");
        // the record changes behind the cache's back: no @Invalidates method runs
        app.request("call dev.tiered.it.fixture.FileStore write product-70 new");
        assertEquals("ok new", app.request("call find 70"), "the verified hit returns what the method returns now");
        assertEquals("1", app.request("stat products VerifyMismatches"), app.transcript());
        assertEquals(1, app.awaitStderrMatching("the mismatch", Duration.ofSeconds(10),
                l -> l.contains("WARN tiered - verify: dev.tiered.it.fixture.Products"
                + ".find(long) in namespace products returned a value that differs from the cached one for key #"))
                .size(), app.transcript());
    }

    @Test
    void provenanceTellsTheApplicationWhereACallWasServedFrom() {
        JvmProcess app = jvms.withAgent("provenance", "tiered.provenance=true");
        app.request("call update 71 seventy-one");
        assertEquals("none", app.request("provenance"), "update is not a cached call");
        app.request("call find 71");
        assertTrue(app.request("provenance").matches(
                "METHOD products dev\\.tiered\\.it\\.fixture\\.Products\\.find\\(long\\) age=0ms version=-?\\d+"),
                app.transcript());
        app.request("call find 71");
        assertTrue(app.request("provenance").startsWith("L1 products dev.tiered.it.fixture.Products.find(long) age="),
                app.transcript());
        JvmProcess off = jvms.withAgent("no-provenance");
        off.request("call find 71");
        assertEquals("none", off.request("provenance"), "off unless asked for");
    }
}
