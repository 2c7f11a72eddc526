package dev.tiered.runtime;

import java.util.List;

/** The effect of one {@code @Invalidates} method: bumping its namespaces. Thread-safe. */
public final class Invalidation {
    private final TieredRuntime runtime;
    private final String name;
    private final List<Namespace> namespaces;

    Invalidation(TieredRuntime runtime, String name, List<Namespace> namespaces) {
        this.runtime = runtime;
        this.name = name;
        this.namespaces = List.copyOf(namespaces);
    }

    public String name() {
        return name;
    }

    /**
     * Bumps every namespace, in Redis and in this JVM. When this returns, no entry computed before the call is
     * served by this JVM. Never throws because Redis failed: the bump is then local and sent to Redis later.
     */
    public void run() {
        for (Namespace ns : namespaces) {
            runtime.bump(ns);
        }
    }
}
