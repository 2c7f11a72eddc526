package dev.tiered.runtime;

/**
 * A method whose annotation cannot be honoured. The message is one line naming the method, the problem and the
 * accepted form; the method runs uncached.
 */
public final class RejectedException extends Exception {
    RejectedException(String method, String problem) {
        this(method, "runs uncached", problem);
    }

    RejectedException(String method, String consequence, String problem) {
        super(method + " " + consequence + ": " + problem + ".", null, false, false);
    }
}
