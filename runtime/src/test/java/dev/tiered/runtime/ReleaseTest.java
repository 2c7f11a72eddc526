package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static dev.tiered.runtime.Fixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.stats.NamespaceStats;
import dev.tiered.testkit.Await;

/**
 * A cached method that nothing but the runtime refers to (its class loader was dropped: in the agent only the
 * loader holds it) is collected with its L1 entries, leaves its namespace, and hands its counts to the namespace and
 * its hit-counter index to the next method.
 */
class ReleaseTest {
    private final TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of(), Map.of()));

    @AfterEach
    void stop() {
        runtime.close();
    }

    @Test
    void aMethodNobodyHoldsIsCollectedAndItsNamespaceKeepsItsCounts() throws Exception {
        WeakReference<CachedMethod> gone = new WeakReference<>(calledTwiceThenDropped());
        Namespace ns = runtime.namespacesInUse().get(0);
        Await.until("the method is collected and retired", Duration.ofSeconds(20), () -> {
            System.gc();
            return gone.get() == null && ns.retiredL1Hits.sum() == 1;
        });
        assertEquals(0, ns.members().size(), "it left its namespace");
        NamespaceStats s = runtime.stats("catalog");
        assertEquals(2, s.calls(), "its calls still count in the namespace");
        assertEquals(1, s.l1Hits());
        assertEquals(1, s.loads());
        assertTrue(s.loadMaxNanos() > 0, "its load times too");

        CachedMethod next = runtime.register(spec("find", "10m"));
        assertEquals(0, next.index(), "the next method takes the freed index");
        assertEquals(0, next.l1Hits(), "and counts from zero there");
        call(next, () -> "one", 1L);
        call(next, () -> "one", 1L);
        assertEquals(1, next.l1Hits());
        assertEquals(2, runtime.stats("catalog").l1Hits(), "the namespace: the retired hit and the new one");
    }

    /** In a method of its own, so that no local of the test refers to the method afterwards. */
    private CachedMethod calledTwiceThenDropped() throws Exception {
        CachedMethod m = runtime.register(spec("find", "10m"));
        assertEquals(0, m.index());
        call(m, () -> "one", 1L);
        assertEquals("one", call(m, () -> "two", 1L));
        return m;
    }
}
