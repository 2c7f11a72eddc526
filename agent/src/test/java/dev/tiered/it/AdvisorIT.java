package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.tiered.runtime.config.Rules;
import dev.tiered.testkit.JvmProcess;

/**
 * {@code tiered.advise}: an unannotated service observed without caching anything. The advisor ranks the slow read
 * whose arguments repeat first, names the write that changes its results, flags the read whose results change with
 * no write as unsafe, and proposes a rules file that reads back without a problem.
 */
class AdvisorIT {
    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void theAdvisorRanksWhatIsWorthCachingAndFlagsWhatIsUnsafe(@TempDir Path dir) throws Exception {
        JvmProcess app = jvms.withAgent("advised", "tiered.advise=dev.tiered.it.advised.**");
        // the workload's classes rewritten before it starts: a method running while its class is rewritten
        // finishes on its former code
        app.awaitStderr("the agent active", WAIT, l -> l.endsWith(" active"));
        assertEquals("ran 20000", app.request("inventory 20000", WAIT));
        String namespaces = app.request("namespaces");
        assertTrue(!namespaces.contains("Inventory"), "nothing was cached: " + namespaces);
        Path rules = dir.resolve("proposed.yaml");
        JvmProcess cli = jvms.track(JvmProcess.builder("advise-cli").jar(AgentJvms.agentJar(), "advise",
                Long.toString(app.pid()), "--rules", rules.toString()).start());
        assertEquals(0, cli.awaitExit(WAIT), cli.transcript());
        List<String> table = cli.stdout();
        String inventory = "dev.tiered.it.advised.Inventory.";
        assertTrue(table.get(0).startsWith("tiered advisor: "), cli.transcript());
        String first = table.get(2);
        assertTrue(first.startsWith("1    " + inventory + "describe(long)"), cli.transcript());
        assertTrue(first.endsWith("cache, invalidated by " + inventory + "rename(long,java.lang.String)"),
                cli.transcript());
        String stock = table.stream().filter(l -> l.contains(inventory + "stock(long)")).findFirst().orElseThrow();
        assertTrue(stock.contains("unsafe: its results change within 10s with no watched write called in between"),
                cli.transcript());
        String label = table.stream().filter(l -> l.contains(inventory + "label(long)")).findFirst().orElseThrow();
        assertTrue(label.endsWith("not worth it: few repeated arguments"), cli.transcript());

        Rules proposed = Rules.read(rules);
        assertEquals(List.of(), proposed.problems(), Files.readString(rules));
        assertEquals(List.of("describe"), proposed.cache().stream().map(Rules.Cache::methodName).toList(),
                Files.readString(rules));
        assertEquals(List.of("rename"), proposed.invalidate().stream().map(Rules.Invalidate::methodName).toList(),
                Files.readString(rules));
        assertEquals(proposed.cache().get(0).namespace(), proposed.invalidate().get(0).namespaces().get(0));
        // the id every rename named: the read's entity key and the write's
        assertEquals(List.of(0), proposed.cache().get(0).cacheKeys(), Files.readString(rules));
        assertEquals(List.of(0), proposed.invalidate().get(0).cacheKeys(), Files.readString(rules));
    }

    /**
     * {@code java -jar tiered-agent.jar advise <pid> <pattern>}: the advisor started in a JVM that runs tiered
     * without it; the pattern's loaded classes are rewritten, and what follows is observed as from start-up.
     */
    @Test
    void theAdvisorStartsInARunningJvm() {
        JvmProcess app = jvms.withAgent("advised-later");
        app.awaitStderr("the agent active", WAIT, l -> l.endsWith(" active"));
        assertEquals("ok label-1", app.request("call dev.tiered.it.advised.Inventory label 1"), "loaded before");
        JvmProcess start = jvms.track(JvmProcess.builder("advise-start").jar(AgentJvms.agentJar(), "advise",
                Long.toString(app.pid()), "dev.tiered.it.advised.**").start());
        assertEquals(0, start.awaitExit(WAIT), start.transcript());
        assertEquals(List.of("the advisor observes dev.tiered.it.advised.** from now on: 1 loaded classes "
                + "rewritten"), start.stdout());
        JvmProcess again = jvms.track(JvmProcess.builder("advise-again").jar(AgentJvms.agentJar(), "advise",
                Long.toString(app.pid()), "com.other.**").start());
        assertEquals(0, again.awaitExit(WAIT), again.transcript());
        assertEquals(List.of("the advisor already observes dev.tiered.it.advised.**; a JVM advises one pattern"),
                again.stdout());

        runsAndRanksTheWorkload(app);
    }

    /**
     * {@code advise <pid> <pattern>} on a JVM that runs without tiered: the agent is attached advising only, so the
     * annotated methods stay uncached while the pattern's classes are observed. A refused pattern leaves the JVM as
     * it was: the tiered attached for it detaches again.
     */
    @Test
    void theAdvisorAttachesToAJvmWithoutTieredAndCachesNothing() {
        JvmProcess app = jvms.track(jvms.builder("advised-plain").main(FixtureApp.class.getName()).start());
        assertEquals("ok label-1", app.request("call dev.tiered.it.advised.Inventory label 1"), "loaded before");
        JvmProcess refused = jvms.track(JvmProcess.builder("advise-refused").jar(AgentJvms.agentJar(), "advise",
                Long.toString(app.pid()), "java.util.**").start());
        assertEquals(2, refused.awaitExit(WAIT), refused.transcript());
        List<String> told = refused.stdout();
        assertTrue(told.get(1).startsWith("advise \"java.util.**\" is malformed; nothing was changed. Accepted: "),
                refused.transcript());
        assertTrue(told.get(2).startsWith("tiered detached"), refused.transcript());

        JvmProcess start = jvms.track(JvmProcess.builder("advise-attach").jar(AgentJvms.agentJar(), "advise",
                Long.toString(app.pid()), "dev.tiered.it.advised.**").start());
        assertEquals(0, start.awaitExit(WAIT), start.transcript());
        List<String> said = start.stdout();
        assertTrue(said.get(0).startsWith("tiered attached to JVM " + app.pid() + " from ")
                && said.get(0).endsWith(" with tiered.advise.only=true; its log says what it rewrote"),
                said.toString());
        assertEquals("the advisor observes dev.tiered.it.advised.** from now on: 1 loaded classes rewritten",
                said.get(1), start.transcript());

        app.request("call findL1 7");
        app.request("call findL1 7");
        assertEquals("2", app.request("runs findL1"), "an annotated method stays uncached: " + app.transcript());
        runsAndRanksTheWorkload(app);
    }

    /** The workload run in {@code app}: the advisor's table, read with the command, ranks its slow read first. */
    private static void runsAndRanksTheWorkload(JvmProcess app) {
        assertEquals("ran 20000", app.request("inventory 20000", WAIT));
        JvmProcess cli = jvms.track(JvmProcess.builder("advise-read").jar(AgentJvms.agentJar(), "advise",
                Long.toString(app.pid())).start());
        assertEquals(0, cli.awaitExit(WAIT), cli.transcript());
        assertTrue(cli.stdout().get(2).startsWith("1    dev.tiered.it.advised.Inventory.describe(long)"),
                cli.transcript());
    }
}
