package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/** A JVM that exits with a write whose bump Redis has not taken yet sends it on its way out. */
class ExitIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();

    @Test
    void aBumpStillWaitingForRedisIsSentBeforeTheJvmExits() {
        RedisServer redis = jvms.own(RedisServer.start());
        List<JvmProcess> two = jvms.onRedis(2, "exit", redis, "exit");
        JvmProcess writer = two.get(0);
        JvmProcess reader = two.get(1);
        writer.request("call update 90 old");
        Await.until("the reader to cache the old value", WAIT, () -> reader.request("call find 90").equals("ok old")
                && reader.request("runs find").equals("1") && reader.request("call find 90").equals("ok old"));

        redis.command("CONFIG", "SET", "min-replicas-to-write", "1"); // Redis now refuses writes: NOREPLICAS
        assertEquals("ok null", writer.request("call update 90 new"));
        writer.awaitStderr("the refused bump", WAIT, l -> l.contains("could not bump namespace products"));
        assertEquals("exiting", writer.request("exit"));
        writer.awaitStderr("the exit hook at work", WAIT, l -> l.contains("INFO tiered - sending the bumps of 1 "
                + "namespaces that Redis has not taken yet, before the JVM exits"));
        redis.command("CONFIG", "SET", "min-replicas-to-write", "0");
        assertEquals(0, writer.awaitExit(WAIT), writer.transcript());
        assertEquals(1, writer.stderrMatching(l -> l.contains("INFO tiered - the bumps of 1 namespaces were sent "
                + "before the JVM exits")).size(), writer.transcript());

        Await.until("the reader to serve the new value", Duration.ofSeconds(5),
                () -> reader.request("call find 90").equals("ok new"));
    }
}
