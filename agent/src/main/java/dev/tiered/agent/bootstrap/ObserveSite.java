package dev.tiered.agent.bootstrap;

/** One method the advisor observes ({@code tiered.advise}), as the advice sees it. Implementations never throw. */
public abstract class ObserveSite {
    /** A candidate method returned {@code result} for {@code args}, having started at {@code startNanos}. */
    public abstract void returned(Object[] args, Object result, long startNanos);

    /** A {@code void} method, watched as a possible write, returned after a call with {@code args}. */
    public abstract void written(Object[] args);
}
