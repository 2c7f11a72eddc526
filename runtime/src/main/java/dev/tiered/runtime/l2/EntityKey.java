package dev.tiered.runtime.l2;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.tiered.runtime.l1.Keys;

/**
 * How a call names the entity it reads or writes: its {@code @CacheKey} argument, encoded as in L2 keys, so that
 * every JVM names an entity alike. Immutable.
 */
public final class EntityKey {
    private final int parameter;
    private final KeyEncoder encoder;
    private final boolean eachElement;

    /**
     * @param parameter   the index of the {@code @CacheKey} parameter
     * @param type        how its argument encodes, or each element's when {@code eachElement}
     * @param eachElement whether a {@code List}, {@code Collection} or array argument names one entity an element
     */
    public EntityKey(int parameter, KeyType type, boolean eachElement) {
        this.parameter = parameter;
        this.encoder = new KeyEncoder(List.of(type));
        this.eachElement = eachElement;
    }

    /** The index of the {@code @CacheKey} parameter. */
    public int parameter() {
        return parameter;
    }

    /** The entity a call names, from its L1 key ({@link Keys}) and the method's number of parameters. */
    public String ofCall(Object key, int arity) throws KeyEncoder.EncodingException {
        return of(Keys.arguments(key, arity)[parameter]);
    }

    /** The entity the argument names. */
    public String of(Object argument) throws KeyEncoder.EncodingException {
        return encoder.arguments(new Object[] {argument});
    }

    /** The entities the argument names: one, or, for a collection or array, one per element (duplicates once). */
    public Set<String> all(Object argument) throws KeyEncoder.EncodingException {
        List<Object> values = new ArrayList<>();
        if (!eachElement || argument == null) {
            values.add(argument);
        } else if (argument instanceof Iterable) {
            for (Object element : (Iterable<?>) argument) {
                values.add(element);
            }
        } else if (argument.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(argument); i++) {
                values.add(Array.get(argument, i));
            }
        } else {
            values.add(argument);
        }
        Set<String> encoded = new LinkedHashSet<>();
        for (Object value : values) {
            encoded.add(of(value));
        }
        return encoded;
    }
}
