package dev.tiered.runtime;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;

import dev.tiered.runtime.config.NamespaceSettings;
import dev.tiered.runtime.config.TieredConfig;

/**
 * One L1 budget for the whole JVM ({@code tiered.l1.budget}), shared by every cached method by the value of its
 * entries. Each method keeps its own Caffeine cache, bounded by estimated bytes (its W-TinyLFU policy chooses what
 * to evict within it); this class only moves the bounds. Every {@link #REBALANCE_MILLIS}, on tiered's maintenance
 * thread, it measures what each method's L1 is worth: the calls that found or wanted an entry per second (hits and
 * misses), times what a miss costs (the method's mean load time) — the load time per second that L1 saves or could
 * save. A method's share is a floor ({@link #FLOOR_FRACTION} of the budget split evenly) plus the rest in proportion
 * to that worth, smoothed over windows ({@link #SMOOTHING}) so that a burst does not evict a steady method. The
 * shares always sum to the budget less a {@link #HEADROOM} for entries in the middle of being written; a method whose calls stop gives its share away within about ten windows, a newly
 * busy one takes it as fast. Nothing here runs on an application thread: the hit path is untouched.
 *
 * <p>Where L2 would serve a call that L1 does not, an L1 hit saves only the L2 read, not the load: a cheap L2 (its
 * measured read time low against the load time) makes that method's L1 worth less, and its share smaller.
 *
 * <p>Under heap pressure ({@link HeapPressure}) the budget shrinks to {@link #PRESSURE_FRACTION} of itself until the
 * pressure ends.
 *
 * <p>Caffeine keeps each cache within its bound as writes drain, so the bytes held exceed the budget only by what is
 * being written at that moment (tested under concurrent writes: {@code L1BudgetTest}).
 */
public final class L1Budget {
    public static final long REBALANCE_MILLIS = 5_000;
    /** The part of the budget reserved as floors, so that a method without calls yet can start caching. */
    public static final double FLOOR_FRACTION = 0.2;
    /** The weight of the newest window in a method's smoothed worth. */
    public static final double SMOOTHING = 0.3;
    /** The part of the budget the bounds leave free, for entries being written while they are evicted. */
    public static final double HEADROOM = 0.03;

    /**
     * What the budget reads of a method and sets on it: a {@link CachedMethod}, or a simulated one
     * ({@code EvictionSimulator}). Held weakly: a method goes with its class loader.
     */
    public interface Method {
        String name();

        String namespace();

        /** Calls that found or wanted an L1 entry since start-up: hits of both tiers and misses. */
        long wantedCalls();

        /** Calls that ran the method (returned or threw) since start-up. */
        long misses();

        /** Nanoseconds spent running the method since start-up. */
        long loadNanos();

        /** The mean L2 read time, where L2 would serve a call that L1 does not; negative where it would not. */
        double l2ReadNanos();

        /** Whether the method has an L1 now (its tier is not {@code L2}). */
        boolean hasL1();

        /** Sets the most estimated bytes its L1 keeps. */
        void maximumBytes(long bytes);

        /** The estimated bytes its L1 holds now. */
        long weightedBytes();
    }

    private final long budget;
    private final Function<String, NamespaceSettings> settings;
    private final LongSupplier nanoTime;
    /** {@link #distances()}, by namespace. */
    private final Map<String, Double> distances = new HashMap<>();
    /** {@link #loadTimeDistances()}, by namespace. */
    private final Map<String, Double> loadDistances = new HashMap<>();
    /** The budget in effect: {@link #budget}, or {@link #PRESSURE_FRACTION} of it while the heap is under pressure. */
    private long effective;
    private final LongAdder pressureEpisodes = new LongAdder();
    /** Methods under the budget, weakly: each goes with its class loader. Touched under this object's lock. */
    private final List<Member> members = new ArrayList<>();

    /** What the budget knows of one method between rebalances. */
    private static final class Member {
        final WeakReference<Method> method;
        long calls;
        long misses;
        long loadNanos;
        long atNanos;
        /** Nanoseconds of load time per second that this method's L1 saves or could save, smoothed. */
        double worth;
        /** Calls that found or wanted an entry, and hits (both tiers), in the last window. */
        long windowCalls;
        long windowHits;
        /** Load time (running the method) per second of the last window. */
        double windowLoadNanosPerSecond;
        long share;

        Member(Method m, long now) {
            this.method = new WeakReference<>(m);
            this.calls = m.wantedCalls();
            this.misses = m.misses();
            this.loadNanos = m.loadNanos();
            this.atNanos = now;
        }
    }

    /** Under heap pressure, the budget shrinks to this fraction of itself. */
    static final double PRESSURE_FRACTION = 0.25;

    /**
     * How much more a namespace behind one of its targets (below {@code target.hitRatio}, above
     * {@code target.loadTime}) weighs in the split.
     */
    static final double PRIORITY = 4;

