package dev.tiered.sample.demo;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.jdbcx.JdbcDataSource;
import org.h2.tools.Server;

import dev.tiered.sample.CatalogDatabase;

/**
 * The database that every catalog instance shares: an in-memory H2 database in this JVM, created and seeded here,
 * and served over TCP, on a free port and to local connections only. In-memory keeps the demo free of files to
 * clean up; TCP makes it one database for several JVMs, as a real database server would be.
 */
public final class SharedDatabase implements AutoCloseable {
    private static final AtomicInteger NUMBER = new AtomicInteger();

    private final String name;
    private final JdbcDataSource local = new JdbcDataSource();
    private final Server server;

    private SharedDatabase(int products) throws SQLException {
        name = "catalog-" + ProcessHandle.current().pid() + "-" + NUMBER.incrementAndGet();
        // DB_CLOSE_DELAY=-1: the database lives until close(), even while no connection is open
        local.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        local.setUser("sa"); // the user the catalog connects as by default; its creator is the database's admin
        CatalogDatabase.createAndSeed(local, products);
        server = Server.createTcpServer("-tcpPort", "0").start();
    }

    /**
     * Creates the database with {@code products} generated products and starts serving it.
     *
     * @throws IllegalStateException if H2 cannot start
     */
    public static SharedDatabase start(int products) {
        try {
            return new SharedDatabase(products);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start the H2 TCP server", e);
        }
    }

    /** The URL by which the instances reach this database. */
    public String jdbcUrl() {
        return "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/mem:" + name;
    }

    /** Stops serving and drops the database. */
    @Override
    public void close() {
        server.stop();
        try (Connection connection = local.getConnection(); Statement shutdown = connection.createStatement()) {
            shutdown.execute("SHUTDOWN");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop the database " + name, e);
        }
    }
}
