package dev.tiered.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.tiered.runtime.l2.MethodL2;

/**
 * One run of a cached method's body whose result the cache is waiting for.
 *
 * <p>{@link CachedMethod#begin1(Object) begin} hands a {@code Load} to the caller when the method must run; the
 * caller then reports the outcome with exactly one of {@link #complete(Object)} or {@link #fail(Throwable)}. A
 * leading load is registered so that concurrent callers of the same key wait for it instead of running the method
 * again, as long as what it began under is still current.
 *
 * <p>A load captures, before anything is read, the namespace's version, the generation its L1 entry must match,
 * and the namespace's local sequence: its result is stored only if none of them changed and its entity was not
 * invalidated in between. So a load that began before a write never installs its result after it.
 *
 * <p>A thread that leads a load never waits for another thread's load: two loads that each call the other's method
 * would otherwise wait on each other forever. Such nested calls run the method themselves.
 *
 * <p>For a method that returns a {@code CompletableFuture} or {@code CompletionStage}, the load ends when the
 * returned future completes, on whatever thread completes it; callers of the same key meanwhile receive a future
 * that completes with it, and nobody blocks.
 */
public final class Load {
    /** What {@link #await(long)} returns when the load failed or took too long. */
    static final Object NO_RESULT = new Object();

    private static final ThreadLocal<int[]> LEADING = ThreadLocal.withInitial(() -> new int[1]);

    final CachedMethod method;
    final Object key;
    /** The encoded entity key, or {@code null} for a method without one. */
    final String entity;
    final long version;
    final long generation;
    final long sequence;
    /** The stamp: the Redis version of the entity (or the any-entity) when L2 was read, stored with the result. */
    long stamp = MethodL2.NO_STAMP;
    /** The token of the lease this load holds to compute its entry for every JVM, or {@code null}. */
    String leaseToken;
    private boolean leader;
    /** The thread that began this load. */
    private final Thread caller = Thread.currentThread();
    private boolean countedLeading;
    private final CountDownLatch done = new CountDownLatch(1);
    /** For an asynchronous method: completes with the value, or exceptionally; shared by callers of the key. */
    final CompletableFuture<Object> shared;
    final long createdNanos = System.nanoTime();
    private volatile Object result = NO_RESULT;
    /** For a verification of a hit ({@code tiered.verify.rate}): the cached result; else {@code null}. */
    Object verifying;
    private long startNanos;
    private boolean finished;

    Load(CachedMethod method, Object key, String entity, long version, long generation, long sequence) {
        this.shared = method.async ? new CompletableFuture<>() : null;
        this.method = method;
        this.key = key;
        this.entity = entity;
        this.version = version;
        this.generation = generation;
        this.sequence = sequence;
    }

    /** Keeps what an L2 read said this load's result must be stored with: its stamp and lease. Returns this. */
    Load took(MethodL2.Read read) {
        stamp = read.stamp();
        leaseToken = read.leaseToken();
        return this;
    }

    /** Marks this load as the registered one for its key, which other callers may wait for. */
    void lead() {
        leader = true;
        if (shared == null) { // an asynchronous load is not waited for by blocking, and may end on another thread
            countedLeading = true;
            LEADING.get()[0]++;
        }
    }

    /**
     * Whether this is a synchronous load whose body runs on the calling thread now: a call of its method for its
     * key from within itself. (An asynchronous load's first caller has returned; its thread may call again.)
     */
    boolean ledByThisThread() {
        return shared == null && leader && caller == Thread.currentThread();
    }

    static boolean leadingOnThisThread() {
        return LEADING.get()[0] > 0;
    }

    /** Whether this thread leads another load besides the one it is now beginning. */
    static boolean nestedOnThisThread() {
        return LEADING.get()[0] > 1;
    }

    /** Marks the moment the method's body starts running; returns this. */
    Load start() {
        startNanos = System.nanoTime();
        return this;
    }

    /**
     * Reports how the method's body ended: what it returned, or what it threw. For an asynchronous method the load
     * then ends when the returned future completes.
     *
     * @return {@code null}, or a result the call returns instead of throwing {@code thrown} ({@link
     *     CachedMethod#NULL_RESULT} for {@code null}): an expired entry under {@code tiered.staleIfError}
     */
    public Object exit(Object returned, Throwable thrown) {
        if (verifying != null) {
            return method.verified(this, returned, thrown);
        }
        if (thrown != null) {
            fail(thrown);
            return method.staleAfterError(this, thrown);
        } else if (shared == null) {
            complete(returned);
        } else if (returned instanceof CompletionStage) {
            ((CompletionStage<?>) returned).whenComplete((value, failure) -> {
                if (failure == null) {
                    complete(value);
                } else {
                    fail(failure);
                }
            });
        } else {
            complete(null); // the method returned no future at all: nothing to cache, callers receive the same
        }
        return null;
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
        long nanos = recordTime();
        method.recordMiss(key, nanos, value);
        Object stored = value == null ? CachedMethod.NULL_RESULT : value;
        if (shared != null) {
            // the caller holds the method's own future, which completed before this ran: a call of the same key it
            // makes at once must find the entry stored, or this load still in flight, never neither
            method.store(this, value, stored);
            release(stored);
        } else {
            release(stored); // waiting callers go on at once
            method.store(this, value, stored);
        }
    }

    /** Reports that the method threw; nothing is stored and waiting callers run the method themselves. */
    public void fail(Throwable thrown) {
        if (!finish()) {
            return;
        }
        method.stats.loadFailures.increment();
        recordTime();
        release(NO_RESULT);
        method.failed(this);
        if (shared != null) {
            shared.completeExceptionally(thrown);
        }
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
            method.failed(this);
            if (shared != null) {
                shared.completeExceptionally(new IllegalStateException("the load was abandoned"));
            }
        }
    }

    /** Counts the load's time, and returns it. */
    private long recordTime() {
        long nanos = System.nanoTime() - startNanos;
        method.stats.loadNanos.add(nanos);
        method.stats.loadTimes.record(nanos);
        return nanos;
    }

    private synchronized boolean finish() {
        if (finished) {
            return false;
        }
        finished = true;
        if (countedLeading) {
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
        if (shared != null && outcome != NO_RESULT) {
            shared.complete(outcome == CachedMethod.NULL_RESULT ? null : outcome);
        }
    }

    /**
     * What a later call of the same key gets from this load in flight: for an asynchronous method, a future of its
     * result if it began less than {@code maxWaitNanos} ago; for another, its result once it has one. {@link
     * #NO_RESULT} if it failed, took longer, began too long ago, or this thread leads a load itself and must not wait.
     */
    Object joined(long maxWaitNanos, boolean stage) {
        if (shared != null) {
            return System.nanoTime() - createdNanos >= maxWaitNanos ? NO_RESULT
                    : stage ? shared.minimalCompletionStage() : shared.copy();
        }
        return leadingOnThisThread() ? NO_RESULT : await(maxWaitNanos);
    }

    /** Waits for the outcome: a result (possibly {@link CachedMethod#NULL_RESULT}) or {@link #NO_RESULT}. */
    private Object await(long timeoutNanos) {
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
