package dev.tiered.agent.bootstrap;

/**
 * One {@code @Tiered} method, as the advice sees it. An {@code enter*} method returns the cached result (or
 * {@link Bridge#NULL}) when the call is served, a {@link PendingCall} when the method must run and report back, or
 * {@code null} when it must run uncached. Implementations never throw.
 */
public abstract class CacheSite {
    public abstract Object enter0();

    public abstract Object enter1(Object a0);

    public abstract Object enter2(Object a0, Object a1);

    public abstract Object enter3(Object a0, Object a1, Object a2);

    public abstract Object enterN(Object[] args);
}
