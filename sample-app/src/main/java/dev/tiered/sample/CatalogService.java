package dev.tiered.sample;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.jdbcx.JdbcConnectionPool;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The product catalog's HTTP API, in front of {@link ProductRepository}.
 *
 * <p>Run it with the tiered agent to cache the repository's reads, in each instance and shared through Redis:
 * <pre>
 * java -javaagent:tiered-agent.jar -Dtiered.redis.uri=redis://localhost:6379 \
 *      -Dcatalog.jdbcUrl=jdbc:h2:tcp://localhost/mem:catalog -Dcatalog.port=8080 \
 *      -cp tiered-sample-app.jar:tiered-annotations.jar:h2.jar dev.tiered.sample.CatalogService
 * </pre>
 * Without {@code -javaagent} it runs exactly as written and every read reaches the database. Settings are system
 * properties, read once at start-up:
 * <ul>
 *   <li>{@code catalog.jdbcUrl}: the database; required. Instances that share a database share the catalog.</li>
 *   <li>{@code catalog.jdbcUser}, {@code catalog.jdbcPassword}: its credentials; {@code sa} and no password unless
 *       set, as H2 has by default.</li>
 *   <li>{@code catalog.port}: the HTTP port, 8080 unless set; 0 picks a free port. The port in use is printed
 *       on start-up as {@code catalog listening on http://localhost:<port>}.</li>
 *   <li>{@code catalog.threads}: the requests served at once, and the database connections; 16 unless set.</li>
 *   <li>{@code catalog.seed}: when set to a count, creates the table and that many generated products before
 *       serving; for a fresh database, such as {@code jdbc:h2:mem:catalog}, when trying the service alone.</li>
 * </ul>
 *
 * <p>Endpoints, all answering JSON ({@code {"error": "..."}} for a 4xx or 5xx):
 * <ul>
 *   <li>{@code GET /products/{id}}: one product, or 404.</li>
 *   <li>{@code GET /products?category=<category>}: the products of a category, ordered by id.</li>
 *   <li>{@code PUT /products/{id}/price} with the new price as the body ({@code 12.50}): 204 once the change is
 *       committed, and from then on every read of this instance sees it; 404 if there is no such product.</li>
 *   <li>{@code GET /health}: 200 while the database answers, 503 otherwise.</li>
 *   <li>{@code GET /stats}: the number of queries sent to the database, and the tiered agent's counters when it
 *       is present (see {@link CacheMetrics}).</li>
 * </ul>
 */
public final class CatalogService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CatalogService.class.getName());
    private static final String NO_DELAY = "sun.net.httpserver.nodelay";

    private final JdbcConnectionPool pool;
    private final ProductRepository products;
    private final CacheMetrics cacheMetrics = new CacheMetrics();
    private final ExecutorService workers;
    private final HttpServer server;

    /**
     * The service's settings; see the class comment for their meaning.
     *
     * @param seedProducts products to create before serving; 0 to use the database as it is
     */
    public record Settings(String jdbcUrl, String jdbcUser, String jdbcPassword, int port, int threads,
                           int seedProducts) {
        public Settings {
            if (jdbcUrl == null || jdbcUrl.isBlank()) {
                throw new IllegalArgumentException("catalog.jdbcUrl is required, for example jdbc:h2:mem:catalog");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("catalog.port " + port + " is not a port; accepted: 0 to 65535");
            }
            if (threads < 1) {
                throw new IllegalArgumentException("catalog.threads " + threads + " must be at least 1");
            }
            if (seedProducts < 0) {
                throw new IllegalArgumentException("catalog.seed " + seedProducts + " must not be negative");
            }
        }

        /** Reads the {@code catalog.*} system properties. */
        public static Settings fromSystemProperties() {
            return new Settings(System.getProperty("catalog.jdbcUrl"), System.getProperty("catalog.jdbcUser", "sa"),
                    System.getProperty("catalog.jdbcPassword", ""), intProperty("catalog.port", 8080),
                    intProperty("catalog.threads", 16), intProperty("catalog.seed", 0));
        }

        private static int intProperty(String name, int defaultValue) {
            String value = System.getProperty(name);
            try {
                return value == null ? defaultValue : Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " \"" + value + "\" is not a whole number");
            }
        }
    }

    private CatalogService(Settings settings) throws IOException {
        // The JDK's HTTP server writes a response's headers and body separately: with Nagle's algorithm on, the
        // client's delayed acknowledgement then holds every response back by some 40 ms.
        if (System.getProperty(NO_DELAY) == null) {
            System.setProperty(NO_DELAY, "true");
        }
        pool = JdbcConnectionPool.create(settings.jdbcUrl(), settings.jdbcUser(), settings.jdbcPassword());
        pool.setMaxConnections(settings.threads());
        if (settings.seedProducts() > 0) {
            CatalogDatabase.createAndSeed(pool, settings.seedProducts());
        }
        products = new ProductRepository(pool, Clock.systemUTC());
        AtomicInteger threadNumber = new AtomicInteger();
        workers = Executors.newFixedThreadPool(settings.threads(),
                r -> new Thread(r, "catalog-http-" + threadNumber.incrementAndGet()));
        server = HttpServer.create(new InetSocketAddress(settings.port()), 128);
        server.setExecutor(workers);
        server.createContext("/products", exchange -> serve(exchange, this::products));
        server.createContext("/health", exchange -> serve(exchange, this::health));
        server.createContext("/stats", exchange -> serve(exchange, this::stats));
        server.start();
    }

    /**
     * Connects to the database (creating the catalog if {@link Settings#seedProducts()} asks for it) and starts
     * serving HTTP.
     */
    public static CatalogService start(Settings settings) throws IOException {
        return new CatalogService(settings);
    }

    public static void main(String[] args) throws IOException {
        CatalogService service = start(Settings.fromSystemProperties());
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "catalog-shutdown"));
        System.out.println("catalog listening on http://localhost:" + service.port());
    }

    /** The HTTP port in use, which differs from the one asked for when that was 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops accepting requests, lets those in progress finish for up to a second, and closes the connections. */
    @Override
    public void close() {
        server.stop(1);
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.dispose();
    }

    private Response products(HttpExchange exchange) throws IOException {
        String[] path = exchange.getRequestURI().getPath().split("/");
        String method = exchange.getRequestMethod();
        if (path.length == 2 && path[1].equals("products")) {
            requireMethod(method, "GET");
            String category = queryParameter(exchange, "category");
            if (category == null) {
                throw new ClientError("the category parameter is required: /products?category=<category>");
            }
            return Response.ok(Json.products(products.findByCategory(category)));
        }
        if (path.length == 3 && path[1].equals("products")) {
            requireMethod(method, "GET");
            long id = id(path[2]);
            Product product = products.find(id);
            if (product == null) {
                throw new ProductNotFoundException(id);
            }
            return Response.ok(Json.product(product));
        }
        if (path.length == 4 && path[1].equals("products") && path[3].equals("price")) {
            requireMethod(method, "PUT");
            long id = id(path[2]);
            BigDecimal price = price(exchange.getRequestBody());
            products.updatePrice(id, price);
            return Response.NO_CONTENT;
        }
        return new Response(404, Json.error("no such resource: " + exchange.getRequestURI().getPath()));
    }

    private Response health(HttpExchange exchange) {
        requireMethod(exchange.getRequestMethod(), "GET");
        try (Connection connection = pool.getConnection()) {
            if (connection.isValid(1)) {
                return Response.ok("{\"status\":\"up\"}");
            }
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "health check: the database cannot be reached: {0}", e.getMessage());
        }
        return new Response(503, "{\"status\":\"down\"}");
    }

    private Response stats(HttpExchange exchange) {
        requireMethod(exchange.getRequestMethod(), "GET");
        return Response.ok("{\"queries\":" + products.queries() + "," + cacheMetrics.jsonMembers() + "}");
    }

    /** Runs a route and writes its response; every failure becomes a JSON error, and only a 5xx is logged. */
    private static void serve(HttpExchange exchange, Route route) throws IOException {
        Response response;
        try {
            response = route.handle(exchange);
        } catch (ClientError e) {
            response = new Response(e.status, Json.error(e.getMessage()));
        } catch (ProductNotFoundException e) {
            response = new Response(404, Json.error(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, exchange.getRequestMethod() + " " + exchange.getRequestURI() + " failed", e);
            response = new Response(500, Json.error("internal error"));
        }
        try {
            if (response.json == null) {
                exchange.sendResponseHeaders(response.status, -1);
            } else {
                byte[] bytes = response.json.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(response.status, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        } finally {
            exchange.close();
        }
    }

    private static void requireMethod(String actual, String expected) {
        if (!actual.equals(expected)) {
            throw new ClientError(405, actual + " is not allowed here; use " + expected);
        }
    }

    private static long id(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ClientError("\"" + text + "\" is not a product id");
        }
    }

    /** A positive amount with at most two decimals, as the {@code price} column holds it. */
    private static BigDecimal price(InputStream body) throws IOException {
        String text = new String(body.readNBytes(64), StandardCharsets.UTF_8).strip();
        try {
            BigDecimal price = new BigDecimal(text);
            boolean fitsColumn = price.stripTrailingZeros().scale() <= 2 && price.precision() - price.scale() <= 10;
            if (price.signum() > 0 && fitsColumn) {
                return price.setScale(2);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ClientError("\"" + text + "\" is not a price; accepted: a positive amount with at most two "
                + "decimals, such as 12.50");
    }

    private static String queryParameter(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0 && URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8).equals(name)) {
                return URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @FunctionalInterface
    private interface Route {
        Response handle(HttpExchange exchange) throws IOException;
    }

    /** A status and a JSON body, or no body ({@code null}). */
    private record Response(int status, String json) {
        static final Response NO_CONTENT = new Response(204, null);

        static Response ok(String json) {
            return new Response(200, json);
        }
    }

    /** A request the service cannot serve as sent: answered with a 4xx status and the message. */
    private static final class ClientError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        ClientError(String message) {
            this(400, message);
        }

        ClientError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }
}
