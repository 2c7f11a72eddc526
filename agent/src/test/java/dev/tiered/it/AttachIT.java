package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.sun.tools.attach.VirtualMachine;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;

/** Attached to a running JVM, the agent rewrites the annotated classes that were already loaded. */
class AttachIT {

    @Test
    void attachedLateTheAgentCachesClassesLoadedBeforeIt() throws Exception {
        try (AgentJvms jvms = new AgentJvms()) {
            JvmProcess app = jvms.track(jvms.builder("attach-target").property("tiered.provenance", "true")
                    .main(FixtureApp.class.getName()).start());
            app.request("call update 60 sixty");
            app.request("call find 60");
            app.request("call find 60");
            assertEquals("2", app.request("runs find"), "uncached before the agent arrives");
            assertEquals("none", app.request("provenance"), "no agent to ask yet");

            VirtualMachine vm = VirtualMachine.attach(Long.toString(app.pid()));
            try {
                vm.loadAgent(AgentJvms.agentJar().toString());
            } finally {
                vm.detach();
            }
            app.awaitStderr("the retransformation", Duration.ofSeconds(30),
                    l -> l.contains("INFO tiered - attached: 1 loaded classes with @Tiered or @Invalidates methods "
                            + "were retransformed"));
            app.request("call find 60");
            app.request("call find 60");
            assertEquals("3", app.request("runs find"), app.transcript());
            // Provenance, which found no agent when it first looked, finds the one attached since
            Await.until("provenance of the last call", Duration.ofSeconds(10), () -> {
                app.request("call find 60");
                return app.request("provenance").startsWith("L1 products dev.tiered.it.fixture.Products.find(long) ");
            });
        }
    }
}
