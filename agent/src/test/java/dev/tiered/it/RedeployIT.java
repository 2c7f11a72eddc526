package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/**
 * An application redeployed 40 times into fresh class loaders, as servlet containers, OSGi and dev-mode restarts
 * do: every deployment is cached (L1, and L2 in a real Redis, with an {@code @CacheKey} index), finds in L2 what the
 * one before stored, is invalidated by its own writes, and once undeployed lets its loader go: after full GCs no
 * undeployed loader is alive, and the agent's JMX counts them as released.
 */
class RedeployIT {
    private static final int DEPLOYMENTS = 40;

    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();

    @Test
    void fortyRedeploysAreEachCachedAndLeaveNoLoaderBehind() {
        RedisServer redis = RedisServer.shared();
        String prefix = "redeploy-" + ProcessHandle.current().pid();
        JvmProcess app = jvms.withAgent("redeploys", "tiered.redis.uri=" + redis.uri(),
                "tiered.redis.keyPrefix=" + prefix, "tiered.provenance=true");
        String liveBefore = Await.value("the runtime's MBean", Duration.ofSeconds(10), () -> {
            String live = app.request("runtime ClassLoadersLive");
            return live.startsWith("error") ? null : live;
        });
        String deploy = "deploy " + AgentJvms.fixtureClasses() + " " + AgentJvms.annotationsJar();
        String name = "unnamed";
        Map<String, Object> entries = Map.of();
        for (int i = 0; i < DEPLOYMENTS; i++) {
            String reply = app.request(deploy);
            String expected = i == 0
                    ? "first=METHOD value=unnamed all=METHOD findRuns=1 allRuns=1"
                    : "first=L2 value=" + name + " all=L2 findRuns=0 allRuns=0";
            assertEquals(expected, reply, "deployment " + i + " is cached, and finds L2\n" + app.transcript());
            if (i == 0) {
                entries = awaitEntries(redis, prefix, 2, entries, app); // find's and all's
            }
            if (i % 8 == 3) { // a keyed write through this deployment: only this deployment's L1 held the old name
                name = "name-" + i;
                assertEquals("value=" + name + " findRuns=1 allRuns=1", app.request("redeployed-rename 1 " + name),
                        "deployment " + i + " is invalidated by its own write\n" + app.transcript());
                // find's and all's (a keyless method of the namespace) new entries, for the next deployment
                entries = awaitEntries(redis, prefix, 2, entries, app);
            }
            assertEquals("undeployed " + (i + 1), app.request("undeploy"));
        }
        assertEquals("alive=0 of " + DEPLOYMENTS, app.request("collected 30", Duration.ofSeconds(60)),
                "every undeployed loader was collected\n" + app.transcript());
        // the cleaner counts each loader whose anchor it saw go; the application's own loader stays
        Await.until("the agent counts " + DEPLOYMENTS + " loaders released\n" + app.transcript(),
                Duration.ofSeconds(10), () -> app.request("runtime ClassLoadersReleased").equals("" + DEPLOYMENTS));
        assertEquals(liveBefore, app.request("runtime ClassLoadersLive"), "only the loaders there before are live");
        // the methods of the undeployed loaders are unregistered; their counts stay with their namespace
        Await.until("no method MBean is left\n" + app.transcript(), Duration.ofSeconds(10),
                () -> !app.request("mbeans").contains("type=Method"));
        assertEquals("" + (DEPLOYMENTS * 4 + 2 * (DEPLOYMENTS / 8)), app.request("stat redeploy Calls"),
                "every call of every deployment counts in its namespace");
    }

    /**
     * Waits until L2 holds {@code count} entries under the prefix, each different from what {@code before} says
     * it held (an entry's key names the namespace's version, so a keyed write's new entry replaces the old one);
     * returns what it holds.
     */
    private static Map<String, Object> awaitEntries(RedisServer redis, String prefix, int count,
                                                    Map<String, Object> before, JvmProcess app) {
        try {
            return Await.value("L2 holds " + count + " new entries", Duration.ofSeconds(10), () -> {
                Map<String, Object> now = new TreeMap<>();
                for (Object key : (List<?>) redis.command("KEYS", prefix + ":e:*")) {
                    Object value = redis.command("GET", (String) key);
                    if (value != null && !value.equals(before.get(key))) {
                        now.put((String) key, value);
                    }
                }
                return now.size() >= count ? now : null;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; it holds " + redis.command("KEYS", prefix + ":*") + "\n"
                    + app.transcript(), e);
        }
    }
}
