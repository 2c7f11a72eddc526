package dev.tiered.runtime.l2;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.tiered.runtime.stats.MethodStats;

/**
 * Writes computed results to L2 behind the calls that computed them, so that a miss costs the caller one round
 * trip (the read) rather than two; gives back the leases of results not stored the same way. One daemon thread
 * takes what is queued and writes it in pipelined batches;
 * the queue is bounded by bytes ({@code tiered.l2.writeBehindBytes}), and a result that would exceed the bound is
 * not written to L2 at all (counted as {@code NotStored}): it stays in L1, and its lease expires by itself.
 *
 * <p>Writing later is safe: an entry's Redis key holds the namespace version it was computed under and its value
 * the entity version, so a write that lands after an invalidation is never served.
 *
 * <p>Thread-safe. Failed writes are counted per method and reported through {@link L2Errors}, never thrown.
 */
final class L2Writer {
    /** One result to store, and the method it is counted against. */
    record Write(Redis.Store store, MethodStats stats) {}

    private static final int BATCH = 128;

    private final Redis redis;
    private final L2Errors errors;
    private final long maxBytes;
    private final LinkedBlockingQueue<Write> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    /** Writes accepted and not yet finished (written or failed); guarded by this for {@link #awaitIdle}. */
    private long unfinished;
    private final Thread thread;
    private volatile boolean closed;

    L2Writer(Redis redis, L2Errors errors, long maxBytes) {
        this.redis = redis;
        this.errors = errors;
        this.maxBytes = maxBytes;
        this.thread = new Thread(this::run, "tiered-l2-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a write; {@code false} if the queue is full (or closed) and the write was not accepted. */
    boolean offer(Write write) {
        long size = write.store().value().length;
        if (closed) {
            return false;
        }
        long after = queuedBytes.addAndGet(size);
        if (after > maxBytes && after != size) { // one write alone may exceed the bound: it is never starved
            queuedBytes.addAndGet(-size);
            return false;
        }
        synchronized (this) {
            unfinished++;
        }
        queue.add(write);
        return true;
    }

    private void run() {
        List<Write> batch = new ArrayList<>(BATCH);
        while (true) {
            try {
                Write first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (RuntimeException | Error e) {
                // never let the writer die; the batch's writes are counted as faults
                for (Write w : batch) {
                    w.stats().faults.increment();
                }
            } finally {
                finish(batch);
            }
        }
    }

    private void write(List<Write> batch) {
        List<Redis.Store> stores = new ArrayList<>(batch.size());
        for (Write w : batch) {
            stores.add(w.store());
        }
        redis.setAll(stores, (i, e) -> errors.failed(batch.get(i).stats(), e));
    }

    private void finish(List<Write> batch) {
        if (batch.isEmpty()) {
            return;
        }
        long bytes = 0;
        for (Write w : batch) {
            bytes += w.store().value().length;
        }
        queuedBytes.addAndGet(-bytes);
        synchronized (this) {
            unfinished -= batch.size();
            if (unfinished == 0) {
                notifyAll();
            }
        }
        batch.clear();
    }

    /** Waits until every accepted write is finished; {@code false} if that took longer than {@code timeout}. */
    synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (unfinished > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Stops accepting writes and gives those queued up to {@code grace} to land. */
    void close(Duration grace) {
        closed = true;
        try {
            awaitIdle(grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
    }
}
