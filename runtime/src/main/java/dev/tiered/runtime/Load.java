package dev.tiered.runtime;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One run of a cached method's body whose result the cache is waiting for.
 *
 * <p>{@link CachedMethod#begin1(Object) begin} hands a {@code Load} to the caller when the method must run; the
 * caller then reports the outcome with exactly one of {@link #complete(Object)} or {@link #fail(Throwable)}. A
 * leading load is registered so that concurrent callers of the same key and version wait for it instead of running
 * the method again.
 *
 * <p>A thread that leads a load never waits for another thread's load: two loads that each call the other's method
 * would otherwise wait on each other forever. Such nested calls run the method themselves.
 */
public final class Load {
    /** What {@link #await(long)} returns when the load failed or took too long. */
    static final Object NO_RESULT = new Object();

    private static final ThreadLocal<int[]> LEADING = ThreadLocal.withInitial(() -> new int[1]);

    final CachedMethod method;
    final Object key;
    final long version;
    private boolean leader;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Object result = NO_RESULT;
    private long startNanos;
    private boolean finished;

    Load(CachedMethod method, Object key, long version) {
        this.method = method;
        this.key = key;
        this.version = version;
    }

    /** Marks this load as the registered one for its key, which other callers may wait for. */
    void lead() {
        leader = true;
        LEADING.get()[0]++;
    }

    static boolean leadingOnThisThread() {
        return LEADING.get()[0] > 0;
    }

    /** Marks the moment the method's body starts running; returns this. */
    Load start() {
        startNanos = System.nanoTime();
        return this;
    }

    /**
     * Reports that the method returned {@code value} ({@code null} included): it is handed to waiting callers and
     * stored in the tiers unless a bump happened since the load began.
     */
    public void complete(Object value) {
        if (!finish()) {
            return;
        }
        method.stats.loads.increment();
        method.stats.loadNanos.add(System.nanoTime() - startNanos);
        Object stored = value == null ? CachedMethod.NULL_RESULT : value;
        release(stored);
        method.store(key, version, value, stored);
    }

    /** Reports that the method threw; nothing is stored and waiting callers run the method themselves. */
    public void fail(Throwable thrown) {
        if (!finish()) {
            return;
        }
        method.stats.loadFailures.increment();
        method.stats.loadNanos.add(System.nanoTime() - startNanos);
        release(NO_RESULT);
    }

    /** Ends a leading load with a result read from L2, without running the method. */
    void completeFromL2(Object result) {
        if (finish()) {
            release(result);
        }
    }

    /** Ends a leading load that will not run (a fault before the method started); waiters run it themselves. */
    void abandon() {
        if (finish()) {
            release(NO_RESULT);
        }
    }

    private boolean finish() {
        if (finished) {
            return false;
        }
        finished = true;
        if (leader) {
            LEADING.get()[0]--;
        }
        return true;
    }

    private void release(Object outcome) {
        if (leader) {
            method.loadEnded(this);
        }
        result = outcome;
        done.countDown();
    }

    /** Waits for the outcome: a result (possibly {@link CachedMethod#NULL_RESULT}) or {@link #NO_RESULT}. */
    Object await(long timeoutNanos) {
        try {
            if (!done.await(timeoutNanos, TimeUnit.NANOSECONDS)) {
                return NO_RESULT;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return NO_RESULT;
        }
        return result;
    }
}