    L1Budget(long budget, TieredConfig config) {
        this(budget, config::namespace, System::nanoTime);
    }

    /**
     * @param settings each namespace's settings (floors, caps, targets)
     * @param nanoTime the clock of the windows: {@link System#nanoTime()}, or a simulation's
     */
    public L1Budget(long budget, Function<String, NamespaceSettings> settings, LongSupplier nanoTime) {
        this.budget = budget;
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.effective = budget;
    }

    public long budget() {
        return budget;
    }

    /** The budget in effect now: smaller while the heap is under pressure. */
    public synchronized long effective() {
        return effective;
    }

    /** Times the heap came under pressure and L1 shrank for it, since start-up. */
    long pressureEpisodes() {
        return pressureEpisodes.sum();
    }

    /**
     * The heap is ({@code true}) or is no longer under pressure: L1 shrinks to {@link #PRESSURE_FRACTION} of the
     * budget at once (Caffeine evicts as the bounds drop), or grows back to it. Whether anything changed.
     */
    synchronized boolean pressure(boolean on) {
        long target = on ? Math.max(1, (long) (budget * PRESSURE_FRACTION)) : budget;
        if (target == effective) {
            return false;
        }
        effective = target;
        if (on) {
            pressureEpisodes.increment();
        }
        rebalance();
        return true;
    }

    /** The share a new method starts with, until the next rebalance: an even part of the floors. */
    synchronized long initialShare() {
        return Math.max(1, (long) (effective * FLOOR_FRACTION / (members.size() + 1)));
    }

    /** Puts a method under the budget, and rebalances at once. */
    public synchronized void add(Method m) {
        members.add(new Member(m, nanoTime.getAsLong()));
        rebalance();
    }

    /** Measures every method's worth over the window since the last call, and sets each one's bound. */
    public synchronized void rebalance() {
        long now = nanoTime.getAsLong();
        List<Member> alive = new ArrayList<>();
        List<Method> methods = new ArrayList<>();
        List<Member> kept = new ArrayList<>();
        for (Member member : members) {
            Method m = member.method.get();
            if (m == null) {
                continue;
            }
            kept.add(member);
            if (m.hasL1()) { // a method without L1 (now) holds no share
                alive.add(member);
                methods.add(m);
            } else {
                member.share = 0;
            }
        }
        members.retainAll(kept);
        if (alive.isEmpty()) {
            return;
        }
        double total = 0;
        for (int i = 0; i < alive.size(); i++) {
            Member member = alive.get(i);
            Method m = methods.get(i);
            long calls = m.wantedCalls();
            long misses = m.misses();
            long loadNanos = m.loadNanos();
            double seconds = Math.max(1e-3, (now - member.atNanos) / 1e9);
            long windowMisses = Math.max(0, misses - member.misses);
            double meanLoad = windowMisses > 0 ? Math.max(0, loadNanos - member.loadNanos) / (double) windowMisses
                    : misses > 0 ? loadNanos / (double) misses : 0;
            // what an L1 hit saves: the load, or, where L2 would serve the call otherwise, the cheaper L2 read
            double l2Read = m.l2ReadNanos();
            double saved = l2Read >= 0 ? Math.min(meanLoad, l2Read) : meanLoad;
            double worth = Math.max(0, calls - member.calls) / seconds * saved;
            member.windowCalls = Math.max(0, calls - member.calls);
            member.windowLoadNanosPerSecond = Math.max(0, loadNanos - member.loadNanos) / seconds;
            long hits = calls - misses;
            member.windowHits = Math.max(0, hits - (member.calls - member.misses));
            member.worth = member.worth == 0 && member.share == 0 ? worth
                    : SMOOTHING * worth + (1 - SMOOTHING) * member.worth;
            member.calls = calls;
            member.misses = misses;
            member.loadNanos = loadNanos;
            member.atNanos = now;
            total += member.worth;
        }
        // the bounds leave HEADROOM for the entries being written: Caffeine evicts as each write drains, so with many
        // writers the bytes held run a little past the sum of the bounds
        long budget = (long) (effective * (1 - HEADROOM));
        // a namespace behind a target (below its hit ratio, above its load time) comes first: its methods' worth
        // counts PRIORITY times
        Map<String, double[]> byNamespace = new HashMap<>(); // calls, hits, load nanos per second in the window
        for (int i = 0; i < alive.size(); i++) {
            double[] w = byNamespace.computeIfAbsent(methods.get(i).namespace(), n -> new double[3]);
            w[0] += alive.get(i).windowCalls;
            w[1] += alive.get(i).windowHits;
            w[2] += alive.get(i).windowLoadNanosPerSecond;
        }
        for (Map.Entry<String, double[]> e : byNamespace.entrySet()) {
            NamespaceSettings s = settings.apply(e.getKey());
            double[] w = e.getValue();
            if (s.targetHitRatio() != null && w[0] > 0) {
                distances.put(e.getKey(), s.targetHitRatio() - w[1] / w[0]);
            }
            if (s.targetLoadTime() != null) {
                loadDistances.put(e.getKey(), (w[2] - s.targetLoadTime().toNanos()) / 1e9);
            }
        }
        total = 0;
        double[] weighted = new double[alive.size()];
        for (int i = 0; i < alive.size(); i++) {
            String ns = methods.get(i).namespace();
            boolean behind = distances.getOrDefault(ns, 0.0) > 0 || loadDistances.getOrDefault(ns, 0.0) > 0;
            weighted[i] = alive.get(i).worth * (behind ? PRIORITY : 1);
            total += weighted[i];
        }
        long floor = (long) (budget * FLOOR_FRACTION / alive.size());
        long rest = budget - floor * alive.size();
        long[] shares = new long[alive.size()];
        for (int i = 0; i < alive.size(); i++) {
            shares[i] = floor + (long) (total > 0 ? rest * (weighted[i] / total) : rest / (double) alive.size());
        }
        boundNamespaces(methods, shares, budget);
        for (int i = 0; i < alive.size(); i++) {
            alive.get(i).share = Math.max(1, shares[i]);
            methods.get(i).maximumBytes(alive.get(i).share);
        }
    }

