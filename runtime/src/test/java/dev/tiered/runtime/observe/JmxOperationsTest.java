package dev.tiered.runtime.observe;

import static dev.tiered.runtime.Fixtures.call;
import static dev.tiered.runtime.Fixtures.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.Attribute;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tiered.runtime.CachedMethod;
import dev.tiered.runtime.Fixtures;
import dev.tiered.runtime.Specs;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.config.Durations;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.StderrCopy;

/** A namespace steered through its MBean, as JConsole or any JMX client would: each change takes effect at once. */
class JmxOperationsTest {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName catalog = name("dev.tiered:type=Namespace,name=catalog");
    private TieredRuntime runtime;
    private CachedMethod find;
    private final AtomicInteger runs = new AtomicInteger();

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @BeforeEach
    void start() throws Exception {
        runtime = TieredRuntime.start(TieredConfig.from(Map.of(), Map.of()));
        Observation.attach(runtime);
        find = runtime.register(spec("find", "10m"));
        // registered by tiered's maintenance thread, after the namespace's first method: this runtime's once it
        // counts this test's calls
        Await.until("the namespace's MBean", Duration.ofSeconds(10), () -> {
            try {
                return ((String[]) server.getAttribute(catalog, "Methods")).length == 1
                        && runs(1L).equals("v1") && runs(1L).equals("v1") && (long) attribute("L1Hits") >= 1;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @AfterEach
    void stop() {
        runtime.close();
    }

    private Object runs(long id) throws Exception {
        return call(find, () -> "v" + runs.incrementAndGet(), id);
    }

    private Object attribute(String name) throws Exception {
        return server.getAttribute(catalog, name);
    }

    private void invoke(String operation, Object... args) throws Exception {
        String[] signature = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            signature[i] = String.class.getName();
        }
        server.invoke(catalog, operation, args, signature);
    }

    @Test
    void eachMethodHasAnMBeanWithItsOwnCountsThatSumToTheNamespaces() throws Exception {
        CachedMethod other = runtime.register(spec("other", "5m"));
        ObjectName findName = name(MethodView.objectName(find));
        ObjectName otherName = name(MethodView.objectName(other));
        Await.until("the second method's MBean", Duration.ofSeconds(10), () -> server.isRegistered(otherName));
        assertEquals(java.util.Set.of(findName, otherName),
                server.queryNames(name("dev.tiered:type=Method,namespace=catalog,*"), null));
        for (int i = 0; i < 3; i++) {
            call(other, () -> "other", 7L);
        }
        assertEquals(1L, server.getAttribute(otherName, "Loads"));
        assertEquals(2L, server.getAttribute(otherName, "L1Hits"));
        assertEquals(3L, server.getAttribute(otherName, "Calls"));
        for (String counter : new String[] {"Calls", "L1Hits", "Loads", "L1Entries"}) {
            assertEquals((long) attribute(counter), (long) server.getAttribute(findName, counter)
                    + (long) server.getAttribute(otherName, counter), counter);
        }
        assertEquals(find.name(), server.getAttribute(findName, "Name"));
        assertEquals("catalog", server.getAttribute(findName, "Namespace"));
        assertEquals("5m", server.getAttribute(otherName, "Ttl"));
        invoke("changeTier", "L1");
        assertEquals("L1", server.getAttribute(otherName, "Tier"), "the namespace steers; its methods show it");
    }

    @Test
    void flushInvalidatesEveryEntryAtOnce() throws Exception {
        int before = runs.get();
        invoke("flush");
        assertEquals("v" + (before + 1), runs(1L), "the entry from before the flush is not served");
        assertEquals("v" + (before + 1), runs(1L), "and the new one is cached");
        assertEquals(1, (long) attribute("InvalidationsSent"));
    }

    @Test
    void aDisabledNamespaceRunsUncachedAndStartsAfreshWhenEnabledAgain() throws Exception {
        server.setAttribute(catalog, new Attribute("Enabled", false));
        assertFalse((boolean) attribute("Enabled"));
        long uncached = (long) attribute("Uncached");
        int before = runs.get();
        runs(1L);
        runs(1L);
        assertEquals(before + 2, runs.get(), "every call ran the method");
        assertEquals(uncached + 2, (long) attribute("Uncached"));
        assertEquals(0, (long) attribute("L1Entries"), "its L1 was dropped");
        server.setAttribute(catalog, new Attribute("Enabled", true));
        runs(1L);
        runs(1L);
        assertEquals(before + 3, runs.get(), "cached again, from a fresh load");
    }

    @Test
    void aNewTtlAppliesToEntriesStoredFromNowOn() throws Exception {
        invoke("changeTtl", "300ms");
        String[] methods = (String[]) attribute("Methods");
        assertTrue(methods[0].contains("ttl 300ms"), methods[0]);
        runs(2L);
        int afterStore = runs.get();
        Await.until("the entry stored under the new ttl to expire", Duration.ofSeconds(10), () -> {
            try {
                runs(2L);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return runs.get() > afterStore;
        });
        assertEquals(Duration.ofMillis(300), find.l1Ttl(), "l1Ttl, which was the old ttl, is cut to the new ttl");
        invoke("changeL1Ttl", "5m");
        assertEquals(Duration.ofMillis(300), find.l1Ttl(), "never longer than ttl");
        invoke("changeL1Ttl", "100ms");
        assertEquals(Duration.ofMillis(100), find.l1Ttl());
        assertEquals(Duration.ofMillis(300), find.ttl());
    }

    @Test
    void aMalformedTtlIsRefusedWithOneLineAndChangesNothing() throws Exception {
        String[] before = (String[]) attribute("Methods");
        try (StderrCopy log = StderrCopy.start()) {
            RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, () -> invoke("changeTtl", "soon"));
            IllegalArgumentException cause = assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertEquals("namespace catalog: ttl \"soon\" is malformed; accepted: " + Durations.ACCEPTED_FORM
                    + ". Nothing was changed.", cause.getMessage());
            assertArrayEquals(before, (String[]) attribute("Methods"));
            String thread = Thread.currentThread().getName();
            assertEquals(List.of("WARN tiered - namespace catalog: ttl \"soon\" from a JMX client on thread " + thread
                    + " refused: " + cause.getMessage()), changes(log), "the refusal is logged too");
        }
    }

    /** The log lines of changes, from their level on. */
    private static List<String> changes(StderrCopy log) {
        return log.lines().stream().filter(l -> l.contains("tiered - namespace catalog")).map(l -> l.substring(
                l.indexOf(" tiered - ") - 4).trim()).toList();
    }

    @Test
    void everyChangeIsLoggedWithWhoWhatBeforeAndAfter() throws Exception {
        String by = "by a JMX client on thread " + Thread.currentThread().getName();
        try (StderrCopy log = StderrCopy.start()) {
            invoke("changeTtl", "5m");
            invoke("changeL1Ttl", "1m");
            invoke("changeTier", "L1");
            server.setAttribute(catalog, new Attribute("Enabled", false));
            invoke("flush");
            invoke("resetCounters");
            assertEquals(List.of(
                    "INFO tiered - namespace catalog: ttl changed from 10m to 5m " + by + ", for entries stored from "
                            + "now on (l1Ttl cut to it where longer)",
                    "INFO tiered - namespace catalog: l1Ttl changed from 5m to 1m " + by + ", for entries stored "
                            + "from now on (at most each method's ttl)",
                    "INFO tiered - namespace catalog: tier changed from L1_L2 to L1 " + by + " (L1 starts empty)",
                    "INFO tiered - namespace catalog: disabled " + by + " (was enabled): its methods run uncached",
                    "INFO tiered - namespace catalog flushed " + by + ": every JVM's entries of it are invalid from "
                            + "now on",
                    "INFO tiered - namespace catalog: counters reset " + by), changes(log));
        }
    }

    @Test
    void operationsAndTheirParametersAreNamedAndDescribed() throws Exception {
        MBeanInfo info = server.getMBeanInfo(catalog);
        Map<String, MBeanOperationInfo> byName = new java.util.HashMap<>();
        for (MBeanOperationInfo op : info.getOperations()) {
            byName.put(op.getName(), op);
            assertFalse(op.getDescription().isBlank() || op.getDescription().equals(op.getName()), op.getName());
            for (MBeanParameterInfo p : op.getSignature()) {
                assertFalse(p.getName().matches("p\\d+") || p.getDescription().isBlank(), op.getName() + ": "
                        + p.getName());
            }
        }
        assertEquals(java.util.Set.of("flush", "changeTtl", "changeL1Ttl", "changeTier", "resetCounters"),
                byName.keySet());
        assertEquals("ttl", byName.get("changeTtl").getSignature()[0].getName());
        assertEquals("l1Ttl", byName.get("changeL1Ttl").getSignature()[0].getName());
        assertEquals("tier", byName.get("changeTier").getSignature()[0].getName());
        MBeanOperationInfo detach = server.getMBeanInfo(new ObjectName("dev.tiered:type=Runtime")).getOperations()[0];
        assertEquals("detach", detach.getName());
        assertTrue(detach.getDescription().startsWith("Takes tiered out of this JVM"), detach.getDescription());
    }

    @Test
    void resetCountersStartsEveryCountAtZero() throws Exception {
        assertTrue((long) attribute("Calls") > 0);
        invoke("resetCounters");
        for (String counter : new String[] {"Calls", "L1Hits", "L2Hits", "Loads", "Misses", "Uncached"}) {
            assertEquals(0L, attribute(counter), counter);
        }
        runs(1L);
        assertEquals(1L, attribute("L1Hits"));
        assertEquals(1L, attribute("Calls"));
    }

    @Test
    void theTierChangesAtOnceAndL1ComesBackEmpty() throws Exception {
        invoke("changeTier", "L2");
        assertEquals(dev.tiered.Tier.L2, find.tier());
        int before = runs.get();
        runs(1L);
        runs(1L);
        assertEquals(before + 2, runs.get(), "without Redis, an L2-only method runs every time");
        assertEquals(0, (long) attribute("L1Entries"));
        invoke("changeTier", "l1_l2");
        runs(1L);
        runs(1L);
        assertEquals(before + 3, runs.get(), "L1 is back, empty, and caches again");
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, () -> invoke("changeTier", "L3"));
        assertEquals("namespace catalog: tier \"L3\" is malformed; accepted: L1, L2 or L1_L2. Nothing was changed.",
                e.getCause().getMessage());
        assertEquals(dev.tiered.Tier.L1_L2, find.tier());
    }

    @Test
    void aTierWithL2IsRefusedForAMethodWhoseArgumentsCannotMakeL2Keys() throws Exception {
        CachedMethod byObject = runtime.register(Specs.of(Fixtures.Catalog.class, "byObject", "10m",
                dev.tiered.Tier.L1, "catalog"));
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, () -> invoke("changeTier", "L1_L2"));
        assertTrue(e.getCause().getMessage().startsWith("namespace catalog: tier L1_L2 is refused: "
                + byObject.name() + " has a parameter with no stable L2 key encoding"), e.getCause().getMessage());
        assertEquals(dev.tiered.Tier.L1, byObject.tier());
        assertEquals(dev.tiered.Tier.L1_L2, find.tier(), "nothing was changed");
    }
}
