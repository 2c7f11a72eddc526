package dev.tiered.runtime;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Set;

import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.coherence.Versions;
import dev.tiered.runtime.l2.EntityKey;
import dev.tiered.runtime.l2.KeyEncoder;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.tx.Transactions;

/**
 * The effect of one {@code @Invalidates} method: bumping its namespaces, or, for a keyed write, the entities named
 * by its {@code @CacheKey} argument. Thread-safe; never throws because Redis failed (the bump is then local and
 * sent to Redis later).
 *
 * <p>A call inside a transaction of the application (Spring's, found through the method's class loader) holds its
 * invalidation until the transaction completes: see {@link TransactionalWrites}.
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
    /** The loader of the method's class, held weakly until its transactions are found. */
    private final WeakReference<ClassLoader> loader;
    /** The transactions the method's class sees, found on its first call; {@code null} until then. */
    private volatile Transactions transactions;

    Invalidation(Versions versions, FaultReporter faults, String name, List<Namespace> namespaces,
                 EntityKey entityKey, ClassLoader loader) {
        this.versions = versions;
        this.faults = faults;
        this.name = name;
        this.namespaces = List.copyOf(namespaces);
        this.entityKey = entityKey;
        this.loader = new WeakReference<>(loader);
    }

    public String name() {
        return name;
    }

    /** Whether this write is keyed: then {@link #run(Object[])} needs the method's arguments. */
    public boolean keyed() {
        return entityKey != null;
    }

    /**
     * Bumps every namespace whole. When this returns, no entry computed before the call is served by this JVM; inside
     * a transaction, when it commits.
     */
    public void run() {
        if (heldForTransaction(null)) {
            return;
        }
        for (Namespace ns : namespaces) {
            versions.bump(ns);
        }
    }

    /**
     * Whether the calling thread is in a transaction, which now holds this write of {@code entities} (or of whole
     * namespaces: {@code null}) until it completes. A transaction manager that fails is logged, and the write
     * takes effect at once.
     */
    private boolean heldForTransaction(Set<String> entities) {
        Transactions tx = transactions;
        if (tx == null) {
            tx = Transactions.of(loader.get());
            transactions = tx;
        }
        if (tx == Transactions.NONE) {
            return false;
        }
        try {
            TransactionalWrites writes = tx.current(TransactionalWrites.class,
                    () -> new TransactionalWrites(versions, faults));
            if (writes == null) {
                return false;
            }
            for (Namespace ns : namespaces) {
                writes.add(ns, entities);
            }
            return true;
        } catch (RuntimeException | LinkageError e) { // LinkageError: a Spring whose API changed
            faults.warn("tx:" + name, name + " invalidated at its return, not at its transaction's end: " + tx
                    + "'s transactions failed (" + e + ")");
            return false;
        }
    }

    /**
     * Invalidates what a call with these arguments wrote: the entities of its {@code @CacheKey} argument (each
     * element of a collection or array), or its whole namespaces if it is not keyed, names more than
     * {@value #MAX_ENTITIES} entities, or an entity cannot be encoded. When this returns, no entry of those entities
     * computed before the call is served by this JVM; inside a transaction, when it commits.
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
        if (heldForTransaction(entities)) {
            return;
        }
        for (Namespace ns : namespaces) {
            versions.bumpEntities(ns, entities);
        }
    }
}
