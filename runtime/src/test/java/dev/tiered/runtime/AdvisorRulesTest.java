package dev.tiered.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tiered.runtime.config.AdvisePattern;
import dev.tiered.runtime.config.Rules;

/**
 * The advisor's proposed rules name the entity key where its evidence does: a read's parameter that every write
 * changing its results named, and that write's parameter of the same type. A write that names no key of a keyed
 * read, and a write without parameters, invalidate the whole namespace.
 */
class AdvisorRulesTest {
    private final Advisor advisor = new Advisor(AdvisePattern.parse("com.acme.**"));
    private final Map<Long, String> names = new HashMap<>();
    private final Map<Long, Integer> prices = new HashMap<>();

    @Test
    void keysAreProposedWhereEveryChangeNamedThem(@TempDir Path dir) throws Exception {
        AdvisedMethod find = advisor.observe("com.acme.Shop", "find", List.of("long"));
        AdvisedMethod listing = advisor.observe("com.acme.Shop", "listing", List.of());
        WriterMethod rename = advisor.watchWrites("com.acme.Shop", "rename", List.of("long", "java.lang.String"));
        AdvisedMethod price = advisor.observe("com.acme.Prices", "price", List.of("java.lang.String", "long"));
        WriterMethod reprice = advisor.watchWrites("com.acme.Prices", "reprice", List.of("int", "java.lang.Long"));
        WriterMethod clear = advisor.watchWrites("com.acme.Prices", "clear", List.of());
        for (int i = 0; i < 4000; i++) {
            long id = i % 50;
            call(find, names.getOrDefault(id, "plain"), id);
            call(listing, names.toString());
            call(price, prices.getOrDefault(id, 100), "EUR", id);
            long changed = (i / 20 * 7L) % 50;
            if (i % 20 == 19 && i < 2000) {
                names.put(changed, "n" + i);
                rename.called(new Object[] {changed, "n" + i});
            } else if (i % 20 == 19) { // apart from the renames: writes that always come together look the same
                prices.put(changed, i);
                reprice.called(new Object[] {i, changed}); // the price first: the id is the second argument
            }
            if (i == 3000) {
                prices.clear();
                clear.called(new Object[0]);
            }
        }

        String yaml = advisor.rules();
        assertTrue(yaml.contains("  - method: com.acme.Shop.find(long)\n    ttl: 10m\n    namespace: Shop\n"
                + "    cacheKey: 0\n"), yaml);
        // no key: its rule ends at its namespace, whichever comes after it (ranked by time saved, so it may be last)
        String listingRule = "  - method: com.acme.Shop.listing()\n    ttl: 10m\n    namespace: Shop\n";
        assertTrue(yaml.contains(listingRule) && !yaml.contains(listingRule + "    cacheKey"), yaml);
        assertTrue(yaml.contains("  - method: com.acme.Prices.price(java.lang.String, long)\n    ttl: 10m\n"
                + "    namespace: Prices\n    cacheKey: 1\n"), yaml);
        // the rename reaches the listing too: a keyed write reaches the namespace's reads without a key
        assertTrue(yaml.contains("  - method: com.acme.Shop.rename(long, java.lang.String)\n    namespaces: [Shop]\n"
                + "    cacheKey: 0\n"), yaml);
        assertTrue(yaml.contains("  - method: com.acme.Prices.reprice(int, java.lang.Long)\n"
                + "    namespaces: [Prices]\n    cacheKey: 1\n"), yaml);
        assertTrue(yaml.contains("  - method: com.acme.Prices.clear()\n    namespaces: [Prices]\n")
                && !yaml.contains("clear()\n    namespaces: [Prices]\n    cacheKey"), yaml);

        Path file = dir.resolve("proposed.yaml");
        Files.writeString(file, yaml);
        Rules read = Rules.read(file);
        assertEquals(List.of(), read.problems(), yaml);
        assertEquals(3, read.cache().size(), yaml);
        assertEquals(3, read.invalidate().size(), yaml);
    }

    @Test
    void aWriteThatNamesNoKeyOfAKeyedReadInvalidatesItsWholeNamespaceAndTheReadKeepsItsKey() {
        AdvisedMethod find = advisor.observe("com.acme.Shop", "find", List.of("long"));
        WriterMethod rename = advisor.watchWrites("com.acme.Shop", "rename", List.of("long", "java.lang.String"));
        WriterMethod restyle = advisor.watchWrites("com.acme.Shop", "restyle", List.of("java.lang.String"));
        for (int i = 0; i < 4000; i++) {
            long id = i % 50;
            call(find, names.getOrDefault(id, "plain") + names.getOrDefault(-1L, ""), id);
            if (i % 20 == 19) {
                long renamed = (i / 20 * 7L) % 50;
                names.put(renamed, "n" + i);
                rename.called(new Object[] {renamed, "n" + i});
            }
            if (i % 500 == 499) { // changes every result, naming none of the arguments
                names.put(-1L, "style" + i);
                restyle.called(new Object[] {"style" + i});
            }
        }

        String yaml = advisor.rules();
        assertTrue(yaml.contains("  - method: com.acme.Shop.find(long)\n    ttl: 10m\n    namespace: Shop\n"
                + "    cacheKey: 0\n"), yaml);
        assertTrue(yaml.contains("  - method: com.acme.Shop.rename(long, java.lang.String)\n    namespaces: [Shop]\n"
                + "    cacheKey: 0\n"), yaml);
        assertTrue(yaml.contains("the whole namespace\n  - method: com.acme.Shop.restyle(java.lang.String)\n"
                + "    namespaces: [Shop]\n") && !yaml.contains("restyle(java.lang.String)\n    namespaces: [Shop]\n"
                + "    cacheKey"), yaml);
    }

    private static void call(AdvisedMethod m, Object result, Object... args) {
        m.returned(args, result, System.nanoTime());
    }
}
