package dev.tiered.sample.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tiered.sample.Product;

/**
 * One catalog instance's HTTP API, as its clients call it. Thread-safe; connections are those of the shared
 * {@link HttpClient}.
 *
 * <p>Every method sends one request and waits for the answer. An answer other than the documented ones is an
 * {@link IllegalStateException} naming the instance, the request, the status and the body.
 */
public final class CatalogClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http;
    private final String name;
    private final URI base;

    public CatalogClient(HttpClient http, String name, URI base) {
        this.http = http;
        this.name = name;
        this.base = base;
    }

    /** An HTTP/1.1 client: the JDK's HTTP server does not speak HTTP/2, so the upgrade attempt is wasted. */
    public static HttpClient newHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
    }

    public String name() {
        return name;
    }

    /** The product with this id, or {@code null} if the catalog has none. */
    public Product product(long id) {
        HttpResponse<String> response = send(get("/products/" + id));
        if (response.statusCode() == 404) {
            return null;
        }
        return product(object(expect(response, 200)));
    }

    /** The products of a category, ordered by id. */
    public List<Product> productsIn(String category) {
        String query = "?category=" + URLEncoder.encode(category, StandardCharsets.UTF_8);
        List<?> products = (List<?>) JsonReader.parse(expect(send(get("/products" + query)), 200));
        return products.stream().map(p -> product(asObject(p))).toList();
    }

    /**
     * Changes a product's price and returns once the instance has committed it.
     *
     * @return {@code false} if the catalog has no such product
     */
    public boolean updatePrice(long id, BigDecimal price) {
        HttpRequest request = request("/products/" + id + "/price")
                .PUT(HttpRequest.BodyPublishers.ofString(price.toPlainString()))
                .build();
        HttpResponse<String> response = send(request);
        if (response.statusCode() == 404) {
            return false;
        }
        expect(response, 204);
        return true;
    }

    /** Whether the instance answers and its database does; {@code false} rather than an exception. */
    public boolean healthy() {
        try {
            return send(get("/health")).statusCode() == 200;
        } catch (UncheckedIOException notListeningYet) {
            return false;
        }
    }

    public Stats stats() {
        Map<String, Object> stats = object(expect(send(get("/stats")), 200));
        Map<String, Map<String, Long>> namespaces = new LinkedHashMap<>();
        Map<String, Object> reported = stats.containsKey("namespaces") ? asObject(stats.get("namespaces")) : Map.of();
        reported.forEach((namespace, counters) -> {
            Map<String, Long> values = new LinkedHashMap<>();
            asObject(counters).forEach((counter, value) -> values.put(counter, ((BigDecimal) value).longValueExact()));
            namespaces.put(namespace, Map.copyOf(values));
        });
        return new Stats(((BigDecimal) stats.get("queries")).longValueExact(),
                Boolean.TRUE.equals(stats.get("agent")), Boolean.TRUE.equals(stats.get("busConnected")),
                Map.copyOf(namespaces));
    }

    /**
     * What {@code GET /stats} reports.
     *
     * @param queries SQL statements the instance has sent to its database
     * @param agent whether the tiered agent runs in the instance
     * @param busConnected whether the agent receives invalidations from the other instances
     * @param namespaces each namespace's counters by their JMX names ({@code L1Hits}, {@code Loads}, ...)
     */
    public record Stats(long queries, boolean agent, boolean busConnected,
                        Map<String, Map<String, Long>> namespaces) {

        /** A namespace's counter, 0 while the namespace is unused. */
        public long counter(String namespace, String counter) {
            return namespaces.getOrDefault(namespace, Map.of()).getOrDefault(counter, 0L);
        }

        /** What happened between {@code earlier} and these stats: every number minus its earlier value. */
        public Stats since(Stats earlier) {
            Map<String, Map<String, Long>> deltas = new LinkedHashMap<>();
            namespaces.forEach((namespace, counters) -> {
                Map<String, Long> values = new LinkedHashMap<>();
                counters.forEach((counter, value) -> values.put(counter, value - earlier.counter(namespace, counter)));
                deltas.put(namespace, Map.copyOf(values));
            });
            return new Stats(queries - earlier.queries, agent, busConnected, Map.copyOf(deltas));
        }
    }

    private HttpRequest get(String path) {
        return request(path).GET().build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": " + request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + ": interrupted during " + request.method() + " " + request.uri(), e);
        }
    }

    private String expect(HttpResponse<String> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(name + ": " + response.request().method() + " " + response.uri()
                    + " answered " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    private static Map<String, Object> object(String json) {
        return asObject(JsonReader.parse(json));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asObject(Object json) {
        return (Map<String, Object>) json;
    }

    private static Product product(Map<String, Object> json) {
        return new Product(((BigDecimal) json.get("id")).longValueExact(), (String) json.get("name"),
                (String) json.get("category"), (BigDecimal) json.get("price"),
                Instant.parse((String) json.get("updatedAt")));
    }
}
