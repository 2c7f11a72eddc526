package dev.tiered.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.tiered.runtime.l2.KeyType;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.RedisServer;
import dev.tiered.testkit.StaleReads;

/**
 * {@code @Invalidates} methods called inside real Spring transactions over H2, with two runtimes (two JVMs) on a real
 * Redis: the invalidation holds until the commit, so that a value read before the commit is never served after it,
 * in either JVM; a rollback invalidates nothing and leaves nothing of what the transaction saw in a cache.
 */
class TransactionalInvalidationTest {
    private static final int KEYS = 5;

    @RegisterExtension
    final RedisRuntimes runtimes = new RedisRuntimes("x");

    private JdbcConnectionPool pool;
    private JdbcTemplate jdbc;
    private TransactionTemplate transactions;
    private final ExecutorService otherThread = Executors.newSingleThreadExecutor();
    private final CachedMethod[] find = new CachedMethod[2];
    private final Invalidation[] update = new Invalidation[2];

    @BeforeEach
    void database() throws Exception {
        pool = JdbcConnectionPool.create("jdbc:h2:mem:" + runtimes.prefix() + ";DB_CLOSE_DELAY=-1", "sa", "");
        pool.setMaxConnections(20);
        jdbc = new JdbcTemplate(pool);
        jdbc.execute("create table item (id bigint primary key, val bigint not null)");
        for (int id = 0; id < KEYS; id++) {
            jdbc.update("insert into item values (?, 1)", id);
        }
        transactions = new TransactionTemplate(new DataSourceTransactionManager(pool));
    }

    @AfterEach
    void close() {
        otherThread.shutdownNow();
        jdbc.execute("drop all objects delete files");
        pool.dispose();
    }

    /** Two runtimes on the shared server: {@code find(long)} keyed, and a write of one item, keyed or whole. */
    private void start(boolean keyed) throws Exception {
        for (int i = 0; i < 2; i++) {
            TieredRuntime runtime = runtimes.start(RedisServer.shared());
            find[i] = keyed ? RedisRuntimes.find(runtime) : runtime.register(Fixtures.spec("find", "10m"));
            // the loader of a class that sees Spring, as the agent passes the loader of the method's class
            update[i] = runtime.registerInvalidation(new InvalidationSpec("x.W", "update", List.of("long"),
                    List.of("catalog"), keyed ? List.of(0) : List.of(), keyed ? KeyType.Scalar.LONG : null, false,
                    getClass().getClassLoader()));
        }
    }

    /** A cached read of the item, whose body reads through the calling thread's transaction, if any. */
    private long read(int jvm, long id) throws Exception {
        Callable<?> body = () -> Long.toString(jdbc.queryForObject("select val from item where id = ?", Long.class, id));
        return Long.parseLong((String) Fixtures.call(find[jvm], body, id));
    }

    private long readElsewhere(int jvm, long id) throws Exception {
        return otherThread.submit(() -> read(jvm, id)).get(10, TimeUnit.SECONDS);
    }

    /** What the application's {@code @Invalidates} method does: the write, then (its advice) the invalidation. */
    private void write(int jvm, long id, long value) {
        jdbc.update("update item set val = ? where id = ?", value, id);
        if (update[jvm].keyed()) {
            update[jvm].run(new Object[] {id});
        } else {
            update[jvm].run();
        }
    }

    private void awaitHeard(int jvm, long before) {
        Await.until("runtime " + jvm + " to hear the invalidation", RedisRuntimes.WAIT,
                () -> find[jvm].namespace.invalidationsReceived.sum() > before);
    }

