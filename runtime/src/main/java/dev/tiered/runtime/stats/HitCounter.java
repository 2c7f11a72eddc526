package dev.tiered.runtime.stats;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The L1 hit counts of every cached method of a runtime, counted where an atomic increment, or even a
 * {@link ThreadLocal} lookup, would cost as much as the rest of the hit.
 *
 * <p>A platform thread owns the slot of its thread id (modulo {@value #SLOTS}) if it finds it free, and counts there
 * in an array of its own with plain writes: it is their only writer, so no count is lost, and the lookup is two loads
 * and a comparison. A thread whose slot another live thread owns, and every virtual thread (they come and go by the
 * million), counts in a striped {@link LongAdder} instead. A read sums them all. The slots of threads that ended are
 * emptied by the next read, their counts kept.
 *
 * <p>The application's threads hold nothing of tiered's (no thread-local value), so no thread pins tiered's class
 * loader after detach. Thread-safe. A sum may miss the last few increments of running threads; it never loses them.
 */
public final class HitCounter {
    /** Slots by thread id: more than the threads that usually hit a cache; 4 KB of references. */
    static final int SLOTS = 1024;
    private static final MethodHandle IS_VIRTUAL = isVirtual();

    private static MethodHandle isVirtual() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException beforeJava21) {
            return null;
        }
    }

    /** One platform thread's counts, by method index. */
    private static final class Slot {
        final Thread owner;
        /** Written by the owner only; replaced by a longer copy when a method index does not fit. */
        volatile long[] counts = new long[16];

        Slot(Thread owner) {
            this.owner = owner;
        }
    }

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Slot[].class);
    /** Read plainly on the hit path; written with {@link #SLOT}. */
    private final Slot[] slots = new Slot[SLOTS];
    private final ConcurrentHashMap<Integer, LongAdder> shared = new ConcurrentHashMap<>();
    /** Counts of threads that ended, by method index; guarded by this. */
    private long[] retired = new long[16];

    @SuppressWarnings("deprecation") // Thread.threadId() is Java 19; getId() is the same value
    public void increment(int index) {
        Thread thread = Thread.currentThread();
        Slot slot = slots[(int) thread.getId() & (SLOTS - 1)];
        long[] counts;
        if (slot != null && slot.owner == thread && index < (counts = slot.counts).length) {
            counts[index]++;
        } else {
            incrementSlowly(thread, slot, index);
        }
    }

    @SuppressWarnings("deprecation")
    private void incrementSlowly(Thread thread, Slot slot, int index) {
        if (slot != null && slot.owner == thread) {
            long[] counts = Arrays.copyOf(slot.counts, Math.max(index + 1, slot.counts.length * 2));
            counts[index]++;
            slot.counts = counts;
            return;
        }
        if (slot == null && !virtual(thread)) {
            Slot mine = new Slot(thread);
            if (SLOT.compareAndSet(slots, (int) thread.getId() & (SLOTS - 1), null, mine)) {
                incrementSlowly(thread, mine, index);
                return;
            }
        }
        shared.computeIfAbsent(index, i -> new LongAdder()).increment();
    }

    /**
     * Takes a throwaway counter through every path (a slot, its growth, the shared count, the virtual-thread test
     * and its method handle's linkage), so that what those load lazily is loaded now, on the calling thread: a
     * burst of first hits on virtual threads would otherwise wait for each other's class loading with their
     * carriers pinned.
     */
    public static void warmUp() {
        HitCounter counter = new HitCounter();
        counter.increment(0);
        counter.increment(64);
        virtual(Thread.currentThread());
        counter.shared.computeIfAbsent(0, i -> new LongAdder()).increment();
        if (counter.sum(0) != 2 || counter.sum(64) != 1) {
            throw new AssertionError("the hit counter's warm-up counted wrongly");
        }
    }

    private static boolean virtual(Thread thread) {
        try {
            return IS_VIRTUAL != null && (boolean) IS_VIRTUAL.invokeExact(thread);
        } catch (Throwable t) {
            return false;
        }
    }

    /** The count of one method. Synchronized: sums are rare, and a thread's slot is retired exactly once. */
    public synchronized long sum(int index) {
        long sum = 0;
        for (int i = 0; i < SLOTS; i++) {
            Slot slot = (Slot) SLOT.getVolatile(slots, i);
            if (slot == null) {
                continue;
            }
            if (!slot.owner.isAlive()) { // its end happens-before this: its last counts are visible
                retire(slot);
                SLOT.setVolatile(slots, i, null);
            } else {
                long[] counts = slot.counts;
                sum += index < counts.length ? counts[index] : 0;
            }
        }
        LongAdder s = shared.get(index);
        return sum + (index < retired.length ? retired[index] : 0) + (s == null ? 0 : s.sum());
    }

    private void retire(Slot slot) {
        long[] counts = slot.counts;
        if (retired.length < counts.length) {
            retired = Arrays.copyOf(retired, counts.length);
        }
        for (int i = 0; i < counts.length; i++) {
            retired[i] += counts[i];
        }
    }
}
