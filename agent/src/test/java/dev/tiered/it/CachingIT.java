package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/**
 * The read path through the agent, in two real JVMs (a, b) sharing a real redis-server: each test uses its own
 * keys, so the JVMs are started once for all of them.
 */
class CachingIT {
    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();
    private static JvmProcess a;
    private static JvmProcess b;

    @BeforeAll
    static void start() {
        List<JvmProcess> two = jvms.onRedis(2, "jvm", RedisServer.shared(), "caching");
        a = two.get(0);
        b = two.get(1);
    }

    private static int runs(JvmProcess jvm, String method) {
        return Integer.parseInt(jvm.request("runs " + method));
    }

    private static String product(long id, String value) {
        return a.request("call update " + id + " " + value);
    }

    @Test
    void aRepeatedCallIsServedFromL1WithoutRunningTheMethod() {
        product(1, "one");
        int before = runs(a, "find");
        assertEquals("ok one", a.request("call find 1"));
        assertEquals("ok one", a.request("call find 1"));
        assertEquals("ok one", a.request("call viaSelf 1"), "a call from the same class is cached too");
        assertEquals(before + 1, runs(a, "find"));
        assertTrue(Long.parseLong(a.request("stat products L1Hits")) >= 2);
    }

    @Test
    void anotherJvmIsServedFromL2WithoutRunningTheMethod() {
        product(2, "two");
        assertEquals("ok two", a.request("call find 2"));
        int before = runs(b, "find");
        long l2Hits = Long.parseLong(b.request("stat products L2Hits").replace("absent", "0"));
        assertEquals("ok two", b.request("call find 2"));
        assertEquals(before, runs(b, "find"));
        assertEquals(l2Hits + 1, Long.parseLong(b.request("stat products L2Hits")));
    }

    @Test
    void theL1TierStaysInItsJvmAndTheL2TierIsReadOnEveryCall() {
        product(3, "three");
        a.request("call findL1 3");
        int before = runs(b, "findL1");
        assertEquals("ok three", b.request("call findL1 3"));
        assertEquals(before + 1, runs(b, "findL1"), "L1-only results never leave their JVM");

        int l2Before = runs(a, "findL2");
        a.request("call findL2 3");
        a.request("call findL2 3");
        b.request("call findL2 3");
        assertEquals(l2Before + 1, runs(a, "findL2"));
        assertEquals(0, runs(b, "findL2"));
    }

    @Test
    void entriesExpireAfterTheirTtl() {
        product(4, "four");
        int before = runs(a, "findBriefly");
        a.request("call findBriefly 4");
        a.request("call findBriefly 4");
        assertEquals(before + 1, runs(a, "findBriefly"));
        Await.until("the 1s entry to expire", Duration.ofSeconds(10), () -> {
            a.request("call findBriefly 4");
            return runs(a, "findBriefly") == before + 2;
        });
    }

    @Test
    void exceptionsReachTheCallerUnchangedAndAreNeverCached() {
        int before = runs(a, "failing");
        assertEquals("threw java.lang.IllegalArgumentException no product 5", a.request("call failing 5"));
        assertEquals("threw java.lang.IllegalArgumentException no product 5", a.request("call failing 5"));
        assertEquals(before + 2, runs(a, "failing"));
    }

    @Test
    void nullResultsAreCached() {
        int before = runs(a, "missing");
        assertEquals("ok null", a.request("call missing 6"));
        assertEquals("ok null", a.request("call missing 6"));
        assertEquals("ok null", b.request("call missing 6"));
        assertEquals(before + 1, runs(a, "missing"));
        assertEquals(0, runs(b, "missing"));
    }

    @Test
    void staticPrivateAndFinalMethodsAreCached() {
        assertEquals("ok 49", a.request("call square 7"));
        assertEquals("ok 49", a.request("call square 7"));
        assertEquals("ok secret-7", a.request("call callSecret 7"));
        assertEquals("ok secret-7", a.request("call callSecret 7"));
        assertEquals("ok final-7", a.request("call finalFind 7"));
        assertEquals("ok final-7", a.request("call finalFind 7"));
        assertEquals(1, runs(a, "square"));
        assertEquals(1, runs(a, "secret"));
        assertEquals(1, runs(a, "finalFind"));
    }

