package dev.tiered.runtime;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Propagation lags of received invalidations, in microseconds: 8 buckets per power of two (a value is known to
 * within 12.5%), lock-free, constant size. Written by the bus thread, read by metrics.
 */
final class LagHistogram {
    private static final int SUB_BUCKETS = 8;
    private static final int BUCKETS = 64 * SUB_BUCKETS;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    void record(long micros) {
        counts.incrementAndGet(bucket(Math.max(0, micros)));
    }

    static int bucket(long value) {
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

    long count() {
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            n += counts.get(i);
        }
        return n;
    }

    /** The value at a quantile (0 to 1), by the upper bound of its bucket; 0 when nothing was recorded. */
    long quantile(double q) {
        long[] snapshot = new long[BUCKETS];
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            snapshot[i] = counts.get(i);
            total += snapshot[i];
        }
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += snapshot[i];
            if (seen >= rank) {
                return upperBound(i);
            }
        }
        return upperBound(BUCKETS - 1);
    }
}
