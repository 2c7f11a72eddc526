package dev.tiered.runtime;

import java.util.List;

import dev.tiered.runtime.l2.KeyType;

/**
 * What the agent learns about one {@code @Invalidates} method when its class loads.
 *
 * @param className          binary name of the declaring class
 * @param methodName         the method's name
 * @param parameterTypes     the parameters' Java type names
 * @param namespaces         the annotation's {@code value}; empty means the declaring class's name
 * @param cacheKeyParameters the indexes of the parameters annotated {@code @CacheKey} (valid: none or one)
 * @param cacheKeyType       how the {@code @CacheKey} argument encodes, or each of its elements when
 *                           {@code eachElement}; {@code null} without one
 * @param eachElement        whether the {@code @CacheKey} parameter is a {@code List}, {@code Collection} or array
 *                           whose elements are the entity keys
 * @param classLoader        the defining loader of the declaring class ({@code null}: bootstrap, or unknown), where
 *                           the application's transactions are found; the runtime holds it weakly
 */
public record InvalidationSpec(String className, String methodName, List<String> parameterTypes,
                               List<String> namespaces, List<Integer> cacheKeyParameters, KeyType cacheKeyType,
                               boolean eachElement, ClassLoader classLoader) {
    public InvalidationSpec {
        parameterTypes = List.copyOf(parameterTypes);
        namespaces = List.copyOf(namespaces);
        cacheKeyParameters = List.copyOf(cacheKeyParameters);
    }

    /** Of a method whose class loader is not known: it is never taken to run inside a transaction. */
    public InvalidationSpec(String className, String methodName, List<String> parameterTypes, List<String> namespaces,
                            List<Integer> cacheKeyParameters, KeyType cacheKeyType, boolean eachElement) {
        this(className, methodName, parameterTypes, namespaces, cacheKeyParameters, cacheKeyType, eachElement, null);
    }

    /** An invalidation of whole namespaces. */
    public static InvalidationSpec ofNamespaces(String className, String methodName, List<String> parameterTypes,
                                                List<String> namespaces) {
        return new InvalidationSpec(className, methodName, parameterTypes, namespaces, List.of(), null, false);
    }

    public String displayName() {
        return className + "." + methodName + "(" + String.join(",", parameterTypes) + ")";
    }

    public List<String> effectiveNamespaces() {
        return namespaces.isEmpty() ? List.of(className) : namespaces;
    }
}
