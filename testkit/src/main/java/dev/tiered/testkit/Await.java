package dev.tiered.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting on a condition, never on a bare sleep. */
public final class Await {
    private Await() {}

    /**
     * Polls {@code condition} until it holds or {@code timeout} passes.
     *
     * @throws AssertionError naming {@code what} if the condition never held
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 1;
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            pauseMillis(pause);
            pause = Math.min(pause * 2, 50);
        }
    }

    /** Polls {@code supplier} until it returns a non-null value, and returns that value. */
    public static <T> T value(String what, Duration timeout, Supplier<T> supplier) {
        Object[] holder = new Object[1];
        until(what, timeout, () -> (holder[0] = supplier.get()) != null);
        @SuppressWarnings("unchecked") T value = (T) holder[0];
        return value;
    }

    static void pauseMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
