package dev.tiered.agent.bootstrap;

/** One {@code @Invalidates} method, as the advice sees it. Implementations never throw. */
public abstract class InvalidationSite {
    /** After a normal return of a method that invalidates whole namespaces. */
    public abstract void afterReturn();

    /** After a normal return of a keyed write: the arguments name the entities. */
    public abstract void afterReturn(Object[] args);
}
