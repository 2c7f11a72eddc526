package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;

/**
 * A heap that fills: L1 holds half of a 128 MB heap, then the application's own data grows past what is left. With
 * one bound per method ({@code tiered.l1.maxBytes}) the application runs out of memory, which shows the workload
 * needs more than the heap; under {@code tiered.l1.budget} of the same size, the first collection that leaves the old
 * generation above 85% shrinks L1 to a quarter of the budget, the application finishes, and once its data is let go
 * of L1 grows back.
 */
class HeapPressureIT {
    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** 64 KB blocks: 1200 of them are 75 MB, more than the bound, so L1 ends the fill at its bound. */
    private static final String WORKLOAD = "heap 1200 75";

    private JvmProcess app(String name, String l1Setting) {
        return jvms.track(jvms.builder(name).jvmArg("-Xmx128m").javaagent(AgentJvms.agentJar())
                .property(l1Setting.substring(0, l1Setting.indexOf('=')),
                        l1Setting.substring(l1Setting.indexOf('=') + 1))
                .main(FixtureApp.class.getName()).start());
    }

    @Test
    void underAnL1BudgetTheHeapHoldsWhereFixedBoundsRunOutOfMemory() {
        JvmProcess bounded = app("heap-fixed-bound", "tiered.l1.maxBytes=60MB");
        String fixed = bounded.request(WORKLOAD, WAIT);
        assertTrue(fixed.startsWith("oom "), "the workload does not fit a 128 MB heap beside a full L1: " + fixed
                + "\n" + bounded.transcript());

        JvmProcess budgeted = app("heap-budget", "tiered.l1.budget=60MB");
        String reply = budgeted.request(WORKLOAD, WAIT);
        assertTrue(reply.matches("survived filled=\\d+ episodes=[1-9]\\d*"), reply + "\n" + budgeted.transcript());
        long filled = Long.parseLong(reply.replaceAll(".*filled=(\\d+).*", "$1"));
        assertTrue(filled > 50L << 20, "L1 was full before the application's data grew: " + filled + "\n"
                + budgeted.transcript());
        assertTrue(budgeted.stderr().stream().anyMatch(l -> l.contains("WARN tiered - heap pressure: ")),
                budgeted.transcript());
        Await.until("L1 to grow back once the heap is free", WAIT,
                () -> budgeted.request("runtime L1Budget").equals(Long.toString(60L << 20)));
        assertTrue(budgeted.stderr().stream().anyMatch(l -> l.contains("INFO tiered - heap pressure ended")),
                budgeted.transcript());
        assertEquals(0, budgeted.stderr().stream().filter(l -> l.contains("OutOfMemoryError")).count(),
                budgeted.transcript());
    }
}
