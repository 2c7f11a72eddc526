package dev.tiered.runtime;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Wall-clock time in microseconds, for propagation lags measured between JVMs. */
final class Clocks {
    private Clocks() {}

    static long epochMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
