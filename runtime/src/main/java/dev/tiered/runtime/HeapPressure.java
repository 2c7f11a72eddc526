package dev.tiered.runtime;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;

import org.slf4j.Logger;

import dev.tiered.runtime.stats.FaultReporter;

/**
 * Shrinks L1 before the application runs out of heap, under {@code tiered.l1.budget}: when a garbage collection
 * leaves the pool of long-lived objects (the old generation; not eden or a survivor space, see {@link #young}) above
 * {@link #HIGH} of its maximum, the JVM's collection usage threshold fires, and the budget drops to
 * {@link L1Budget#PRESSURE_FRACTION} of itself at once (Caffeine evicts down to the new bounds); once every such pool is below {@link #LOW} after its collections, checked with each rebalance, it
 * grows back. Each episode is counted and logged, its start at WARN. The threshold is set on the JVM's own pools,
 * which an application using the same JMX threshold would share: tiered sets it only where none is set.
 */
final class HeapPressure implements AutoCloseable {
    static final double HIGH = 0.85;
    static final double LOW = 0.70;
    private static final Logger LOG = FaultReporter.LOG;

    private final L1Budget budget;
    private final Executor maintenance;
    private final double high;
    private final double low;
    private final List<MemoryPoolMXBean> pools = new ArrayList<>();
    private final NotificationListener listener = this::notified;
    private volatile boolean under;

    HeapPressure(L1Budget budget, Executor maintenance) {
        this(budget, maintenance, HIGH, LOW);
    }

    /** With other thresholds, as fractions of each pool's maximum: for tests. */
    HeapPressure(L1Budget budget, Executor maintenance, double high, double low) {
        this.budget = budget;
        this.maintenance = maintenance;
        this.high = high;
        this.low = low;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            long max = pool.getUsage() == null ? -1 : pool.getUsage().getMax();
            if (pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported() && max > 0
                    && !young(pool.getName()) && pool.getCollectionUsageThreshold() == 0) {
                pool.setCollectionUsageThreshold(Math.max(1, (long) (max * high)));
                pools.add(pool);
            }
        }
        ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).addNotificationListener(listener, null, null);
    }

    /**
     * Whether a pool holds new objects only (eden, survivor, a young generation): full after a collection by design
     * (a survivor space), it says nothing of the heap's long-lived data. Watched are the others: the old generation
     * (Serial's {@code Tenured Gen}, {@code G1 Old Gen}, {@code PS Old Gen}, {@code ZGC Old Generation}) or a
     * collector's single pool ({@code ZHeap}, {@code Shenandoah}).
     */
    static boolean young(String pool) {
        return pool.contains("Eden") || pool.contains("Survivor") || pool.contains("Young")
                || pool.contains("Nursery");
    }

    /** Whether L1 is shrunk for heap pressure now. */
    boolean under() {
        return under;
    }

    private void notified(Notification n, Object handback) {
        if (!MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(n.getType())) {
            return;
        }
        String pool = MemoryNotificationInfo.from((javax.management.openmbean.CompositeData) n.getUserData())
                .getPoolName();
        maintenance.execute(() -> {
            if (budget.pressure(true)) {
                LOG.warn("heap pressure: {} is above {} of its maximum after a garbage collection; the L1 budget "
                        + "shrinks to {} bytes ({} of tiered.l1.budget) until it is below {}", pool, percent(high),
                        budget.effective(), percent(L1Budget.PRESSURE_FRACTION), percent(low));
                under = true;
            }
        });
    }

    /** Ends an episode once every watched pool is below {@link #LOW} after its last collection. */
    void check() {
        if (!under) {
            return;
        }
        for (MemoryPoolMXBean pool : pools) {
            MemoryUsage after = pool.getCollectionUsage();
            if (after != null && after.getMax() > 0 && after.getUsed() > after.getMax() * low) {
                return;
            }
        }
        if (budget.pressure(false)) {
            under = false;
            LOG.info("heap pressure ended: the heap is below {} of its maximum after garbage collections; the L1 "
                    + "budget is {} bytes again", percent(low), budget.effective());
        }
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.0f%%", fraction * 100);
    }

    @Override
    public void close() {
        try {
            ((NotificationEmitter) ManagementFactory.getMemoryMXBean()).removeNotificationListener(listener);
        } catch (ListenerNotFoundException alreadyGone) {
            // nothing to remove
        }
        for (MemoryPoolMXBean pool : pools) {
            try {
                pool.setCollectionUsageThreshold(0); // as it was: tiered set it only where none was set
            } catch (RuntimeException e) {
                LOG.debug("collection usage threshold of {} not reset: {}", pool.getName(), e.toString());
            }
        }
    }
}
