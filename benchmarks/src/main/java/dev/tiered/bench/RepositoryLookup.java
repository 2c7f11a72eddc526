package dev.tiered.bench;

import java.util.concurrent.TimeUnit;

import org.h2.jdbcx.JdbcConnectionPool;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.tiered.bench.advised.PlainRepository;
import dev.tiered.sample.CatalogDatabase;

/**
 * Case 10, the advisor's cost: the sample service's product lookup against its H2 database, 1,000 products in
 * turn, in JVMs with the agent and nothing advised ({@link AdviseBenchmark}) and in JVMs advising the lookup's class
 * ({@link AdvisedBenchmark}), in the same rounds: their ratio is what observing costs the observed method.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public abstract class RepositoryLookup {
    private JdbcConnectionPool pool;
    private PlainRepository repository;
    private long next;

    @Setup
    public void setUp() {
        pool = JdbcConnectionPool.create("jdbc:h2:mem:advise;DB_CLOSE_DELAY=-1", "sa", "");
        CatalogDatabase.createAndSeed(pool, 1000);
        repository = new PlainRepository(pool);
    }

    @TearDown
    public void tearDown() {
        pool.dispose();
    }

    String lookup() {
        return repository.find(next++ % 1000 + 1);
    }
}
