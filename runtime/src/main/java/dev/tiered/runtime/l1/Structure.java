package dev.tiered.runtime.l1;

import static dev.tiered.runtime.l1.HeapEstimator.HEADER_BYTES;
import static dev.tiered.runtime.l1.HeapEstimator.REFERENCE_BYTES;
import static dev.tiered.runtime.l1.HeapEstimator.align;
import static dev.tiered.runtime.l1.HeapEstimator.arrayBytes;
import static dev.tiered.runtime.l1.HeapEstimator.isJdk;

import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.Vector;
import java.util.concurrent.ArrayBlockingQueue;

/** The internals of a JDK collection or map, as a function of its size, for {@link HeapEstimator}. */
final class Structure {
    private enum Model {
        /** Elements held in fields of the collection itself. */
        NONE,
        /** An array of references, {@code slots} an element. */
        ARRAY,
        /** A table of a power of two references at load factor 0.75, and a node an element. */
        HASH,
        /** A node an element. */
        NODES,
        /** A node an element, and an index node for every other element. */
        SKIP_LIST,
        /** {@code IdentityHashMap}: keys and values side by side in a table at most two-thirds full. */
        OPEN_HASH
    }

    /** What a JDK class's structure is built of; classes are named, so that none is loaded before it is used. */
    private record Spec(Model model, int slots, String node, String inner) {
    }

    private static final String HASH_NODE = "java.util.HashMap$Node";
    private static final String LINKED_HASH_NODE = "java.util.LinkedHashMap$Entry";
    private static final String CONCURRENT_HASH_NODE = "java.util.concurrent.ConcurrentHashMap$Node";
    private static final String TREE_NODE = "java.util.TreeMap$Entry";
    private static final String SKIP_LIST_NODE = "java.util.concurrent.ConcurrentSkipListMap$Node";
    private static final String SKIP_LIST_INDEX = "java.util.concurrent.ConcurrentSkipListMap$Index";

    private static final Map<String, Spec> SPECS = Map.ofEntries(
            spec("java.util.ArrayList", Model.ARRAY, 1, null, null),
            spec("java.util.Arrays$ArrayList", Model.ARRAY, 1, null, null),
            spec("java.util.ArrayDeque", Model.ARRAY, 1, null, null),
            spec("java.util.PriorityQueue", Model.ARRAY, 1, null, null),
            spec("java.util.Vector", Model.ARRAY, 1, null, null),
            spec("java.util.EnumMap", Model.ARRAY, 1, null, null),
            spec("java.util.concurrent.CopyOnWriteArrayList", Model.ARRAY, 1, null, null),
            spec("java.util.concurrent.CopyOnWriteArraySet", Model.ARRAY, 1, null,
                    "java.util.concurrent.CopyOnWriteArrayList"),
            spec("java.util.concurrent.ArrayBlockingQueue", Model.ARRAY, 1, null, null),
            spec("java.util.concurrent.PriorityBlockingQueue", Model.ARRAY, 1, null, null),
            spec("java.util.ImmutableCollections$ListN", Model.ARRAY, 1, null, null),
            // Set.of and Map.of probe a table twice as long as what they hold: 2 slots an element, 4 an entry
            spec("java.util.ImmutableCollections$SetN", Model.ARRAY, 2, null, null),
            spec("java.util.ImmutableCollections$MapN", Model.ARRAY, 4, null, null),
            spec("java.util.ImmutableCollections$List12", Model.NONE, 0, null, null),
            spec("java.util.ImmutableCollections$Set12", Model.NONE, 0, null, null),
            spec("java.util.ImmutableCollections$Map1", Model.NONE, 0, null, null),
            spec("java.util.Collections$SingletonList", Model.NONE, 0, null, null),
            spec("java.util.Collections$SingletonSet", Model.NONE, 0, null, null),
            spec("java.util.Collections$SingletonMap", Model.NONE, 0, null, null),
            spec("java.util.Collections$CopiesList", Model.NONE, 0, null, null),
            spec("java.util.RegularEnumSet", Model.NONE, 0, null, null),
            spec("java.util.JumboEnumSet", Model.NONE, 0, null, null),
            spec("java.util.HashMap", Model.HASH, 0, HASH_NODE, null),
            spec("java.util.HashSet", Model.HASH, 0, HASH_NODE, "java.util.HashMap"),
            spec("java.util.LinkedHashMap", Model.HASH, 0, LINKED_HASH_NODE, null),
            spec("java.util.LinkedHashSet", Model.HASH, 0, LINKED_HASH_NODE, "java.util.LinkedHashMap"),
            spec("java.util.Hashtable", Model.HASH, 0, "java.util.Hashtable$Entry", null),
            // since JDK 9 a Properties keeps its entries in a ConcurrentHashMap, not in the Hashtable it extends
            spec("java.util.Properties", Model.HASH, 0, CONCURRENT_HASH_NODE,
                    "java.util.concurrent.ConcurrentHashMap"),
            spec("java.util.WeakHashMap", Model.HASH, 0, "java.util.WeakHashMap$Entry", null),
            spec("java.util.concurrent.ConcurrentHashMap", Model.HASH, 0, CONCURRENT_HASH_NODE, null),
            spec("java.util.concurrent.ConcurrentHashMap$KeySetView", Model.HASH, 0, CONCURRENT_HASH_NODE,
                    "java.util.concurrent.ConcurrentHashMap"),
            spec("java.util.IdentityHashMap", Model.OPEN_HASH, 0, null, null),
            spec("java.util.TreeMap", Model.NODES, 0, TREE_NODE, null),
            spec("java.util.TreeSet", Model.NODES, 0, TREE_NODE, "java.util.TreeMap"),
            spec("java.util.LinkedList", Model.NODES, 0, "java.util.LinkedList$Node", null),
            spec("java.util.concurrent.ConcurrentLinkedQueue", Model.NODES, 0,
                    "java.util.concurrent.ConcurrentLinkedQueue$Node", null),
            spec("java.util.concurrent.ConcurrentLinkedDeque", Model.NODES, 0,
                    "java.util.concurrent.ConcurrentLinkedDeque$Node", null),
            spec("java.util.concurrent.LinkedBlockingQueue", Model.NODES, 0,
                    "java.util.concurrent.LinkedBlockingQueue$Node", null),
            spec("java.util.concurrent.LinkedBlockingDeque", Model.NODES, 0,
                    "java.util.concurrent.LinkedBlockingDeque$Node", null),
            spec("java.util.concurrent.ConcurrentSkipListMap", Model.SKIP_LIST, 0, SKIP_LIST_NODE, null),
            spec("java.util.concurrent.ConcurrentSkipListSet", Model.SKIP_LIST, 0, SKIP_LIST_NODE,
                    "java.util.concurrent.ConcurrentSkipListMap"));

