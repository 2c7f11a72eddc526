package dev.tiered.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import dev.tiered.it.fixture.Ledger;

/**
 * What one checker JVM does: reader threads read random accounts (three ways) while a writer deposits into random
 * accounts, for a given time. Every read is recorded with its start, every write with the moment it returned, on
 * {@link System#nanoTime()}, which on one Linux machine is the same monotonic clock in every process.
 * Records go to a file, one per line: {@code R <key> <value> <startNanos>} and {@code W <key> <value> <endNanos>},
 * the key being {@code account-<id>} or {@code total}.
 */
final class CheckerWorkload {
    private CheckerWorkload() {}

    static String run(long millis, int readers, int accounts, long writePauseMillis, Path out)
            throws InterruptedException {
        Ledger ledger = new Ledger();
        long end = System.nanoTime() + millis * 1_000_000;
        List<StringBuilder> logs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicInteger errors = new AtomicInteger();
        for (int r = 0; r < readers; r++) {
            StringBuilder log = new StringBuilder();
            logs.add(log);
            threads.add(new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (System.nanoTime() < end) {
                    long account = random.nextInt(accounts);
                    int kind = random.nextInt(5);
                    long start = System.nanoTime();
                    try {
                        if (kind == 4) {
                            log.append("R total ").append(ledger.total());
                        } else if (kind == 3) {
                            String s = ledger.statement(account, random.nextInt(2));
                            log.append("R account-").append(account).append(' ').append(s, 0, s.indexOf(' '));
                        } else {
                            log.append("R account-").append(account).append(' ').append(ledger.amount(account));
                        }
                        log.append(' ').append(start).append('\n');
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                    }
                    // a busy service, not a spinning one: leave the other JVMs' bus threads some CPU
                    LockSupport.parkNanos(200_000);
                }
            }));
        }
        StringBuilder writes = new StringBuilder();
        logs.add(writes);
        threads.add(new Thread(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (System.nanoTime() < end) {
                long account = random.nextInt(accounts);
                try {
                    long[] written = ledger.deposit(account);
                    long returned = System.nanoTime();
                    writes.append("W account-").append(account).append(' ').append(written[0]).append(' ')
                            .append(returned).append('\n');
                    writes.append("W total ").append(written[1]).append(' ').append(returned).append('\n');
                    Thread.sleep(writePauseMillis);
                } catch (RuntimeException e) {
                    errors.incrementAndGet();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }));
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        try {
            Files.writeString(out, String.join("", logs));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "done errors=" + errors.get();
    }
}
