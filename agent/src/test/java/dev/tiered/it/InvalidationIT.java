package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/**
 * Writes through {@code @Invalidates} in one JVM, seen by both: at once in the writing JVM, within the propagation
 * window in the other, and never undone by a load that began before the write.
 */
class InvalidationIT {
    /** Generous on purpose: the bound under test is "eventually, promptly"; lag itself is measured by benchmarks. */
    private static final Duration WINDOW = Duration.ofSeconds(5);
    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();
    private static JvmProcess a;
    private static JvmProcess b;

    @BeforeAll
    static void start() {
        List<JvmProcess> two = jvms.onRedis(2, "jvm", RedisServer.shared(), "invalidation");
        a = two.get(0);
        b = two.get(1);
    }

    private static long version(JvmProcess jvm) {
        return Long.parseLong(jvm.request("stat products Version"));
    }

    @Test
    void aWriteIsSeenAtOnceByTheWritingJvmAndPromptlyByTheOther() {
        a.request("call update 20 old");
        assertEquals("ok old", a.request("call find 20"));
        assertEquals("ok old", b.request("call find 20"));
        assertEquals("ok null", a.request("call update 20 new"));
        assertEquals("ok new", a.request("call find 20"), "the writing JVM serves no older result after the write");
        Await.until("the other JVM to serve the new value", WINDOW, () -> b.request("call find 20").equals("ok new"));
        assertEquals(version(a), version(b));
        assertTrue(Long.parseLong(b.request("stat products InvalidationsReceived")) >= 1);
    }

    @Test
    void aKeyedWriteReachesItsEntityInEveryJvmAndNothingElse() {
        a.request("call updateEntity 70 old");
        a.request("call updateEntity 71 old");
        for (JvmProcess jvm : new JvmProcess[] {a, b}) {
            for (String call : new String[] {"entity 70", "entity 71", "entityWithReviews 70 true", "entityList x"}) {
                jvm.request("call " + call);
            }
        }
        a.request("call updateEntity 70 new");
        assertEquals("ok new", a.request("call entity 70"), "at once in the writing JVM");
        Await.until("the other JVM to serve entity 70 anew", WINDOW, () -> b.request("call entity 70").equals("ok new"));
        assertEquals("ok new+hidden", b.request("call entityWithReviews 70 true"), "whatever its other arguments");
        assertEquals("ok x:new", b.request("call entityList x"), "a result without entity key may hold any entity");
        int before = Integer.parseInt(b.request("runs entity"));
        assertEquals("ok old", b.request("call entity 71"));
        assertEquals(before, Integer.parseInt(b.request("runs entity")), "other entities keep their entries");
    }

    @Test
    void aKeyedWriteOfSeveralEntitiesReachesEachOfThem() {
        a.request("call updateEntities 80,81,82 old");
        b.request("call entity 80");
        b.request("call entity 81");
        b.request("call entity 82");
        a.request("call updateEntities 80,81 new");
        Await.until("entities 80 and 81 to be served anew", WINDOW, () -> b.request("call entity 80").equals("ok new")
                && b.request("call entity 81").equals("ok new"));
        int before = Integer.parseInt(b.request("runs entity"));
        assertEquals("ok old", b.request("call entity 82"));
        assertEquals(before, Integer.parseInt(b.request("runs entity")));
    }

    @Test
    void aWriteInvalidatesL1OnlyEntriesInEveryJvm() {
        a.request("call update 21 old");
        assertEquals("ok old", b.request("call findL1 21"));
        a.request("call update 21 new");
        Await.until("the other JVM to drop its L1-only entry", WINDOW,
                () -> b.request("call findL1 21").equals("ok new"));
    }

    @Test
    void aWriteThatThrowsInvalidatesNothing() {
        a.request("call update 22 kept");
        a.request("call find 22");
        b.request("call find 22");
        long va = version(a);
        long vb = version(b);
        assertEquals("threw java.lang.IllegalStateException rolled back before writing 22",
                a.request("call failingUpdate 22 lost"));
        assertEquals(va, version(a));
        int before = Integer.parseInt(a.request("runs find"));
        assertEquals("ok kept", a.request("call find 22"));
        assertEquals(before, Integer.parseInt(a.request("runs find")), "still served from L1");
        assertEquals(vb, version(b));
    }

    @Test
    void aLoadThatBeganBeforeAWriteInTheSameJvmIsNotStoredAsCurrent() {
        a.request("call update 23 before");
        a.request("arm 23");
        String load = a.request("spawn gated 23");
        assertEquals("arrived", a.request("await 23"), "the load read 'before' and is held");
        a.request("call update 23 after");
        a.request("release 23");
        assertEquals("ok before", a.request("join " + load), "a call that began before the write may see the old value");
        assertEquals("ok after", a.request("call gated 23"), "but its result was not stored as current");
        assertEquals("ok after", b.request("call gated 23"), "in either tier");
    }

    @Test
    void aLoadThatBeganBeforeAWriteInAnotherJvmIsNotStoredAsCurrent() {
        a.request("call update 24 before");
        a.request("call find 24"); // the namespace has a version in both JVMs before the race
        b.request("call find 24");
        long before = version(a);
        a.request("arm 24");
        String load = a.request("spawn gated 24");
        assertEquals("arrived", a.request("await 24"));
        b.request("call update 24 after");
        Await.until("jvm-a to hear of the write", WINDOW, () -> version(a) != before);
        a.request("release 24");
        assertEquals("ok before", a.request("join " + load));
        assertEquals("ok after", a.request("call gated 24"));
        assertNotEquals(before, version(b));
    }
}
