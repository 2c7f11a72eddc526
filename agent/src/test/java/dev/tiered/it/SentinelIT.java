package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisSentinels;

/**
 * Agent JVMs on {@code redis-sentinel://}: the agent's own, isolated Jedis finds the master through the sentinels,
 * shares L2 and invalidations there, and follows the master through {@code SENTINEL FAILOVER}.
 */
class SentinelIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();

    @Test
    void agentJvmsShareL2AndInvalidationsBehindSentinelsAndThroughAFailover() {
        RedisSentinels sentinels = jvms.own(RedisSentinels.start());
        List<JvmProcess> two = jvms.onRedis(2, "sentinel", sentinels.uri(), "sentinel");
        JvmProcess a = two.get(0);
        JvmProcess b = two.get(1);
        a.request("call update 30 old");
        assertEquals("ok old", a.request("call find 30"));
        assertEquals("ok old", b.request("call find 30"));
        assertEquals("0", b.request("runs find"), "served from L2, through the master the sentinels name");
        a.request("call update 30 new");
        Await.until("the other JVM to serve the new value", WAIT, () -> b.request("call find 30").equals("ok new"));

        sentinels.failover(sentinels.replica());
        // the sentinels would demote the old master too, once it has claimed to be master for eight seconds or more
        sentinels.master().command("REPLICAOF", "127.0.0.1", Integer.toString(sentinels.replica().port()));
        Await.until("the old master to follow the new one, in sync", WAIT,
                () -> ((String) sentinels.replica().command("INFO", "replication")).contains("state=online"));
        a.request("call update 30 after");
        Await.until("the other JVM to serve the value written after the failover", WAIT,
                () -> b.request("call find 30").equals("ok after"));
        for (JvmProcess jvm : two) {
            assertEquals(List.of(), jvm.stderrMatching(l -> l.contains("Error") || l.contains("agent fault")),
                    jvm.transcript());
        }
    }
}
