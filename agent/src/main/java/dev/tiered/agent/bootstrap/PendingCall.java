package dev.tiered.agent.bootstrap;

/** A call whose method body runs now; the advice reports how it ended. Implementations never throw. */
public abstract class PendingCall {
    /**
     * @param returned the method's result, boxed ({@code null} if it threw)
     * @param thrown   what the method threw, or {@code null} if it returned
     * @return {@code null}, or what the call returns instead of throwing {@code thrown} ({@link Bridge#NULL} for
     *     {@code null}): a recently expired value, under {@code tiered.staleIfError}
     */
    public abstract Object exit(Object returned, Throwable thrown);
}
