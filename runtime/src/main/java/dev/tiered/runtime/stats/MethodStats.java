package dev.tiered.runtime.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one cached method, off the hit path: striped ({@link LongAdder}), no lock. L1 hits are counted by
 * the runtime's {@link HitCounter}. Every call is counted exactly once in one of the L1 hits, {@code l2Hits},
 * {@code coalesced}, {@code loads}, {@code loadFailures} or {@code uncached}.
 */
public final class MethodStats {
    /** Every {@code LongAdder} counter of the class, for {@link #add} and {@link #reset}. */
    private static final java.lang.reflect.Field[] ADDERS = java.util.Arrays.stream(
            MethodStats.class.getDeclaredFields()).filter(f -> f.getType() == LongAdder.class)
            .toArray(java.lang.reflect.Field[]::new);

    /** The count of the method's L1 hits (kept in the runtime's HitCounter) at the last reset of its counters. */
    public volatile long l1HitsBaseline;
    /** Calls served from Redis. */
    public final LongAdder l2Hits = new LongAdder();
    /** Calls that waited for another thread's load of the same key and returned its result. */
    public final LongAdder coalesced = new LongAdder();
    /** Calls that ran the method, which returned normally. */
    public final LongAdder loads = new LongAdder();
    /** Calls that ran the method, which threw. */
    public final LongAdder loadFailures = new LongAdder();
    /** Total time spent in loads and failed loads, in nanoseconds. */
    public final LongAdder loadNanos = new LongAdder();
    /** The time of each load and failed load, in nanoseconds. */
    public final LagHistogram loadTimes = new LagHistogram();
    /** Durations of successful L2 reads (one round trip each), in nanoseconds. */
    public final LagHistogram l2Times = new LagHistogram();
    /** Of the L2 errors, those where Redis did not answer in time (a read or connect timeout, or no free connection). */
    public final LongAdder l2Timeouts = new LongAdder();
    /** L1 entries evicted to keep within the bound. */
    public final LongAdder evictedBySize = new LongAdder();
    /** L1 entries removed because their lifetime ended. */
    public final LongAdder expired = new LongAdder();
    /** L1 entries found to be of an old version (invalidated) and dropped. */
    public final LongAdder staleDrops = new LongAdder();
    /** Calls that ran the method without the cache: caching disabled, cut off from invalidations, or a fault. */
    public final LongAdder uncached = new LongAdder();
    /** L2 reads and writes that failed or timed out. */
    public final LongAdder l2Errors = new LongAdder();
    /** Values read from L2 that could not be decoded (each was a miss). */
    public final LongAdder decodeFailures = new LongAdder();
    /**
     * Results not written to L2: not serializable, too large, a key argument without an encoding, or the write-behind
     * queue full ({@code tiered.l2.writeBehindBytes}).
     */
    public final LongAdder notStored = new LongAdder();
    /** Internal failures of tiered; each call concerned ran uncached or skipped L2. */
    public final LongAdder faults = new LongAdder();
    /** Loads that refreshed an entry ahead of its expiry, on the thread of the read that found it due. */
    public final LongAdder refreshes = new LongAdder();
    /** Misses that waited for another JVM computing the same entry, and were served its result from L2. */
    public final LongAdder leaseWaits = new LongAdder();
    /** Calls whose method threw and that returned an expired L1 value instead (part of loadFailures). */
    public final LongAdder staleServed = new LongAdder();
    /** Hits on which the method ran too, under {@code tiered.verify.rate} (part of the L1 or L2 hits). */
    public final LongAdder verified = new LongAdder();
    /** Of those, the ones whose result differed from the cached value. */
    public final LongAdder verifyMismatches = new LongAdder();

    /**
     * Adds every counter of {@code other} to this one's: a method whose class loader is gone hands its counts to its
     * namespace, whose totals so never go back.
     */
    public void add(MethodStats other) {
        loadTimes.add(other.loadTimes);
        l2Times.add(other.l2Times);
        for (java.lang.reflect.Field f : ADDERS) {
            try {
                ((LongAdder) f.get(this)).add(((LongAdder) f.get(other)).sum());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("a counter of its own class is always readable", e);
            }
        }
    }

    /**
     * Sets every counter back to zero. Increments made meanwhile by other threads may or may not survive, which is
     * all a reset of live counters can promise.
     */
    public void reset() {
        loadTimes.reset();
        l2Times.reset();
        for (java.lang.reflect.Field f : ADDERS) {
            try {
                ((LongAdder) f.get(this)).reset();
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("a counter of its own class is always readable", e);
            }
        }
    }
}
