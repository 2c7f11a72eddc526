package dev.tiered.runtime.stats;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Wall-clock time in microseconds, for propagation lags measured between JVMs. */
public final class Clocks {
    private Clocks() {}

    public static long epochMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
