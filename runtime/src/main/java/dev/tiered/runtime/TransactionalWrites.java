package dev.tiered.runtime;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.coherence.Versions;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.tx.Transactions;

/**
 * The invalidations of the {@code @Invalidates} methods that ran inside one transaction, held until it completes.
 * A write inside a transaction is not visible to other connections before the commit, so a bump at the method's
 * return would let any JVM read the old row after the bump and cache it as current; instead:
 * <ul>
 *   <li>after a commit (or an outcome the transaction manager cannot tell), the namespaces and entities written are
 *       bumped, as the methods would have at their return: a load that read before the commit began under the old
 *       version and is not kept, in this JVM or another;</li>
 *   <li>after a rollback nothing is bumped: nothing changed, and nothing the transaction saw was cached;</li>
 *   <li>until then, the transaction's own thread reads the namespaces it wrote uncached, neither served from nor
 *       stored to L1 or L2: it sees its own writes, which no other thread may see before the commit.</li>
 * </ul>
 * Thread-safe: the transaction's thread adds and usually completes, but a transaction manager may complete it on
 * another thread.
 */
final class TransactionalWrites implements Transactions.Work {
    /** The transactions of the current thread with writes not yet completed (more than one when suspended). */
    private static final ThreadLocal<List<TransactionalWrites>> OPEN = ThreadLocal.withInitial(CopyOnWriteArrayList::new);

    private final Versions versions;
    private final FaultReporter faults;
    private final List<TransactionalWrites> thread = OPEN.get();
    private final Set<Namespace> whole = new LinkedHashSet<>();
    private final Map<Namespace, Set<String>> entities = new LinkedHashMap<>();
    private boolean completed;

    TransactionalWrites(Versions versions, FaultReporter faults) {
        this.versions = versions;
        this.faults = faults;
        thread.add(this);
    }

    /**
     * Whether the calling thread's open transactions wrote {@code ns}, so that it must read it uncached. Only asked
     * while {@link Namespace#writtenByOpenTransactions()}.
     */
    static boolean onThisThread(Namespace ns) {
        for (TransactionalWrites w : OPEN.get()) {
            if (w.wrote(ns)) {
                return true;
            }
        }
        return false;
    }

    private synchronized boolean wrote(Namespace ns) {
        return whole.contains(ns) || entities.containsKey(ns);
    }

    /**
     * Adds a write of {@code ns}: of these entities, or of all of it when {@code written} is {@code null}; more than
     * {@link Invalidation#MAX_ENTITIES} entities of one namespace are a write of all of it, as for one call.
     */
    synchronized void add(Namespace ns, Set<String> written) {
        if (completed) {
            throw new IllegalStateException("the transaction already completed");
        }
        if (!wrote(ns)) {
            ns.transactionWrites(1);
        }
        if (whole.contains(ns)) {
            return;
        }
        if (written == null) {
            entities.remove(ns);
            whole.add(ns);
            return;
        }
        Set<String> all = entities.computeIfAbsent(ns, n -> new LinkedHashSet<>());
        all.addAll(written);
        if (all.size() > Invalidation.MAX_ENTITIES) {
            entities.remove(ns);
            whole.add(ns);
        }
    }

    @Override
    public void completed(Transactions.Outcome outcome) {
        Set<Namespace> all;
        Map<Namespace, Set<String>> keyed;
        synchronized (this) {
            if (completed) {
                return;
            }
            completed = true;
            all = new LinkedHashSet<>(whole);
            keyed = new LinkedHashMap<>(entities);
        }
        try {
            if (outcome != Transactions.Outcome.ROLLED_BACK) {
                all.forEach(versions::bump);
                keyed.forEach(versions::bumpEntities);
            }
        } catch (RuntimeException e) {
            faults.warn("tx-bump", "the writes of a transaction were not invalidated after it " + outcome + " ("
                    + e + "); their entries live until their ttl");
        } finally {
            thread.remove(this);
            all.forEach(ns -> ns.transactionWrites(-1));
            keyed.keySet().forEach(ns -> ns.transactionWrites(-1));
        }
    }

    @Override
    public synchronized String toString() {
        return "invalidations held until commit: " + whole.stream().map(ns -> ns.name).toList() + " whole, "
                + entities.entrySet().stream().map(e -> e.getKey().name + " " + e.getValue()).toList();
    }
}
