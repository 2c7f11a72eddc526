package dev.tiered.agent.bootstrap;

/** One {@code @Invalidates} method, as the advice sees it. Implementations never throw. */
public abstract class InvalidationSite {
    public abstract void afterReturn();
}
