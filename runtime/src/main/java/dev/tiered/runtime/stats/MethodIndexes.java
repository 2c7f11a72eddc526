package dev.tiered.runtime.stats;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The indexes of a runtime's cached methods in its {@link HitCounter}: small and dense, and those of methods whose
 * class loader is gone are handed out again, so that an application redeployed a thousand times does not grow every
 * thread's counter array a thousand times. Thread-safe.
 */
public final class MethodIndexes {
    private final AtomicInteger next = new AtomicInteger();
    private final ConcurrentLinkedQueue<Integer> free = new ConcurrentLinkedQueue<>();

    /** An index no live method has. Its counts may not start at zero: a method takes the count it finds as its base. */
    public int take() {
        Integer reused = free.poll();
        return reused != null ? reused : next.getAndIncrement();
    }

    /** Hands back the index of a method that is gone. */
    public void free(int index) {
        free.add(index);
    }

    /** How many indexes were ever handed out: the size counter arrays grow to. */
    public int highWater() {
        return next.get();
    }
}