    @Test
    void primitivesAndArraysAreCachedAndTravelThroughL2() {
        for (String call : new String[] {"digits 8675309", "half 3.0", "even 8", "joined 3,1,2"}) {
            String first = a.request("call " + call);
            assertEquals(first, a.request("call " + call));
            assertEquals(first, b.request("call " + call), call + " from L2");
        }
        assertEquals("ok [[8, 6, 7, 5, 3, 0, 9]]", b.request("call digits 8675309"));
        assertEquals("ok 1.5", b.request("call half 3.0"));
        assertEquals("ok 3+1+2+", b.request("call joined 3,1,2"));
        assertEquals("ok true", b.request("call even 8"));
        for (String method : new String[] {"digits", "half", "even", "joined"}) {
            assertEquals(1, runs(a, method), method);
            assertEquals(0, runs(b, method), method);
        }
        a.request("call joined 3,1,4");
        assertEquals(2, runs(a, "joined"), "arrays compare by content");
    }

    @Test
    void methodsOfEveryArityAreCached() {
        UUID id = UUID.fromString("00000000-0000-0000-0000-000000000009");
        String[] calls = {"noArgs", "pair x y", "triple x 9 RED", "five x 9 10 " + id + " sku/2"};
        for (String call : calls) {
            String first = a.request("call " + call);
            assertTrue(first.startsWith("ok "), first);
            assertEquals(first, a.request("call " + call));
            assertEquals(first, b.request("call " + call));
        }
        for (String method : new String[] {"noArgs", "pair", "triple", "five"}) {
            assertEquals(1, runs(a, method), method);
            assertEquals(0, runs(b, method), method);
        }
        assertEquals("ok x&9&10&" + id + "&Key[sku=sku, variant=2]", b.request("call five x 9 10 " + id + " sku/2"));
    }

    @Test
    void recordsAndOptionalsTravelThroughL2() {
        assertEquals("ok Item[id=10, name=item-10, color=GREEN]", a.request("call item 10"));
        assertEquals("ok Item[id=10, name=item-10, color=GREEN]", b.request("call item 10"));
        assertEquals("ok Optional[some-10]", a.request("call maybe 10"));
        assertEquals("ok Optional[some-10]", b.request("call maybe 10"));
        assertEquals("ok Optional.empty", a.request("call maybe -10"));
        assertEquals("ok Optional.empty", b.request("call maybe -10"));
        assertEquals(0, runs(b, "item"));
        assertEquals(0, runs(b, "maybe"));
    }

    @Test
    void anAgentFaultLetsTheCallRunUncachedAndIsCountedAndLoggedOnce() {
        assertEquals("ok described hostile", a.request("call describe hostile"));
        assertEquals("ok described hostile", a.request("call describe hostile"));
        assertEquals(2, runs(a, "describe"));
        assertEquals("2", a.request("stat faults Faults"));
        assertEquals("2", a.request("stat faults Uncached"));
        assertEquals(1, a.awaitStderrMatching("the fault", Duration.ofSeconds(10), l -> l.contains("WARN tiered - a "
                + "call of dev.tiered.it.fixture.Products.describe(java.lang.Object) ran uncached after an internal "
                + "error: java.lang.IllegalStateException: this argument cannot be hashed")).size(), a.transcript());
    }

    @Test
    void anUndecodableL2ValueIsACountedMissNeverAnError() {
        product(12, "twelve");
        a.request("call find 12");
        RedisServer redis = RedisServer.shared();
        // the entry is written behind the call
        List<?> keys = Await.value("the entry in L2", Duration.ofSeconds(10), () -> {
            List<?> found = (List<?>) redis.command("KEYS", "caching:e:{products*.find(long):12");
            return found.isEmpty() ? null : found;
        });
        assertEquals(1, keys.size(), keys.toString());
        // the entry's own stamp (its first 8 bytes, still current) in front of bytes that are no entry
        redis.command("EVAL", "return redis.call('SET', KEYS[1], string.sub(redis.call('GET', KEYS[1]), 1, 8) "
                + ".. 'not an entry', 'PX', 60000)", "1", keys.get(0).toString());
        long failures = Long.parseLong(b.request("stat products DecodeFailures").replace("absent", "0"));
        int before = runs(b, "find");
        assertEquals("ok twelve", b.request("call find 12"));
        assertEquals(before + 1, runs(b, "find"));
        assertEquals(failures + 1, Long.parseLong(b.request("stat products DecodeFailures")));
    }

