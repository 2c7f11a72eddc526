package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/**
 * {@code java -jar tiered-agent.jar detach <pid>} takes tiered out of a running JVM on a real Redis: the methods run
 * uncached with their original bytecode, tiered's threads end and its MBeans go; {@code attach <pid>} brings it
 * back, and the methods are cached again.
 */
class DetachIT {
    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();

    @Test
    void detachLeavesNothingBehindAndAttachingAgainCachesAgain() {
        JvmProcess app = jvms.withAgent("detach-target", "tiered.redis.uri=" + RedisServer.shared().uri(),
                "tiered.redis.keyPrefix=detach-" + ProcessHandle.current().pid());
        app.request("call update 70 seventy");
        assertEquals("ok seventy", app.request("call find 70"));
        assertEquals("ok seventy", app.request("call find 70"));
        assertEquals("1", app.request("runs find"), "cached before the detach");

        JvmProcess detach = cli("detach", app);
        assertEquals(0, detach.awaitExit(Duration.ofSeconds(60)), detach.transcript());
        String said = String.join("\n", detach.stdout());
        assertTrue(said.startsWith("tiered detached in ") && said.contains("classes restored to their original "
                + "bytecode"), said);

        app.request("call find 70");
        app.request("call find 70");
        assertEquals("3", app.request("runs find"), "uncached after the detach\n" + app.transcript());
        Await.until("no thread of tiered is left", Duration.ofSeconds(10), () -> app.request("threads").isEmpty());
        assertEquals("absent", app.request("mbeans"), "no MBean of tiered is left");
        assertEquals("0", app.request("bridge-faults"), "no call went wrong on the way");
        JvmProcess again = cli("detach", app);
        assertEquals(1, again.awaitExit(Duration.ofSeconds(60)), again.transcript());
        assertTrue(again.stderr().get(0).contains("has no tiered MBeans"), again.transcript());

        JvmProcess attach = cli("attach", app);
        assertEquals(0, attach.awaitExit(Duration.ofSeconds(60)), attach.transcript());
        app.awaitStderr("the second agent's retransformation", Duration.ofSeconds(30),
                l -> l.contains("INFO tiered - attached: "));
        app.request("call find 70");
        app.request("call find 70");
        // served from the L2 entry the first agent stored, then from L1: the body does not run
        assertEquals("3", app.request("runs find"), "cached again after attaching again\n" + app.transcript());
    }

    private static JvmProcess cli(String command, JvmProcess app) {
        return jvms.track(JvmProcess.builder(command + "-cli").jar(AgentJvms.agentJar(), command,
                Long.toString(app.pid())).start());
    }
}
