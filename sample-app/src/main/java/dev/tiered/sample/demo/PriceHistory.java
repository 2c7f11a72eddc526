package dev.tiered.sample.demo;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import dev.tiered.sample.Product;

/**
 * Every price change the demo made, so that any read can be checked for staleness, not only the writer's own.
 *
 * <p>A change must show on the instance that made it from the moment the write returned, and on the others once
 * the propagation window has passed after that. The writer only ever raises prices, so a read is stale exactly
 * when it shows a lower price than the last change it must show: no bookkeeping of writes in flight is needed,
 * since a read that already sees a newer price is never wrong. Thread-safe.
 */
final class PriceHistory {
    /** Stale reads described in full; the count is always complete. */
    private static final int EXAMPLES = 10;

    private record Change(BigDecimal price, CatalogClient writtenTo, long returnedNanos) {}

    private final long windowNanos;
    private final ConcurrentHashMap<Long, List<Change>> changes = new ConcurrentHashMap<>();
    private final LongAdder checked = new LongAdder();
    private final LongAdder stale = new LongAdder();
    private final List<String> examples = new CopyOnWriteArrayList<>();

    PriceHistory(Duration propagationWindow) {
        this.windowNanos = propagationWindow.toNanos();
    }

    /** Records a change whose write returned at {@code returnedNanos}; changes of a product come in order. */
    void record(long id, BigDecimal price, CatalogClient writtenTo, long returnedNanos) {
        changes.computeIfAbsent(id, any -> new CopyOnWriteArrayList<>())
                .add(new Change(price, writtenTo, returnedNanos));
    }

    /** The price the product was last changed to, or {@code null} if it never was. */
    BigDecimal latest(long id) {
        List<Change> history = changes.get(id);
        return history == null ? null : history.get(history.size() - 1).price;
    }

    /** Checks, and counts, what a read that began at {@code startNanos} showed of a product. */
    void check(CatalogClient instance, Product seen, long startNanos) {
        List<Change> history = changes.get(seen.id());
        if (history == null) {
            return;
        }
        // the latest change due is the highest price due: prices only rise
        for (int i = history.size() - 1; i >= 0; i--) {
            Change change = history.get(i);
            long dueNanos = change.returnedNanos + (change.writtenTo == instance ? 0 : windowNanos);
            if (startNanos - dueNanos > 0) {
                checked.increment();
                if (seen.price().compareTo(change.price) >= 0) {
                    return;
                }
                stale.increment();
                if (examples.size() < EXAMPLES) {
                    examples.add(instance.name() + " showed product " + seen.id() + " at " + seen.price() + " in a "
                            + "read that began " + TimeUnit.NANOSECONDS.toMillis(startNanos - change.returnedNanos)
                            + " ms after its price was set to " + change.price + " on " + change.writtenTo.name());
                }
                return;
            }
        }
    }

    /** Reads that began after a change of their product was due, and were therefore checked. */
    long checkedReads() {
        return checked.sum();
    }

    long staleReads() {
        return stale.sum();
    }

    List<String> staleExamples() {
        return List.copyOf(examples);
    }
}
