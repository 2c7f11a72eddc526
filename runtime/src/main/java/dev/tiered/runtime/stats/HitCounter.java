package dev.tiered.runtime.stats;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The L1 hit counts of every cached method of a runtime, counted where an atomic increment would cost more than the
 * hit itself: each platform thread counts in an array of its own, with plain writes (it is their only writer, so no
 * count is lost), and a read sums the arrays. A thread's counts are kept after it ends. Virtual threads, which come
 * and go by the million, count in a striped {@link LongAdder} instead.
 *
 * <p>Thread-safe. A sum may miss the last few increments of running threads; it never loses them.
 */
public final class HitCounter {
    private static final MethodHandle IS_VIRTUAL = isVirtual();

    private static MethodHandle isVirtual() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException beforeJava21) {
            return null;
        }
    }

    /** One thread's counts, by method index, as tiered's side sees them. */
    private static final class Cells {
        final WeakReference<Thread> owner;
        /** What the thread itself holds: a JDK type, so that no thread pins tiered's class loader after detach. */
        final AtomicReference<long[]> counts;

        Cells(Thread owner, AtomicReference<long[]> counts) {
            this.owner = new WeakReference<>(owner);
            this.counts = counts;
        }

        boolean ended() {
            Thread t = owner.get();
            return t == null || !t.isAlive();
        }
    }

    private final ConcurrentLinkedQueue<Cells> threads = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<AtomicReference<long[]>> local = ThreadLocal.withInitial(() -> {
        AtomicReference<long[]> counts = new AtomicReference<>(new long[16]);
        threads.add(new Cells(Thread.currentThread(), counts));
        return counts;
    });
    private final ConcurrentHashMap<Integer, LongAdder> virtual = new ConcurrentHashMap<>();
    /** Counts of threads that ended, by method index; guarded by this. */
    private long[] retired = new long[16];

    public void increment(int index) {
        Thread thread = Thread.currentThread();
        if (IS_VIRTUAL != null && virtual(thread)) {
            virtual.computeIfAbsent(index, i -> new LongAdder()).increment();
            return;
        }
        AtomicReference<long[]> cells = local.get();
        long[] counts = cells.get();
        if (index >= counts.length) {
            counts = Arrays.copyOf(counts, Math.max(index + 1, counts.length * 2));
            cells.set(counts);
        }
        counts[index]++;
    }

    private static boolean virtual(Thread thread) {
        try {
            return (boolean) IS_VIRTUAL.invokeExact(thread);
        } catch (Throwable t) {
            return false;
        }
    }

    /** The count of one method. Synchronized: sums are rare, and a thread's cells are retired exactly once. */
    public synchronized long sum(int index) {
        long sum = 0;
        for (Iterator<Cells> it = threads.iterator(); it.hasNext(); ) {
            Cells cells = it.next();
            if (cells.ended()) {
                retire(cells);
                it.remove();
            } else {
                long[] counts = cells.counts.get();
                sum += index < counts.length ? counts[index] : 0;
            }
        }
        LongAdder v = virtual.get(index);
        return sum + (index < retired.length ? retired[index] : 0) + (v == null ? 0 : v.sum());
    }

    private void retire(Cells cells) {
        long[] counts = cells.counts.get();
        if (retired.length < counts.length) {
            retired = Arrays.copyOf(retired, counts.length);
        }
        for (int i = 0; i < counts.length; i++) {
            retired[i] += counts[i];
        }
    }
}
