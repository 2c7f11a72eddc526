package dev.tiered.runtime;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The effect of one {@code @Invalidates} method: bumping its namespaces, or, for a keyed write, the entities named
 * by its {@code @CacheKey} argument. Thread-safe; never throws because Redis failed (the bump is then local and
 * sent to Redis later).
 */
public final class Invalidation {
    /** A keyed write naming more entities than this bumps the whole namespaces instead: one round trip. */
    static final int MAX_ENTITIES = 16;

    private final TieredRuntime runtime;
    private final String name;
    private final List<Namespace> namespaces;
    private final int keyParameter;
    private final KeyEncoder keyEncoder;
    private final boolean eachElement;

    Invalidation(TieredRuntime runtime, String name, List<Namespace> namespaces, int keyParameter,
                 KeyType keyType, boolean eachElement) {
        this.runtime = runtime;
        this.name = name;
        this.namespaces = List.copyOf(namespaces);
        this.keyParameter = keyParameter;
        this.keyEncoder = keyParameter < 0 ? null : new KeyEncoder(List.of(keyType));
        this.eachElement = eachElement;
    }

    public String name() {
        return name;
    }

    /** Whether this write is keyed: then {@link #run(Object[])} needs the method's arguments. */
    public boolean keyed() {
        return keyParameter >= 0;
    }

    /** Bumps every namespace whole. When this returns, no entry computed before the call is served by this JVM. */
    public void run() {
        for (Namespace ns : namespaces) {
            runtime.bump(ns);
        }
    }

    /**
     * Invalidates what a call with these arguments wrote: the entities of its {@code @CacheKey} argument (each
     * element of a collection or array), or its whole namespaces if it is not keyed, names more than
     * {@value #MAX_ENTITIES} entities, or an entity cannot be encoded. When this returns, no entry of those entities
     * computed before the call is served by this JVM.
     */
    public void run(Object[] args) {
        if (keyParameter < 0) {
            run();
            return;
        }
        Set<String> entities;
        try {
            entities = entities(args[keyParameter]);
        } catch (KeyEncoder.EncodingException e) {
            runtime.faults().warn("invalidate:" + name, name + " invalidated its whole namespaces: its @CacheKey "
                    + "argument cannot be encoded (" + e.getMessage() + ")");
            run();
            return;
        }
        if (entities.size() > MAX_ENTITIES) {
            run();
            return;
        }
        for (Namespace ns : namespaces) {
            runtime.bumpEntities(ns, entities);
        }
    }

    private Set<String> entities(Object key) throws KeyEncoder.EncodingException {
        List<Object> values = new ArrayList<>();
        if (!eachElement || key == null) {
            values.add(key);
        } else if (key instanceof Iterable) {
            for (Object element : (Iterable<?>) key) {
                values.add(element);
            }
        } else if (key.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(key); i++) {
                values.add(Array.get(key, i));
            }
        } else {
            values.add(key);
        }
        Set<String> encoded = new LinkedHashSet<>();
        for (Object value : values) {
            encoded.add(keyEncoder.arguments(new Object[] {value}));
        }
        return encoded;
    }
}
