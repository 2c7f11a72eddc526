package dev.tiered.sample;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;

import javax.sql.DataSource;

/**
 * The catalog's schema and a generated assortment, for a fresh database.
 *
 * <p>The assortment is the same on every run (a fixed seed), so that two runs of the demo read the same products.
 */
public final class CatalogDatabase {
    /** Every category of the generated assortment. */
    public static final List<String> CATEGORIES = List.of("audio", "baby", "bath", "bedding", "books", "camping",
            "cleaning", "crafts", "cycling", "decor", "fitness", "furniture", "games", "garden", "kitchen", "lighting",
            "music", "office", "outdoor", "pets", "storage", "tools", "toys", "travel");

    private static final List<String> ADJECTIVES = List.of("Classic", "Compact", "Deluxe", "Everyday", "Foldable",
            "Heavy-duty", "Lightweight", "Modern", "Portable", "Rustic", "Smart", "Vintage");
    private static final List<String> MATERIALS = List.of("Bamboo", "Canvas", "Ceramic", "Copper", "Glass",
            "Leather", "Linen", "Oak", "Steel", "Wool");
    private static final List<String> ITEMS = List.of("Basket", "Bottle", "Box", "Case", "Clock", "Lamp", "Mat",
            "Organizer", "Rack", "Set", "Shelf", "Stand");

    private CatalogDatabase() {}

    /**
     * Creates the {@code product} table and fills it with products {@code 1..count} spread over
     * {@link #CATEGORIES}, in one transaction.
     *
     * @throws CatalogException if the table exists already or the database fails
     */
    public static void createAndSeed(DataSource dataSource, int count) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (Statement ddl = connection.createStatement()) {
                ddl.execute("CREATE TABLE product ("
                        + "id BIGINT PRIMARY KEY, "
                        + "name VARCHAR(200) NOT NULL, "
                        + "category VARCHAR(50) NOT NULL, "
                        + "price DECIMAL(12, 2) NOT NULL, "
                        + "updated_at TIMESTAMP WITH TIME ZONE NOT NULL)");
                ddl.execute("CREATE INDEX product_category ON product (category)");
            }
            insert(connection, count);
            connection.commit();
        } catch (SQLException e) {
            throw new CatalogException("cannot create the catalog", e);
        }
    }

    private static void insert(Connection connection, int count) throws SQLException {
        SplittableRandom random = new SplittableRandom(20240917);
        OffsetDateTime now = OffsetDateTime.ofInstant(Instant.now(), ZoneOffset.UTC);
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO product (id, name, category, price, updated_at) VALUES (?, ?, ?, ?, ?)")) {
            for (long id = 1; id <= count; id++) {
                insert.setLong(1, id);
                insert.setString(2, pick(random, ADJECTIVES) + " " + pick(random, MATERIALS) + " "
                        + pick(random, ITEMS));
                insert.setString(3, pick(random, CATEGORIES));
                insert.setBigDecimal(4, BigDecimal.valueOf(random.nextInt(99, 50_000), 2));
                insert.setObject(5, now);
                insert.addBatch();
                if (id % 1000 == 0) {
                    insert.executeBatch();
                }
            }
            insert.executeBatch();
        }
    }

    private static String pick(SplittableRandom random, List<String> values) {
        return values.get(random.nextInt(values.size()));
    }
}
