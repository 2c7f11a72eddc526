package dev.tiered.runtime.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code tiered.advise}: which classes a pattern takes, and which patterns are refused. */
class AdvisePatternTest {
    @Test
    void treesPackagesAndClasses() {
        AdvisePattern p = AdvisePattern.parse("com.acme.shop.**, com.acme.pricing.*, org.lib.Client");
        assertTrue(p.matches("com.acme.shop.Catalog"));
        assertTrue(p.matches("com.acme.shop.web.Controller$Inner"));
        assertFalse(p.matches("com.acme.shopping.Cart"), "a tree is a package, not a prefix of names");
        assertTrue(p.matches("com.acme.pricing.PriceClient"));
        assertFalse(p.matches("com.acme.pricing.rules.Rule"), "one package only");
        assertTrue(p.matches("org.lib.Client"));
        assertFalse(p.matches("org.lib.ClientFactory"));
    }

    @Test
    void malformedPatternsAndTheJdkAreRefused() {
        for (String bad : new String[] {"java.**", "java.util.List", "com..acme", "com.acme.**.x", "", "com.acme.?"}) {
            assertThrows(IllegalArgumentException.class, () -> AdvisePattern.parse(bad), bad);
        }
    }
}
