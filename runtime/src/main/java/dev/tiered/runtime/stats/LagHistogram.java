package dev.tiered.runtime.stats;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram of non-negative durations in one unit (propagation lags in microseconds, load times in nanoseconds):
 * 8 buckets per power of two, so a value is known to within 12.5%, plus the sum of the values. Recording takes no
 * lock and allocates nothing once a bucket has been used: each bucket is a {@link LongAdder}, striped under
 * contention, created the first time a value falls in it (most of the 512 never are). Readers sum the buckets; a
 * read concurrent with records may miss some of them, never counts one twice.
 */
public final class LagHistogram {
    private static final int SUB_BUCKETS = 8;
    public static final int BUCKETS = 64 * SUB_BUCKETS;

    private final AtomicReferenceArray<LongAdder> counts = new AtomicReferenceArray<>(BUCKETS);
    private final LongAdder sum = new LongAdder();

    public void record(long value) {
        long v = Math.max(0, value);
        int bucket = bucket(v);
        LongAdder adder = counts.get(bucket);
        if (adder == null) {
            counts.compareAndSet(bucket, null, new LongAdder());
            adder = counts.get(bucket);
        }
        adder.increment();
        sum.add(v);
    }

    /**
     * Forgets every value recorded so far. Records made meanwhile by other threads may or may not survive, which is
     * all a reset of live counters can promise.
     */
    public void reset() {
        for (int i = 0; i < BUCKETS; i++) {
            LongAdder adder = counts.get(i);
            if (adder != null) {
                adder.reset();
            }
        }
        sum.reset();
    }

    public static int bucket(long value) {
        if (value < SUB_BUCKETS) {
            return (int) value;
        }
        int power = 63 - Long.numberOfLeadingZeros(value); // value >= 2^power
        int sub = (int) ((value >>> (power - 3)) & (SUB_BUCKETS - 1));
        return Math.min(BUCKETS - 1, (power - 2) * SUB_BUCKETS + sub);
    }

    /** The upper bound of a bucket's values. */
    static long upperBound(int bucket) {
        if (bucket < SUB_BUCKETS) {
            return bucket;
        }
        int power = bucket / SUB_BUCKETS + 2;
        int sub = bucket % SUB_BUCKETS;
        return ((long) (SUB_BUCKETS + sub + 1) << (power - 3)) - 1;
    }

    public long count() {
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            LongAdder adder = counts.get(i);
            if (adder != null) {
                n += adder.sum();
            }
        }
        return n;
    }

    /** The sum of the recorded values (negative ones counted as 0). */
    public long sum() {
        return sum.sum();
    }

    /** Adds everything {@code other} recorded to this histogram (a retired method's, to its namespace's). */
    public void add(LagHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            LongAdder theirs = other.counts.get(i);
            long n = theirs == null ? 0 : theirs.sum();
            if (n != 0) {
                LongAdder adder = counts.get(i);
                if (adder == null) {
                    counts.compareAndSet(i, null, new LongAdder());
                    adder = counts.get(i);
                }
                adder.add(n);
            }
        }
        sum.add(other.sum());
    }

    /** Adds this histogram's bucket counts to {@code into} ({@link #BUCKETS} long): to merge histograms. */
    public void addCountsTo(long[] into) {
        for (int i = 0; i < BUCKETS; i++) {
            LongAdder adder = counts.get(i);
            if (adder != null) {
                into[i] += adder.sum();
            }
        }
    }

    /** The value at a quantile (0 to 1), by the upper bound of its bucket; 0 when nothing was recorded. */
    public long quantile(double q) {
        long[] snapshot = new long[BUCKETS];
        addCountsTo(snapshot);
        return quantile(snapshot, q);
    }

    /** The value at a quantile of bucket counts as {@link #addCountsTo} gives them; 0 for no values. */
    public static long quantile(long[] counts, double q) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return upperBound(i);
            }
        }
        return upperBound(BUCKETS - 1);
    }
}
