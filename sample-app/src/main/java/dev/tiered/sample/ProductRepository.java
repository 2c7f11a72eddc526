package dev.tiered.sample;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import dev.tiered.CacheKey;
import dev.tiered.Invalidates;
import dev.tiered.Tiered;

/**
 * The catalog's products, in plain JDBC.
 *
 * <p>Reads are annotated {@link Tiered} and the price change {@link Invalidates}: with the tiered agent, reads are
 * served from memory or Redis and a price change is visible to every instance within the propagation window;
 * without it, every call goes to the database. This class is written the same either way and never knows which.
 *
 * <p>Thread-safe: every call borrows its own connection from the data source. Every statement sent to the
 * database, reads and writes alike, is counted in {@link #queries()}: that is how the service shows what the cache
 * saved.
 */
public final class ProductRepository {
    private static final String COLUMNS = "id, name, category, price, updated_at";

    private final DataSource dataSource;
    private final Clock clock;
    private final AtomicLong queries = new AtomicLong();

    public ProductRepository(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /**
     * The product with this id, or {@code null} if there is none. Products change only through
     * {@link #updatePrice}, which invalidates exactly this product (its {@link CacheKey}): the lifetime bounds how
     * long an entry nobody reads stays in memory and in Redis, not how stale it may get, so it can be long.
     */
    @Tiered(ttl = "10m", namespace = "product")
    public Product find(@CacheKey long id) {
        return query("SELECT " + COLUMNS + " FROM product WHERE id = ?", statement -> {
            statement.setLong(1, id);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? product(rows) : null;
            }
        });
    }

    /**
     * The products of a category ordered by id; empty if the category has none. Immutable, as every caller may
     * get the same cached instance. A listing is much larger than a product and each one is asked for less often,
     * so its entries are let go sooner. It has no {@link CacheKey}: a listing holds many products, so every price
     * change invalidates every listing.
     */
    @Tiered(ttl = "1m", namespace = "product")
    public List<Product> findByCategory(String category) {
        return query("SELECT " + COLUMNS + " FROM product WHERE category = ? ORDER BY id", statement -> {
            statement.setString(1, category);
            try (ResultSet rows = statement.executeQuery()) {
                List<Product> products = new ArrayList<>();
                while (rows.next()) {
                    products.add(product(rows));
                }
                return List.copyOf(products);
            }
        });
    }

    /**
     * Sets a product's price and stamps the change. The update is committed when this returns, which is why this
     * method, and not a caller, carries {@link Invalidates}: no instance caches the old price after that moment.
     * The write is keyed by the product ({@link CacheKey}): other products keep their entries.
     *
     * @throws ProductNotFoundException if there is no such product; nothing is then invalidated either
     */
    @Invalidates("product")
    public void updatePrice(@CacheKey long id, BigDecimal price) {
        int updated = query("UPDATE product SET price = ?, updated_at = ? WHERE id = ?", statement -> {
            statement.setBigDecimal(1, price);
            statement.setObject(2, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
            statement.setLong(3, id);
            return statement.executeUpdate();
        });
        if (updated == 0) {
            throw new ProductNotFoundException(id);
        }
    }

    /** How many SQL statements this repository has sent to the database since it was created. */
    public long queries() {
        return queries.get();
    }

    private <T> T query(String sql, Statement<T> body) {
        // in auto-commit mode, as the pool hands connections out: an update is committed when it returns
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            queries.incrementAndGet();
            return body.run(statement);
        } catch (SQLException e) {
            throw new CatalogException("cannot run " + sql, e);
        }
    }

    private static Product product(ResultSet row) throws SQLException {
        return new Product(row.getLong("id"), row.getString("name"), row.getString("category"),
                row.getBigDecimal("price"), row.getObject("updated_at", OffsetDateTime.class).toInstant());
    }

    @FunctionalInterface
    private interface Statement<T> {
        T run(PreparedStatement statement) throws SQLException;
    }
}
