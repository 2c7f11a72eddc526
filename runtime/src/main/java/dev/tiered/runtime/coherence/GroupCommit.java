package dev.tiered.runtime.coherence;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs an action on behalf of many callers: each caller returns once an action that started after it called has
 * completed, and at most one action runs at a time. Under a burst, callers that arrive while an action runs share
 * the next one, which is handed everything they brought. Used for namespace bumps, where one bump after a write
 * covers every write before it, and for keyed writes, where one script call bumps the entities of several.
 *
 * @param <T> what each caller brings to the action
 */
final class GroupCommit<T> {
    private long requested;
    private long completed;
    private boolean running;
    private List<T> pending = new ArrayList<>();

    /**
     * Returns when an action that started after this call began, and was handed {@code item}, has completed. The
     * action runs on one of the callers' threads and must not throw. Never throws InterruptedException.
     */
    void run(T item, Consumer<List<T>> action) {
        long ticket;
        long covers;
        List<T> batch;
        boolean interrupted = false;
        synchronized (this) {
            pending.add(item);
            ticket = ++requested;
            while (true) {
                if (completed >= ticket) {
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                    return;
                }
                if (!running) {
                    running = true;
                    covers = requested;
                    batch = pending;
                    pending = new ArrayList<>();
                    break;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true; // a write must not return before its invalidation
                }
            }
        }
        try {
            action.accept(batch);
        } finally {
            synchronized (this) {
                running = false;
                completed = covers;
                notifyAll();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