    @Test
    void theValueOfAFutureIsCachedAndTravelsThroughL2() {
        assertEquals("ok future Item[id=13, name=later-13, color=RED]", a.request("call itemLater 13"));
        assertEquals("ok future Item[id=13, name=later-13, color=RED]", a.request("call itemLater 13"));
        Await.until("the completed value to reach L2", Duration.ofSeconds(10),
                () -> !((List<?>) RedisServer.shared().command("KEYS", "caching:e:{shapes*itemLater*")).isEmpty());
        assertEquals("ok future Item[id=13, name=later-13, color=RED]", b.request("call itemLater 13"));
        assertEquals(1, runs(a, "itemLater"));
        assertEquals(0, runs(b, "itemLater"));
    }

    @Test
    void concurrentCallsOfAMissingKeyRunTheMethodOnce() {
        assertEquals("ok slow-11", a.request("parallel 8 slow 11"));
        assertEquals(1, runs(a, "slow"));
        assertEquals("0", a.request("bridge-faults"));
    }

    private static String directory(JvmProcess jvm, String call) {
        return jvm.request("call dev.tiered.it.fixture.Directories " + call);
    }

    private static long stat(JvmProcess jvm, String attribute) {
        return Long.parseLong(jvm.request("stat directory " + attribute).replace("absent", "0"));
    }

    @Test
    void annotationsOnAnInterfaceApplyToAPlainClassImplementingIt() {
        directory(a, "write person-1 ann");
        int before = runs(a, "plain.name");
        assertEquals("ok ann", directory(a, "plainName 1"));
        assertEquals("ok ann", directory(a, "plainName 1"));
        assertEquals(before + 1, runs(a, "plain.name"));
        assertEquals("ok renamed", directory(a, "plainRename 1 bea"), "the interface's @Invalidates, keyed");
        assertEquals("ok bea", directory(a, "plainName 1"));
        assertEquals(before + 2, runs(a, "plain.name"));
        assertTrue(a.stderrMatching(l -> l.contains("Directory") && l.contains("uncached")).isEmpty(),
                "an annotated interface method is not refused as abstract");
    }

    @Test
    void aJdkProxyOfTheInterfaceIsCachedAsASpringDataRepositoryWouldBeAndSharedThroughL2() {
        directory(a, "write city-paris ann");
        int before = runs(a, "proxy.byCity");
        assertEquals("ok ann", directory(a, "proxyByCity paris"));
        assertEquals("ok ann", directory(a, "proxyByCity paris"));
        assertEquals(before + 1, runs(a, "proxy.byCity"), "no class implements the method: the proxy is cached");
        int inB = runs(b, "proxy.byCity");
        assertEquals("ok ann", directory(b, "proxyByCity paris"));
        assertEquals(inB, runs(b, "proxy.byCity"), "the other JVM is served from L2");

        directory(a, "write city-paris cleo");
        assertEquals("ok renamed", directory(b, "proxyRename 2 dan"), "a keyed write invalidates unkeyed entries");
        Await.until("the write to reach the other JVM", Duration.ofSeconds(10),
                () -> directory(a, "proxyByCity paris").equals("ok cleo"));
    }

    @Test
    void aProxyInFrontOfAnAdvisedImplementationCachesOnceNotTwice() {
        directory(a, "write person-3 eve");
        int wrapper = runs(a, "wrapper.name");
        int plain = runs(a, "plain.name");
        long loads = stat(a, "Loads");
        long calls = stat(a, "Calls");
        assertEquals("ok eve", directory(a, "wrappedName 3"));
        assertEquals("ok eve", directory(a, "wrappedName 3"));
        assertEquals(wrapper + 1, runs(a, "wrapper.name"), "the second call is served by the proxy's cache");
        assertEquals(plain + 1, runs(a, "plain.name"));
        assertEquals(loads + 1, stat(a, "Loads"), "the target's call inside the proxy's is not a load of its own");
        assertEquals(calls + 2, stat(a, "Calls"));
    }
}