    @Test
    void aValueReadBetweenTheWriteAndItsCommitIsNeverServedAfterTheCommitInEitherJvm() throws Exception {
        start(true);
        assertEquals(1, read(0, 1));
        assertEquals(1, read(1, 1));
        long heard = find[1].namespace.invalidationsReceived.sum();
        transactions.executeWithoutResult(status -> {
            try {
                write(0, 1, 2);
                // the commit is slow: meanwhile both JVMs read the committed row, and may cache it
                assertEquals(1, readElsewhere(0, 1));
                assertEquals(1, readElsewhere(1, 1));
                // the writing thread sees its own write, uncached: no other thread may see it before the commit
                assertEquals(2, read(0, 1));
                assertEquals(0, find[0].namespace.invalidationsSent.sum(), "nothing is bumped before the commit");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(2, read(0, 1), "the writing JVM, once the commit returned");
        assertEquals(2, readElsewhere(0, 1));
        awaitHeard(1, heard);
        assertEquals(2, readElsewhere(1, 1), "the other JVM, once it heard the invalidation");
        assertEquals(1, find[0].namespace.invalidationsSent.sum(), "one bump, after the commit");
    }

    @Test
    void aRollbackInvalidatesNothingAndNoCacheKeepsWhatTheTransactionSaw() throws Exception {
        start(false);
        assertEquals(1, read(0, 1));
        assertEquals(1, read(1, 1));
        long uncached = find[0].stats().uncached.sum();
        transactions.executeWithoutResult(status -> {
            try {
                write(0, 1, 2);
                assertEquals(2, read(0, 1));
                assertEquals(2, read(0, 1), "again: never stored");
                assertTrue(TransactionSynchronizationManager.isActualTransactionActive());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            status.setRollbackOnly();
        });
        assertEquals(uncached + 2, find[0].stats().uncached.sum(), "the transaction's reads ran uncached");
        assertEquals(0, find[0].namespace.invalidationsSent.sum(), "a rollback bumps nothing");
        assertFalse(Fixtures.misses(find[0], 1L), "the entry cached before the transaction is still served");
        assertEquals(1, read(0, 1));
        assertEquals(1, readElsewhere(1, 1));
        assertFalse(find[0].namespace.writtenByOpenTransactions(), "the namespace is back on the fast path");
    }

    @Test
    void outsideATransactionTheWriteTakesEffectAtItsReturnAsBefore() throws Exception {
        start(true);
        assertEquals(1, read(0, 1));
        write(0, 1, 2);
        assertEquals(1, find[0].namespace.invalidationsSent.sum());
        assertEquals(2, read(0, 1));
        assertNull(transactions.execute(status -> null)); // a transaction without writes changes nothing
        assertFalse(find[0].namespace.writtenByOpenTransactions());
    }

    /**
     * The stale-read checker: readers in both JVMs, and a writer alternating between them whose transactions hold
     * their commit for a few milliseconds after the write (a quarter of them roll back). A read that starts after a
     * commit returned (in the other JVM, after one bus delivery) sees it.
     */
    @Test
    void underConcurrentReadersAndSlowCommitsNoReadIsOlderThanTheLastCommit() throws Exception {
        start(true);
        StaleReads records = new StaleReads();
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int jvm = i % 2;
            StaleReads.ReadLog log = records.log(jvm, KEYS);
            readers.add(new Thread(() -> {
                while (running.get()) {
                    int key = ThreadLocalRandom.current().nextInt(KEYS);
                    long start = System.nanoTime();
                    try {
                        log.add(key, read(jvm, key), start);
                    } catch (Throwable t) {
                        thrown.add(t);
                    }
                }
            }, "reader-" + i));
        }
        readers.forEach(Thread::start);
        AtomicInteger committed = new AtomicInteger();
        int rolledBack = 0;
        try {
            for (int i = 0; i < 60; i++) {
                int jvm = i % 2;
                int key = ThreadLocalRandom.current().nextInt(KEYS);
                boolean rollback = i % 4 == 3;
                long[] value = new long[1];
                transactions.executeWithoutResult(status -> {
                    value[0] = jdbc.queryForObject("select val from item where id = ?", Long.class, key) + 1;
                    write(jvm, key, value[0]);
                    // the commit is slow: work after the write, as a service does, while the readers run
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ThreadLocalRandom.current().nextInt(2, 15)));
                    if (rollback) {
                        status.setRollbackOnly();
                    }
                });
                if (rollback) {
                    rolledBack++;
                } else {
                    records.add(new StaleReads.Write(jvm, Integer.toString(key), value[0], System.nanoTime()));
                    committed.incrementAndGet();
                }
            }
        } finally {
            running.set(false);
            for (Thread t : readers) {
                t.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
        assertTrue(thrown.isEmpty(), () -> "calls threw: " + thrown);
        StaleReads.Result result = records.check(Duration.ofMillis(200).toNanos());
        assertEquals(45, committed.get());
        assertEquals(15, rolledBack);
        assertTrue(result.reads() > 1000, result::toString);
        assertEquals(0, result.stale(), result::toString);
    }
}
