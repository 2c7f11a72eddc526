package dev.tiered.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Command lines the CLI refuses before it reaches any JVM: one line saying what is wrong, then the usage. */
class TieredCliTest {
    private static String[] refused(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = TieredCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(TieredCli.MALFORMED, status);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        return err.toString(StandardCharsets.UTF_8).split("\n");
    }

    @Test
    void rulesNeedsAPidAndReload() {
        assertEquals("tiered: rules needs what to do: rules <pid> reload", refused("rules", "4242")[0]);
        assertEquals("tiered: rules needs the pid of a JVM running the tiered agent", refused("rules")[0]);
        assertEquals("tiered: unexpected argument \"restart\"", refused("rules", "4242", "restart")[0]);
        assertEquals("tiered: unexpected argument \"reload\"", refused("rules", "4242", "reload", "reload")[0]);
        String[] usage = refused("rules", "4242");
        assertTrue(List.of(usage).contains("       java -jar tiered-agent.jar rules <pid> reload"));
    }

    @Test
    void adviseNeedsAPidAndAFileAfterRules() {
        assertEquals("tiered: advise needs the pid of a JVM running the tiered agent", refused("advise")[0]);
        assertEquals("tiered: --rules needs the path of the file to write", refused("advise", "4242", "--rules")[0]);
        assertEquals("tiered: advise takes a pid only, not \"--once\"", refused("advise", "4242", "--once")[0]);
        assertEquals("tiered: advise takes a pattern (to start the advisor) or --rules (to read it), not both",
                refused("advise", "4242", "com.acme.**", "--rules", "x.yaml")[0]);
    }
}