    /**
     * Holds each namespace within its {@code tiered.ns.<ns>.l1.budgetCap} and at least at its
     * {@code l1.budgetFloor} (as far as the budget goes), moving the difference from or to the namespaces without
     * one in proportion to their shares; then gives what rounding left to the largest share, so that the shares sum
     * to the budget (or less, where every namespace is capped below it).
     */
    private void boundNamespaces(List<Method> methods, long[] shares, long budget) {
        Map<String, Long> totals = new HashMap<>();
        for (int i = 0; i < shares.length; i++) {
            totals.merge(methods.get(i).namespace(), shares[i], Long::sum);
        }
        Map<String, Double> scale = new HashMap<>();
        long moved = 0; // freed by caps (positive), or owed to floors (negative)
        for (Map.Entry<String, Long> e : totals.entrySet()) {
            NamespaceSettings s = settings.apply(e.getKey());
            long bound = e.getValue();
            if (s.l1BudgetCap() != null && bound > s.l1BudgetCap()) {
                bound = s.l1BudgetCap();
            }
            if (s.l1BudgetFloor() != null && bound < Math.min(s.l1BudgetFloor(), budget)) {
                bound = Math.min(s.l1BudgetFloor(), budget);
            }
            if (bound != e.getValue()) {
                scale.put(e.getKey(), e.getValue() == 0 ? 0 : bound / (double) e.getValue());
                moved += e.getValue() - bound;
                totals.put(e.getKey(), bound);
            }
        }
        long free = 0;
        for (Map.Entry<String, Long> e : totals.entrySet()) {
            if (!scale.containsKey(e.getKey())) {
                free += e.getValue();
            }
        }
        double others = free == 0 ? 1 : Math.max(0, free + moved) / (double) free;
        long given = 0;
        int largest = 0;
        for (int i = 0; i < shares.length; i++) {
            String ns = methods.get(i).namespace();
            Double f = scale.get(ns);
            if (f != null && totals.get(ns) > 0 && f == 0) {
                shares[i] = totals.get(ns) / countIn(methods, ns); // a floor over methods that had nothing
            } else {
                shares[i] = (long) (shares[i] * (f != null ? f : others));
            }
            given += shares[i];
            largest = shares[i] > shares[largest] ? i : largest;
        }
        boolean allBounded = scale.size() == totals.size();
        if (!allBounded || given > budget) {
            shares[largest] = Math.max(1, shares[largest] + budget - given);
        }
    }

    private static long countIn(List<Method> methods, String ns) {
        return Math.max(1, methods.stream().filter(m -> m.namespace().equals(ns)).count());
    }

    /**
     * How far each namespace with {@code tiered.ns.<ns>.target.hitRatio} is below it (negative: above), over the
     * last window in which it had calls.
     */
    synchronized Map<String, Double> distances() {
        return new HashMap<>(distances);
    }

    /**
     * How far each namespace with {@code tiered.ns.<ns>.target.loadTime} is above it (negative: below), in seconds of
     * load time per second, over the last window.
     */
    synchronized Map<String, Double> loadTimeDistances() {
        return new HashMap<>(loadDistances);
    }

    /** Each method's current share, for views and tests: method names and bytes, in the order they came. */
    public synchronized List<Object[]> shares() {
        List<Object[]> out = new ArrayList<>();
        for (Member member : members) {
            Method m = member.method.get();
            if (m != null) {
                out.add(new Object[] {m.name(), member.share, member.worth});
            }
        }
        return out;
    }

    /** The estimated bytes L1 holds now under the budget, all methods. */
    public synchronized long used() {
        long used = 0;
        for (Member member : members) {
            Method m = member.method.get();
            if (m != null) {
                used += Math.max(0, m.weightedBytes());
            }
        }
        return used;
    }
}
