package dev.tiered.runtime.l1;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * An L1 entry: a result, the generation it was computed under, its entity (or {@code null}), when it was stored,
 * when it expires and when it is due for a refresh ahead of expiry (all on the runtime's {@link CoarseClock}; the
 * refresh is never due after it expires, so that a fresh entry takes one comparison). An entry is served only while
 * its generation is its method's current one. Caffeine expires entries after the method's full L1 lifetime; a
 * shorter one (a copy of an L2 entry with less time left) is enforced by the deadline.
 */
public final class Entry {
    /** Stands for a cached {@code null} result. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "tiered:null";
        }
    };

    private static final AtomicIntegerFieldUpdater<Entry> CLAIM =
            AtomicIntegerFieldUpdater.newUpdater(Entry.class, "claimed");

    public final long generation;
    public final Object result;
    public final String entity;
    public final long storedAt;
    public final long deadline;
    public final long refreshAt;
    /** 1 once a reader has taken the refresh of this entry: nobody else will. */
    private volatile int claimed;

    public Entry(long generation, Object result, String entity, long storedAt, long deadline, long refreshAt) {
        this.generation = generation;
        this.result = result;
        this.entity = entity;
        this.storedAt = storedAt;
        this.deadline = deadline;
        this.refreshAt = refreshAt;
    }

    /** Takes the refresh of this entry for the calling reader: {@code true} for exactly one reader. */
    public boolean claimRefresh() {
        return claimed == 0 && CLAIM.compareAndSet(this, 0, 1);
    }
}
