package dev.tiered.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tiered.sample.demo.CatalogClient;
import dev.tiered.sample.demo.CatalogInstance;
import dev.tiered.sample.demo.SharedDatabase;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.RedisServer;

/**
 * The advisor on the sample service with its repository compiled without annotations: under reads of products and
 * category listings with price changes now and then, it ranks the two methods the service annotates first, names
 * the price change as the write that invalidates them, and proposes rules for them.
 */
class CatalogAdvisorIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void theAdvisorRanksTheMethodsTheServiceAnnotatesFirst(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start();
             SharedDatabase database = SharedDatabase.start(100);
             CatalogInstance instance = CatalogInstance.launch("catalog-advised", database.jdbcUrl(),
                     CatalogInstance.agentJar(), Map.of("tiered.advise", "dev.tiered.sample.ProductRepository",
                             "tiered.redis.uri", redis.uri()),
                     List.of(UnannotatedRepository.compile()), CatalogClient.newHttpClient())) {
            CatalogClient client = instance.awaitReady(Duration.ofSeconds(30)).client();
            List<String> categories = CatalogDatabase.CATEGORIES.subList(0, 5);
            for (int i = 0; i < 3000; i++) {
                long id = i % 100 + 1;
                client.product(id);
                if (i % 3 == 0) {
                    client.productsIn(categories.get(i % categories.size()));
                }
                if (i % 50 == 49) {
                    client.updatePrice((i / 50 * 37L) % 100 + 1, BigDecimal.valueOf(10 + i % 90));
                }
            }
            Path rules = dir.resolve("proposed.yaml");
            JvmProcess cli = JvmProcess.builder("advise-cli").jar(CatalogInstance.agentJar(), "advise",
                    Long.toString(instance.pid()), "--rules", rules.toString()).start();
            try {
                assertEquals(0, cli.awaitExit(WAIT), cli.transcript());
            } finally {
                cli.close();
            }
            List<String> table = cli.stdout();
            System.out.println(String.join("\n", table)); // the README shows it
            String repository = "dev.tiered.sample.ProductRepository.";
            String write = repository + "updatePrice(long,java.math.BigDecimal)";
            List<String> top = table.subList(2, 4);
            assertTrue(top.stream().anyMatch(l -> l.contains(repository + "find(long)")
                    && l.endsWith("cache, invalidated by " + write)), cli.transcript());
            assertTrue(top.stream().anyMatch(l -> l.contains(repository + "findByCategory(java.lang.String)")
                    && l.endsWith("cache, invalidated by " + write + " (its whole namespace: the write names none "
                    + "of the arguments)")), cli.transcript());
            String yaml = Files.readString(rules);
            assertTrue(yaml.contains("  - method: " + repository + "find(long)\n"), yaml);
            assertTrue(yaml.contains("  - method: " + repository + "findByCategory(java.lang.String)\n"), yaml);
            assertTrue(yaml.contains("invalidate:\n"), yaml);
            assertEquals(1, yaml.split("  - method: " + repository.replace(".", "\\.") + "updatePrice", -1).length
                    - 1, yaml);
            // the keys the annotated repository declares: find(@CacheKey long id), updatePrice(@CacheKey long id,
            // ...), and none on the listing, which a keyed write reaches all the same
            assertTrue(java.util.regex.Pattern.compile("  - method: " + java.util.regex.Pattern.quote(repository
                    + "find(long)") + "\n    ttl: \\S+\n    namespace: ProductRepository\n    cacheKey: 0\n")
                    .matcher(yaml).find(), yaml);
            assertTrue(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(repository
                    + "findByCategory(java.lang.String)") + "\n    ttl: \\S+\n    namespace: ProductRepository\n"
                    + "(?!    cacheKey)").matcher(yaml).find(), yaml);
            assertTrue(yaml.contains(repository + "updatePrice(long, java.math.BigDecimal)\n"
                    + "    namespaces: [ProductRepository]\n    cacheKey: 0\n"), yaml);
        }
    }
}
