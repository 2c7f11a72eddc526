package dev.tiered.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tiered.sample.demo.CatalogClient;

/** The service as written, in this JVM and without the agent: its HTTP contract, and no caching at all. */
class CatalogServiceTest {
    private static final HttpClient HTTP = CatalogClient.newHttpClient();
    private static final String DATABASE = "jdbc:h2:mem:" + UUID.randomUUID();
    private static CatalogService service;
    private static CatalogClient catalog;

    @BeforeAll
    static void start() throws IOException {
        service = CatalogService.start(new CatalogService.Settings(DATABASE, "sa", "", 0, 4, 100));
        catalog = new CatalogClient(HTTP, "catalog", URI.create("http://127.0.0.1:" + service.port()));
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    @Test
    void servesASeededProduct() {
        Product product = catalog.product(7);

        assertEquals(7, product.id());
        assertFalse(product.name().isBlank());
        assertTrue(CatalogDatabase.CATEGORIES.contains(product.category()), product.category());
        assertEquals(2, product.price().scale());
    }

    @Test
    void answersNotFoundForAnUnknownProduct() {
        assertNull(catalog.product(100_000));
        assertFalse(catalog.updatePrice(100_000, new BigDecimal("1.00")));
    }

    @Test
    void showsANewPriceAndItsTimeOnceThePutHasReturned() {
        Product before = catalog.product(8);
        BigDecimal price = before.price().add(new BigDecimal("1.25"));

        assertTrue(catalog.updatePrice(8, price));

        Product after = catalog.product(8);
        assertEquals(price, after.price());
        assertTrue(after.updatedAt().isAfter(before.updatedAt()), after.updatedAt() + " after " + before.updatedAt());
    }

    @Test
    void hasCommittedANewPriceWhenThePutReturns() throws Exception {
        BigDecimal price = catalog.product(12).price().add(new BigDecimal("3.00"));

        assertTrue(catalog.updatePrice(12, price));

        // another session, as another instance would have: it sees only what was committed
        try (Connection connection = DriverManager.getConnection(DATABASE, "sa", "");
             ResultSet row = connection.createStatement().executeQuery("SELECT price FROM product WHERE id = 12")) {
            assertTrue(row.next());
            assertEquals(price, row.getBigDecimal(1));
        }
    }

    @Test
    void listsACategoryInIdOrder() {
        String category = catalog.product(9).category();

        List<Product> products = catalog.productsIn(category);

        assertTrue(products.stream().anyMatch(p -> p.id() == 9));
        assertTrue(products.stream().allMatch(p -> p.category().equals(category)));
        assertEquals(products.stream().map(Product::id).sorted().toList(), products.stream().map(Product::id).toList());
    }

    @Test
    void rejectsAPriceThatIsNotAPositiveAmountOfCents() throws Exception {
        for (String price : List.of("abc", "-1.00", "0", "1.234", "")) {
            assertEquals(400, put("/products/10/price", price).statusCode(), price);
        }
        assertEquals(204, put("/products/10/price", " 12.5 ").statusCode());
        assertEquals(new BigDecimal("12.50"), catalog.product(10).price());
    }

    @Test
    void answersMethodNotAllowedAndNotFoundAsJson() throws Exception {
        HttpResponse<String> wrongMethod = put("/products/10", "1.00");
        assertEquals(405, wrongMethod.statusCode());
        assertTrue(wrongMethod.body().startsWith("{\"error\":"), wrongMethod.body());
        assertEquals(404, HTTP.send(HttpRequest.newBuilder(uri("/nothing/here")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void sendsEveryReadToTheDatabaseAndReportsNoAgent() {
        long before = catalog.stats().queries();

        catalog.product(11);
        catalog.product(11);

        CatalogClient.Stats stats = catalog.stats();
        assertEquals(before + 2, stats.queries());
        assertFalse(stats.agent());
        assertTrue(stats.namespaces().isEmpty(), stats.namespaces().toString());
    }

    @Test
    void isHealthyWhileTheDatabaseAnswers() {
        assertTrue(catalog.healthy());
    }

    private static HttpResponse<String> put(String path, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + service.port() + path);
    }
}
