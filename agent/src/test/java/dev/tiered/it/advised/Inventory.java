package dev.tiered.it.advised;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** An unannotated service the advisor observes: a read worth caching, one that must not be, a write, a cheap read. */
public class Inventory {
    private final Map<Long, String> names = new ConcurrentHashMap<>();
    private final AtomicLong counter = new AtomicLong();

    /** Slow, and its result changes only when {@link #rename} is called. */
    public String describe(long id) {
        long end = System.nanoTime() + 50_000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        return "item-" + id + ":" + names.getOrDefault(id, "plain");
    }

    /** Changes at every call, with no write: caching it would serve wrong results. */
    public long stock(long id) {
        return counter.incrementAndGet() + id;
    }

    /** Cheap, and called with arguments that rarely repeat. */
    public String label(long id) {
        return "label-" + id;
    }

    public void rename(long id, String name) {
        names.put(id, name);
    }

    /** The workload: {@code calls} rounds over 400 items, a rename every 100 rounds. */
    public static String run(int calls) {
        Inventory inventory = new Inventory();
        for (int i = 0; i < calls; i++) {
            long id = i % 400;
            inventory.describe(id);
            inventory.stock(id);
            inventory.label(i);
            if (i % 100 == 99) {
                inventory.rename((i / 100 * 37L) % 400, "renamed-" + i); // 37 is prime to 400: every item in turn
            }
        }
        return "ran " + calls;
    }
}
