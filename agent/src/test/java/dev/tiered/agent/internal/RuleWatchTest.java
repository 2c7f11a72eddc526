package dev.tiered.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tiered.runtime.config.Rules;

/**
 * A rule that met no method by the deadline is one line: its class (or no class its pattern takes) not loaded, or
 * loaded without that method.
 */
class RuleWatchTest {
    @Test
    void eachRuleThatMetNoMethodIsOneLineSayingWhy(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rules.yaml");
        Files.writeString(file, """
                cache:
                  - method: com.acme.Catalog.find(long)
                    ttl: 1m
                  - method: com.acme.Catalog.finds(long)
                    ttl: 1m
                  - method: com.acme.Catalgo.find(..)
                    ttl: 1m
                  - method: com.acme.*log.finds(long)
                    ttl: 1m
                  - method: com.acme.web.*Controller.get(..)
                    ttl: 1m
                invalidate:
                  - method: com.acme.Catalog.save(long, java.lang.String)
                """);
        Rules rules = Rules.read(file);
        RuleWatch watch = new RuleWatch(rules);
        watch.matched(rules.cache().get(0), null);
        watch.matched(null, rules.invalidate().get(0));
        String deadline = " met no method within " + RuleWatch.DEADLINE_SECONDS + " s of start-up: ";
        assertEquals(List.of(
                "rules file " + file + ":4: com.acme.Catalog.finds(long)" + deadline + "com.acme.Catalog is loaded, "
                        + "but neither it nor a class that implements it declares such a method with a body (an "
                        + "inherited method is ruled in the class that declares it, or in an interface)",
                "rules file " + file + ":6: com.acme.Catalgo.find(..)" + deadline + "com.acme.Catalgo was not loaded "
                        + "(a misspelt name, or a class not used yet); accepted: a class's binary name, like "
                        + "com.acme.Outer$Inner",
                "rules file " + file + ":8: com.acme.*log.finds(long)" + deadline + "the classes com.acme.*log that "
                        + "are loaded, and the classes that implement them, declare no such method with a body (an "
                        + "inherited method is ruled in the class that declares it, or in an interface)",
                "rules file " + file + ":10: com.acme.web.*Controller.get(..)" + deadline + "no class "
                        + "com.acme.web.*Controller was loaded (a misspelt package, or classes not used yet); "
                        + "accepted: a package written out and * in the class's simple name, like com.acme.*Client"),
                watch.unmatched(Set.of("com.acme.Catalog", "com.acme.web.ProductController$Inner")));
    }
}
