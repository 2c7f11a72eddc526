package dev.tiered.runtime;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.LongAdder;

/**
 * The application class loaders tiered keeps state for, counted as they come and go (a redeployed application's
 * loaders go), and the cleaner that lets go of what they leave behind: a method's MBean, its counts, its index.
 *
 * <p>What tiered holds for a loader is reachable from that loader only (the agent keeps it in an anchor class it
 * defines in the loader); everything global holds it weakly. The cleaner's thread, {@code tiered-cleaner}, is a
 * daemon that ends once this runtime is closed and collected.
 */
public final class ClassLoaders {
    private final LongAdder anchored = new LongAdder();
    private final LongAdder released = new LongAdder();
    private final Cleaner cleaner = Cleaner.create(r -> {
        Thread t = new Thread(r, "tiered-cleaner");
        t.setDaemon(true);
        return t;
    });

    /** A loader got an anchor: it counts as live until {@code anchor}, which only the loader holds, is collected. */
    public void anchored(Object anchor) {
        anchored.increment();
        LongAdder gone = released;
        cleaner.register(anchor, gone::increment);
    }

    /** Loaders holding tiered's state now. */
    public long live() {
        return anchored.sum() - released.sum();
    }

    /** Loaders that were collected since start-up, and everything tiered held for them with them. */
    public long released() {
        return released.sum();
    }

    /**
     * Runs {@code action} on the cleaner's thread once {@code owner} is unreachable. The action must not refer to
     * {@code owner}, or it never will be; it must be quick and never throw.
     */
    public void whenGone(Object owner, Runnable action) {
        cleaner.register(owner, action);
    }
}
