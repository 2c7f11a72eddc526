package dev.tiered.runtime;

import java.util.List;

/**
 * What the agent learns about one {@code @Invalidates} method when its class loads.
 *
 * @param className      binary name of the declaring class
 * @param methodName     the method's name
 * @param parameterTypes the parameters' Java type names
 * @param namespaces     the annotation's {@code value}; empty means the declaring class's name
 */
public record InvalidationSpec(String className, String methodName, List<String> parameterTypes,
                               List<String> namespaces) {
    public InvalidationSpec {
        parameterTypes = List.copyOf(parameterTypes);
        namespaces = List.copyOf(namespaces);
    }

    public String displayName() {
        return className + "." + methodName + "(" + String.join(",", parameterTypes) + ")";
    }

    public List<String> effectiveNamespaces() {
        return namespaces.isEmpty() ? List.of(className) : namespaces;
    }
}
