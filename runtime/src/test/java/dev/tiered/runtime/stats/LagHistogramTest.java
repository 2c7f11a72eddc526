package dev.tiered.runtime.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LagHistogramTest {

    @Test
    void everyValueFallsInABucketWhoseBoundIsWithinAnEighthAboveIt() {
        for (long v = 0; v < 5_000_000; v = v < 100 ? v + 1 : (long) (v * 1.01)) {
            long bound = LagHistogram.upperBound(LagHistogram.bucket(v));
            assertTrue(bound >= v && bound <= v + Math.max(1, v / 8), v + " -> " + bound);
        }
    }

    @Test
    void quantilesComeFromTheRecordedValues() {
        LagHistogram h = new LagHistogram();
        assertEquals(0, h.quantile(0.5));
        for (int i = 1; i <= 100; i++) {
            h.record(i * 1000L);
        }
        h.record(-5); // clocks of two JVMs may disagree a little: counted as no lag
        assertEquals(101, h.count());
        long p50 = h.quantile(0.5);
        long p99 = h.quantile(0.99);
        assertTrue(p50 >= 49_000 && p50 <= 56_000, "p50 " + p50);
        assertTrue(p99 >= 98_000 && p99 <= 112_000, "p99 " + p99);
        assertTrue(h.quantile(1) >= 100_000);
    }
}
