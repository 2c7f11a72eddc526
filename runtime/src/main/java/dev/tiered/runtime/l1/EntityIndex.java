package dev.tiered.runtime.l1;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The L1 keys of a method with an entity key ({@code @CacheKey}), by entity: invalidating an entity removes exactly
 * its entries. It may hold keys no longer in L1, never miss one that is.
 *
 * <p>Most entities have one key (a method like {@code find(@CacheKey long id)}), so an entity maps to that key
 * itself, and only to a set once it has a second: a set per entity would cost about 250 bytes per entry. Every
 * change of an entity's keys is one atomic step of the map on that entity, so a set is only ever touched under its
 * entity's bin lock, or by the one thread that removed it from the map.
 */
final class EntityIndex {
    private final ConcurrentHashMap<String, Object> keysByEntity = new ConcurrentHashMap<>();

    /** An entity's keys once there is more than one; a key never is one (the class is private to the index). */
    private static final class Many {
        final Set<Object> keys = new HashSet<>(4);

        Many(Object first, Object second) {
            keys.add(first);
            keys.add(second);
        }
    }

    /** Adds a key to its entity's, in one atomic step with respect to the entity's invalidation. */
    void add(String entity, Object key) {
        keysByEntity.compute(entity, (e, held) -> {
            if (held == null || held.equals(key)) {
                return key;
            }
            if (held instanceof Many many) {
                many.keys.add(key);
                return many;
            }
            return new Many(held, key);
        });
    }

    /** Removes an entity and hands each of its keys to {@code removed}. */
    void remove(String entity, Consumer<Object> removed) {
        Object held = keysByEntity.remove(entity);
        if (held instanceof Many many) {
            many.keys.forEach(removed);
        } else if (held != null) {
            removed.accept(held);
        }
    }

    /** Forgets one key of an entity (its entry left L1). */
    void remove(String entity, Object key) {
        keysByEntity.computeIfPresent(entity, (e, held) -> {
            if (held instanceof Many many) {
                many.keys.remove(key);
                return many.keys.isEmpty() ? null : many;
            }
            return held.equals(key) ? null : held;
        });
    }

    /** Forgets every key for which {@code present} is false, each entity in one atomic step. */
    void retain(Predicate<Object> present) {
        for (String entity : keysByEntity.keySet()) {
            keysByEntity.computeIfPresent(entity, (e, held) -> {
                if (held instanceof Many many) {
                    many.keys.removeIf(present.negate());
                    return many.keys.isEmpty() ? null : many;
                }
                return present.test(held) ? held : null;
            });
        }
    }

    /** How many entities have keys indexed: none once every key was removed or found gone. */
    int entities() {
        return keysByEntity.size();
    }
}