    private static Map.Entry<String, Spec> spec(String type, Model model, int slots, String node, String inner) {
        return Map.entry(type, new Spec(model, slots, node, inner));
    }

    private final Model model;
    private final int slots;
    private final long node;
    private final long index;
    private final long inner;

    private Structure(Spec spec) {
        this.model = spec.model;
        this.slots = spec.slots;
        this.node = spec.node == null ? 0 : jdkShallow(spec.node);
        this.index = model == Model.SKIP_LIST ? jdkShallow(SKIP_LIST_INDEX) : 0;
        this.inner = spec.inner == null ? 0 : jdkShallow(spec.inner);
    }

    /**
     * The structure of the JDK implementation that {@code type} is or extends; for one not known here, that of
     * the commonest implementation of its interface.
     */
    static Structure of(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            Spec spec = isJdk(c) ? SPECS.get(c.getName()) : null;
            if (spec != null) {
                return new Structure(spec);
            }
        }
        String like;
        if (SortedMap.class.isAssignableFrom(type)) {
            like = "java.util.TreeMap";
        } else if (Map.class.isAssignableFrom(type)) {
            like = "java.util.HashMap";
        } else if (SortedSet.class.isAssignableFrom(type)) {
            like = "java.util.TreeSet";
        } else if (Set.class.isAssignableFrom(type)) {
            like = "java.util.HashSet";
        } else {
            like = "java.util.ArrayList";
        }
        return new Structure(SPECS.get(like));
    }

    /** The size of an instance of the JDK class named, from its declared fields; a hash node's if unknown. */
    private static long jdkShallow(String name) {
        try {
            return HeapEstimator.shallow(Class.forName(name, false, null));
        } catch (ClassNotFoundException | RuntimeException | LinkageError renamedInThisJdk) {
            return align(HEADER_BYTES + 4 + 3L * REFERENCE_BYTES);
        }
    }

    long bytes(Object container, int size) {
        return inner + switch (model) {
            case NONE -> 0;
            case ARRAY -> {
                long length = (long) size * slots;
                if (container instanceof ArrayBlockingQueue) {
                    length = size + ((ArrayBlockingQueue<?>) container).remainingCapacity();
                } else if (container instanceof Vector) {
                    length = ((Vector<?>) container).capacity();
                }
                yield length == 0 ? 0 : arrayBytes(REFERENCE_BYTES, length);
            }
            case HASH -> size == 0 ? 0
                    : arrayBytes(REFERENCE_BYTES, Math.max(16, powerOfTwoAtLeast((size * 4L + 2) / 3)))
                            + size * node;
            case NODES -> size * node;
            case SKIP_LIST -> size * node + size / 2 * index;
            case OPEN_HASH -> arrayBytes(REFERENCE_BYTES, 2 * Math.max(32, powerOfTwoAtLeast((size * 3L + 1) / 2)));
        };
    }

    private static long powerOfTwoAtLeast(long n) {
        return n <= 1 ? 1 : Long.highestOneBit(n - 1) << 1;
    }
}
