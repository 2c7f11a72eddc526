package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Jdks;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/**
 * Virtual threads (JDK 21 and later): thousands of them missing one key share one load, without pinning a carrier
 * thread or deadlocking, and then hit it without ever parking or waiting for a monitor inside tiered. The child JVM
 * has two carrier threads and may not add any, so a waiter that held its carrier would starve the load it waits for.
 * The method is cached in L1 and a real Redis (the leader reads L2 and writes it). It runs on the JDK of this test if
 * that is 21 or later, else on the newest JDK of the machine.
 */
class VirtualThreadsIT {
    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();

    @Test
    void thousandsOfVirtualThreadsShareOneLoadAndHitWithoutBlocking() {
        Jdks.Jdk jdk = Jdks.atLeast(21);
        JvmProcess app = jvms.track(jvms.builder("virtual-threads-jdk" + jdk.feature())
                .java(jdk.java())
                .jvmArg("-Djdk.virtualThreadScheduler.parallelism=2")
                .jvmArg("-Djdk.virtualThreadScheduler.maxPoolSize=2")
                .javaagent(AgentJvms.agentJar())
                .property("tiered.redis.uri", RedisServer.shared().uri())
                .property("tiered.redis.keyPrefix", "virtual-threads-" + ProcessHandle.current().pid())
                .main(FixtureApp.class.getName())
                .start());
        // the agent loads its engine's classes before it says it is active: a class loaded by a call would pin
        app.awaitStderr("the agent active", Duration.ofSeconds(20), l -> l.endsWith(" active"));
        String reply = app.request("virtual 5000 20", Duration.ofSeconds(90));
        assertEquals("runs=1 results=5000 missPinned=0 hitPinned=0 hitBlocked=0", reply,
                "on JDK " + jdk.feature() + "\n" + app.transcript());
    }
}
