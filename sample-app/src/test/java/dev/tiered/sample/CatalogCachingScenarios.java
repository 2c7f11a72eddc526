package dev.tiered.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.tiered.sample.demo.CatalogClient;
import dev.tiered.sample.demo.CatalogInstance;
import dev.tiered.sample.demo.SharedDatabase;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;

/**
 * Two catalog instances in their own JVMs, started with {@code -javaagent}, sharing one database and one
 * redis-server, observed only through their HTTP API: what the agent does for a service that carries nothing but
 * the annotations ({@link CatalogCachingIT}), or nothing at all but a rules file ({@link CatalogRulesIT}); the same
 * tests, run both ways. Each test uses products of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CatalogCachingScenarios {
    private static final String NAMESPACE = "product";
    /** Far beyond the propagation window, for a loaded machine; the wait ends as soon as the price shows. */
    private static final Duration PROPAGATION_BOUND = Duration.ofSeconds(2);

    private RedisServer redis;
    private SharedDatabase database;
    /** The first instance, for what a variant checks of it. */
    CatalogInstance first;
    private CatalogInstance second;
    private CatalogClient a;
    private CatalogClient b;

    /** The agent's settings besides Redis. */
    Map<String, String> settings() {
        return Map.of();
    }

    /** Classes that replace the service's own. */
    List<Path> classpathFirst() throws Exception {
        return List.of();
    }

    @BeforeAll
    void start() throws Exception {
        Path agentJar = CatalogInstance.agentJar();
        redis = RedisServer.start();
        database = SharedDatabase.start(200);
        HttpClient http = CatalogClient.newHttpClient();
        Map<String, String> tiered = new java.util.HashMap<>(settings());
        tiered.put("tiered.redis.uri", redis.uri());
        List<Path> replacing = classpathFirst();
        first = CatalogInstance.launch("catalog-a", database.jdbcUrl(), agentJar, tiered, replacing, http);
        second = CatalogInstance.launch("catalog-b", database.jdbcUrl(), agentJar, tiered, replacing, http);
        a = first.awaitReady(Duration.ofSeconds(30)).client();
        b = second.awaitReady(Duration.ofSeconds(30)).client();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable resource : new AutoCloseable[] {first, second, database, redis}) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        }
    }

    @Test
    void aRepeatedReadIsServedFromMemoryWithoutAQuery() {
        a.product(1);
        CatalogClient.Stats before = a.stats();

        a.product(1);

        CatalogClient.Stats delta = a.stats().since(before);
        assertEquals(0, delta.queries(), "queries for a repeated read");
        assertEquals(1, delta.counter(NAMESPACE, "L1Hits"), delta.toString());
    }

    @Test
    void theSecondInstanceServesFromRedisWhatTheFirstLoaded() {
        a.product(2);
        CatalogClient.Stats before = b.stats();

        BigDecimal price = b.product(2).price();

        CatalogClient.Stats delta = b.stats().since(before);
        assertEquals(0, delta.queries(), "queries on the second instance");
        assertEquals(1, delta.counter(NAMESPACE, "L2Hits"), delta.toString());
        assertEquals(a.product(2).price(), price);
    }

    @Test
    void theSecondInstanceServesFromRedisACategoryListingThatTheFirstLoaded() {
        String category = a.product(6).category();
        List<Product> listing = a.productsIn(category);
        CatalogClient.Stats before = b.stats();

        List<Product> fromRedis = b.productsIn(category);

        CatalogClient.Stats delta = b.stats().since(before);
        assertEquals(0, delta.queries(), "queries on the second instance");
        assertEquals(1, delta.counter(NAMESPACE, "L2Hits"), delta.toString());
        assertEquals(listing, fromRedis);
    }

    @Test
    void aPriceChangeOnOneInstanceShowsThereAtOnceAndOnTheOtherWithinTheBound() {
        BigDecimal old = a.product(3).price();
        assertEquals(old, b.product(3).price()); // cached on both
        BigDecimal changed = old.add(new BigDecimal("1.00"));

        assertTrue(a.updatePrice(3, changed));

        assertEquals(changed, a.product(3).price(), "the writing instance, right after the write returned");
        Await.until("catalog-b to show product 3 at " + changed, PROPAGATION_BOUND,
                () -> b.product(3).price().equals(changed));
    }

    @Test
    void aCategoryListingShowsAPriceChangeMadeOnTheOtherInstance() {
        Product product = a.product(4);
        assertTrue(b.productsIn(product.category()).contains(product)); // cached on b
        BigDecimal changed = product.price().add(new BigDecimal("2.00"));

        assertTrue(a.updatePrice(4, changed));

        Await.until("catalog-b's listing of " + product.category() + " to show product 4 at " + changed,
                PROPAGATION_BOUND, () -> priceIn(b.productsIn(product.category()), 4).equals(changed));
    }

    @Test
    void aFailedPriceChangeInvalidatesNothing() {
        b.product(5);
        CatalogClient.Stats beforeA = a.stats();
        CatalogClient.Stats beforeB = b.stats();

        assertFalse(a.updatePrice(100_000, new BigDecimal("1.00")), "no such product");
        b.product(5);

        assertEquals(0, a.stats().since(beforeA).counter(NAMESPACE, "InvalidationsSent"));
        CatalogClient.Stats deltaB = b.stats().since(beforeB);
        assertEquals(0, deltaB.queries(), "queries on the other instance");
        assertEquals(1, deltaB.counter(NAMESPACE, "L1Hits"), deltaB.toString());
    }

    private static BigDecimal priceIn(List<Product> products, long id) {
        return products.stream().filter(p -> p.id() == id).findFirst().orElseThrow().price();
    }
}
