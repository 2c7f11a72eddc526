package dev.tiered.runtime;

import java.util.List;
import java.util.Set;

import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.coherence.Versions;
import dev.tiered.runtime.l2.EntityKey;
import dev.tiered.runtime.l2.KeyEncoder;
import dev.tiered.runtime.stats.FaultReporter;

/**
 * The effect of one {@code @Invalidates} method: bumping its namespaces, or, for a keyed write, the entities named
 * by its {@code @CacheKey} argument. Thread-safe; never throws because Redis failed (the bump is then local and
 * sent to Redis later).
 */
public final class Invalidation {
    /** A keyed write naming more entities than this bumps the whole namespaces instead: one round trip. */
    static final int MAX_ENTITIES = 16;

    private final Versions versions;
    private final FaultReporter faults;
    private final String name;
    private final List<Namespace> namespaces;
    /** Names the entities a call writes; {@code null} for a write of whole namespaces. */
    private final EntityKey entityKey;

    Invalidation(Versions versions, FaultReporter faults, String name, List<Namespace> namespaces,
                 EntityKey entityKey) {
        this.versions = versions;
        this.faults = faults;
        this.name = name;
        this.namespaces = List.copyOf(namespaces);
        this.entityKey = entityKey;
    }

    public String name() {
        return name;
    }

    /** Whether this write is keyed: then {@link #run(Object[])} needs the method's arguments. */
    public boolean keyed() {
        return entityKey != null;
    }

    /** Bumps every namespace whole. When this returns, no entry computed before the call is served by this JVM. */
    public void run() {
        for (Namespace ns : namespaces) {
            versions.bump(ns);
        }
    }

    /**
     * Invalidates what a call with these arguments wrote: the entities of its {@code @CacheKey} argument (each
     * element of a collection or array), or its whole namespaces if it is not keyed, names more than
     * {@value #MAX_ENTITIES} entities, or an entity cannot be encoded. When this returns, no entry of those entities
     * computed before the call is served by this JVM.
     */
    public void run(Object[] args) {
        if (entityKey == null) {
            run();
            return;
        }
        Set<String> entities;
        try {
            entities = entityKey.all(args[entityKey.parameter()]);
        } catch (KeyEncoder.EncodingException e) {
            faults.warn("invalidate:" + name, name + " invalidated its whole namespaces: its @CacheKey "
                    + "argument cannot be encoded (" + e.getMessage() + ")");
            run();
            return;
        }
        if (entities.size() > MAX_ENTITIES) {
            run();
            return;
        }
        for (Namespace ns : namespaces) {
            versions.bumpEntities(ns, entities);
        }
    }
}
