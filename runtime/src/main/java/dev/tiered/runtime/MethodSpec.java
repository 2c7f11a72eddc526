package dev.tiered.runtime;

import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.Callable;

import dev.tiered.runtime.l2.KeyType;

/**
 * What the agent learns about one {@code @Tiered} method when its class loads: its identity, its shape, the raw
 * annotation values and how each parameter encodes. The runtime validates all of it in
 * {@link TieredRuntime#register(MethodSpec)}, so that every error message is produced in one place.
 *
 * @param className      binary name of the declaring class ({@code com.acme.Outer$Inner})
 * @param methodName     the method's name
 * @param descriptor     the JVM descriptor, {@code (J)Lcom/acme/Product;}
 * @param parameterTypes the parameters' Java type names ({@code long}, {@code java.lang.String}, {@code int[]})
 * @param returnType     the return type's Java name ({@code void} for none)
 * @param kind           what sort of method this is
 * @param ttl            the annotation's {@code ttl}, unparsed
 * @param l1Ttl          the annotation's {@code l1Ttl}, unparsed; empty when absent
 * @param tier           the name of the annotation's {@code tier} constant
 * @param namespace      the annotation's {@code namespace}; empty means the declaring class's name
 * @param keyTypes       one per parameter: how it encodes into an L2 key
 * @param cacheKeyParameters the indexes of the parameters annotated {@code @CacheKey} (valid: none or one)
 * @param classLoader    the defining loader of the declaring class ({@code null}: bootstrap). A spec lives only while
 *                       its method is registered; what is registered holds the loader weakly, or is reachable from
 *                       the loader only
 */
public record MethodSpec(
        String className,
        String methodName,
        String descriptor,
        List<String> parameterTypes,
        String returnType,
        Kind kind,
        String ttl,
        String l1Ttl,
        String tier,
        String namespace,
        List<KeyType> keyTypes,
        List<Integer> cacheKeyParameters,
        ClassLoader classLoader) {

    /** The sorts of method that can carry the annotation; only {@link #CONCRETE} ones can be cached. */
    public enum Kind {
        CONCRETE, ABSTRACT, NATIVE, CONSTRUCTOR, STATIC_INITIALIZER
    }

    public MethodSpec {
        parameterTypes = List.copyOf(parameterTypes);
        keyTypes = List.copyOf(keyTypes);
        cacheKeyParameters = List.copyOf(cacheKeyParameters);
        if (keyTypes.size() != parameterTypes.size()) {
            throw new IllegalArgumentException("one key type per parameter");
        }
        l1Ttl = l1Ttl == null ? "" : l1Ttl;
        namespace = namespace == null ? "" : namespace;
    }

    /** {@code com.acme.ProductRepository.find(long)}: how the method is named in logs, metrics and L2 keys. */
    public String displayName() {
        return className + "." + methodName + "(" + String.join(",", parameterTypes) + ")";
    }

    /**
     * Whether the (one) {@code @CacheKey} parameter is a list or an array, as in {@code findAll(@CacheKey List<Long>
     * ids)}: a call reads many entities, and its entries are invalidated by every write to the namespace.
     */
    public boolean batchRead() {
        if (cacheKeyParameters.size() != 1) {
            return false;
        }
        KeyType t = keyTypes.get(cacheKeyParameters.get(0));
        return t instanceof KeyType.ListOf || t instanceof KeyType.ArrayOf;
    }

    /** The namespace this method's entries belong to. */
    public String effectiveNamespace() {
        return namespace.isEmpty() ? className : namespace;
    }

    /**
     * Finds the method by reflection, from its class's loader (held weakly here), when called; fails if that loader
     * is gone.
     */
    public Callable<Method> resolver() {
        WeakReference<ClassLoader> loader = new WeakReference<>(classLoader);
        boolean bootstrap = classLoader == null;
        return () -> {
            ClassLoader cl = loader.get();
            if (cl == null && !bootstrap) {
                throw new ClassNotFoundException(className + " (its class loader is gone)");
            }
            Class<?> owner = Class.forName(className, false, cl);
            Class<?>[] parameters = MethodType.fromMethodDescriptorString(descriptor, cl).parameterArray();
            return owner.getDeclaredMethod(methodName, parameters);
        };
    }
}
