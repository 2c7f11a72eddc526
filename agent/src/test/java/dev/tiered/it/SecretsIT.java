package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/**
 * The password in {@code tiered.redis.uri} appears in nothing a JVM with the agent prints or exposes, with every
 * logger of the agent at its most verbose ({@code tiered.log.level=trace}, Jedis's own loggers at trace too, so
 * that faults are logged with their stack traces): in no line of stdout or stderr and in no attribute of any
 * {@code dev.tiered} MBean, read after each phase of a healthy run, a Redis stopped and restarted mid-run, and a
 * wrong password.
 */
class SecretsIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** In both passwords, so that any trace of one, whole or in part, encoded or not, is found. */
    private static final String MARK = "Vw9";
    private static final String PASSWORD = "s3cr:t@Vw9/Zp";
    private static final String WRONG_PASSWORD = "wr0ng@Vw9";

    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();
    private static RedisServer redis;

    @BeforeAll
    static void start() {
        redis = jvms.own(RedisServer.start("--user", "app", "on", ">" + PASSWORD, "~*", "&*", "+@all"));
    }

    /** An agent JVM on this class's Redis as user app with {@code password}, logging all it can. */
    private static JvmProcess verbose(String name, String password, String... settings) {
        List<String> all = new ArrayList<>(List.of(
                "tiered.redis.uri=redis://app:" + URLEncoder.encode(password, StandardCharsets.UTF_8)
                        + "@127.0.0.1:" + redis.port(),
                "tiered.redis.keyPrefix=secrets",
                "tiered.log.level=trace",
                "org.slf4j.simpleLogger.defaultLogLevel=trace",
                "org.slf4j.simpleLogger.log.redis.clients=trace",
                "org.slf4j.simpleLogger.log.org.apache.commons.pool2=trace"));
        all.addAll(Arrays.asList(settings));
        return jvms.withAgent(name, all.toArray(String[]::new));
    }

    @Test
    void thePasswordIsNowhereThroughAHealthyRunAndARedisStoppedAndRestartedMidRun() {
        JvmProcess app = verbose("secrets", PASSWORD, "tiered.bus.heartbeat=200ms", "tiered.l1.maxStaleness=1s",
                "tiered.redis.timeout=100ms");
        List<String> dumps = new ArrayList<>();

        app.request("call update 1 one");
        Await.until("the namespace's version to be read", WAIT,
                () -> Long.parseLong(app.request("stat products Version")) > 0);
        for (String call : List.of("find 1", "find 1", "findL2 1", "findL2 1", "updateEntity 3 x", "entity 3",
                "entity 3", "update 1 uno", "find 1")) {
            assertTrue(app.request("call " + call).startsWith("ok"), call);
        }
        assertEquals("ok uno", app.request("call find 1"));
        assertTrue(Long.parseLong(app.request("stat products L2Hits")) >= 1, app.transcript());
        dumps.add(app.request("mbeans"));

        redis.stop();
        for (String call : List.of("find 2", "findL2 2", "update 2 two", "updateEntity 3 y", "entity 3")) {
            assertTrue(app.request("call " + call).startsWith("ok"), call);
        }
        app.awaitStderr("the cut-off from invalidations", WAIT, l -> l.contains("no word from the invalidation bus"));
        assertEquals("ok two", app.request("call find 2"));
        dumps.add(app.request("mbeans"));

        redis.restart();
        app.awaitStderr("the bus to come back", WAIT, l -> l.contains("invalidation bus is back"));
        assertEquals("ok two", app.request("call findL2 2"));
        dumps.add(app.request("mbeans"));

        assertTrue(app.stderr().stream().anyMatch(l -> l.contains(" DEBUG tiered - ")), "logged at debug");
        assertTrue(app.stderr().stream().anyMatch(l -> l.startsWith("redis.clients.jedis.exceptions.")),
                "faults were logged with their stack traces\n" + app.transcript());
        assertTrue(app.stderr().stream().anyMatch(l -> l.contains("invalidation bus lost (")), app.transcript());
        AgentJvms.assertNowhere(MARK, List.of(app), dumps);
    }

    @Test
    void thePasswordIsNowhereWhenItIsWrongAndTheRefusalIsLoggedOnce() {
        if (!redis.isRunning()) {
            redis.restart(); // the other test stopped it and failed before restarting it
        }
        redis.command("ACL", "LOG", "RESET");
        JvmProcess app = verbose("secrets-wrong", WRONG_PASSWORD);
        assertEquals("ok null", app.request("call update 4 four"));
        assertEquals("ok four", app.request("call find 4"));
        assertEquals("ok four", app.request("call find 4"));
        assertEquals("1", app.request("runs find"), "L1 serves, as with a bus not yet heard from");
        app.awaitStderr("why the bus cannot subscribe", WAIT, l -> l.contains("WARN tiered - invalidation bus "
                + "cannot subscribe") && l.contains("WRONGPASS"));
        Await.until("Redis to have refused the JVM three times", WAIT, () -> redis.failedLogins("app") >= 3);
        assertEquals("ok null", app.request("call update 4 cuatro"));
        assertEquals("ok cuatro", app.request("call find 4"), "a write is seen at once where it was made");
        // the bus says it once; a write that cannot bump says it once too (at most once a minute)
        for (String says : List.of("invalidation bus cannot subscribe", "could not bump namespace products")) {
            assertEquals(1, app.awaitStderrMatching(says, WAIT, l -> l.contains("WARN tiered - " + says)
                    && l.contains("WRONGPASS")).size(), app.transcript());
        }
        AgentJvms.assertNowhere(MARK, List.of(app), List.of(app.request("mbeans")));
    }
}
