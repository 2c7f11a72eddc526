package dev.tiered.runtime.l1;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * The time L1 reads on every hit, without reading the system clock on every hit: {@link System#nanoTime()} costs
 * 20 to 30 ns on common virtual machines, several times a whole cache lookup.
 *
 * <p>A daemon thread refreshes the time every {@value #PERIOD_MILLIS} ms while the clock is being read, and parks
 * for good when it is not, so an idle application pays nothing. A read that finds the clock idle reads the system
 * clock itself and wakes the thread, so no read is ever more than one period behind. Lifetimes in L1 are therefore
 * measured to within {@value #PERIOD_MILLIS} ms.
 */
public final class CoarseClock implements Ticker, AutoCloseable {
    static final long PERIOD_MILLIS = 10;

    private final Thread thread;
    private volatile long now = System.nanoTime();
    /** Set by a read, cleared by each tick: whether anybody read the clock during the last period. */
    private volatile boolean read;
    private volatile boolean idle;
    private volatile boolean closed;

    public CoarseClock() {
        thread = new Thread(this::run, "tiered-clock");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public long read() {
        if (!read) {
            read = true;
            if (idle) {
                long exact = System.nanoTime();
                now = exact;
                LockSupport.unpark(thread);
                return exact;
            }
        }
        return now;
    }

    private void run() {
        long period = TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS);
        while (!closed) {
            now = System.nanoTime();
            if (read) {
                read = false;
                LockSupport.parkNanos(this, period);
            } else {
                idle = true;
                while (!read && !closed) {
                    LockSupport.park(this);
                }
                idle = false;
            }
        }
    }

    /** Whether the refreshing thread is parked for lack of readers. */
    public boolean idle() {
        return idle;
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}
