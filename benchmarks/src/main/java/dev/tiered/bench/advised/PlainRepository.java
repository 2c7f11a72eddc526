package dev.tiered.bench.advised;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import javax.sql.DataSource;

/**
 * The sample service's product lookup (the query of {@code ProductRepository.find}) without any annotation: what
 * the advisor observes in {@code AdviseBenchmark}.
 */
public class PlainRepository {
    private final DataSource dataSource;

    public PlainRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The product's name and price, or null. */
    public String find(long id) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT name, price FROM product WHERE id = ?")) {
            s.setLong(1, id);
            try (ResultSet rows = s.executeQuery()) {
                return rows.next() ? rows.getString(1) + " " + rows.getBigDecimal(2) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
