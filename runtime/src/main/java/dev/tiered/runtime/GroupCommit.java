package dev.tiered.runtime;

/**
 * Runs an action on behalf of many callers: each caller returns once an action that started after it called has
 * completed, and at most one action runs at a time. Under a burst, callers that arrive while an action runs share
 * the next one. Used for namespace bumps, where one bump after a write covers every write before it.
 */
final class GroupCommit {
    private long requested;
    private long completed;
    private boolean running;

    /** Returns when an action that started after this call began has completed. Never throws InterruptedException. */
    void run(Runnable action) {
        long ticket;
        long covers;
        boolean interrupted = false;
        synchronized (this) {
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
            action.run();
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
