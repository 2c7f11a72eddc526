package dev.tiered.runtime.l1;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.tiered.testkit.Await;

class CoarseClockTest {

    @Test
    void advancesWhileReadAndReadsTheSystemClockWhenItWakesFromIdle() {
        try (CoarseClock clock = new CoarseClock()) {
            long first = clock.read();
            Await.until("the clock advances while it is read", Duration.ofSeconds(5), () -> clock.read() > first);

            Await.until("the clock parks when nobody reads it", Duration.ofSeconds(5), clock::idle);
            long before = System.nanoTime();
            long woken = clock.read();
            assertTrue(woken >= before, "a read of an idle clock is exact, not the time it went idle");
            Await.until("the first read wakes it", Duration.ofSeconds(5), () -> !clock.idle());
            long later = System.nanoTime();
            Await.until("it refreshes again while read", Duration.ofSeconds(5), () -> clock.read() > later);
        }
    }

    @Test
    void neverRunsAhead() {
        try (CoarseClock clock = new CoarseClock()) {
            for (int i = 0; i < 100_000; i++) {
                long read = clock.read();
                assertTrue(read <= System.nanoTime());
            }
        }
    }
}
