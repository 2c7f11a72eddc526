package dev.tiered.runtime;

import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.tiered.Tier;
import dev.tiered.runtime.l2.KeyType;

/**
 * Builds the {@link MethodSpec} the agent would build, from reflection on a real test class, so that runtime tests
 * exercise real methods (the codec reflects on them) without the agent.
 */
public final class Specs {
    private Specs() {}

    public static MethodSpec of(Class<?> owner, String method, String ttl, Tier tier, String namespace) {
        return of(owner, method, ttl, "", tier.name(), namespace);
    }

    public static MethodSpec of(Class<?> owner, String methodName, String ttl, String l1Ttl, String tier,
                                String namespace) {
        return of(owner, methodName, ttl, l1Ttl, tier, namespace, List.of());
    }

    /** With the given parameters marked {@code @CacheKey}. */
    public static MethodSpec keyed(Class<?> owner, String method, String ttl, Tier tier, String namespace,
                                   int... keys) {
        return of(owner, method, ttl, "", tier.name(), namespace, Arrays.stream(keys).boxed().toList());
    }

    public static MethodSpec of(Class<?> owner, String methodName, String ttl, String l1Ttl, String tier,
                                String namespace, List<Integer> cacheKeys) {
        Method m = Arrays.stream(owner.getDeclaredMethods()).filter(x -> x.getName().equals(methodName))
                .findFirst().orElseThrow(() -> new IllegalArgumentException(methodName));
        List<String> parameters = new ArrayList<>();
        List<KeyType> keys = new ArrayList<>();
        for (int i = 0; i < m.getParameterCount(); i++) {
            parameters.add(m.getParameterTypes()[i].getTypeName());
            keys.add(keyType(m.getGenericParameterTypes()[i]));
        }
        String descriptor = MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString();
        return new MethodSpec(owner.getName(), methodName, descriptor, parameters, m.getReturnType().getTypeName(),
                MethodSpec.Kind.CONCRETE, ttl, l1Ttl, tier, namespace, keys, cacheKeys, owner.getClassLoader());
    }

    /** What the agent's KeyTypes computes from a Byte Buddy description, here from reflection. */
    public static KeyType keyType(Type type) {
        if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            return new KeyType.ListOf(keyType(p.getActualTypeArguments()[0]));
        }
        if (!(type instanceof Class<?> c)) {
            return new KeyType.Unsupported(type.getTypeName());
        }
        if (c.isArray()) {
            return new KeyType.ArrayOf(keyType(c.getComponentType()));
        }
        KeyType.Scalar scalar = KeyType.Scalar.forTypeName(c.getName());
        if (scalar != null) {
            return scalar;
        }
        if (c.isEnum()) {
            return new KeyType.EnumOf(c.getName());
        }
        if (c.isRecord()) {
            List<KeyType.RecordOf.Component> components = new ArrayList<>();
            for (RecordComponent rc : c.getRecordComponents()) {
                components.add(new KeyType.RecordOf.Component(rc.getName(), keyType(rc.getGenericType())));
            }
            return new KeyType.RecordOf(c.getName(), components);
        }
        return new KeyType.Unsupported(c.getName());
    }
}
