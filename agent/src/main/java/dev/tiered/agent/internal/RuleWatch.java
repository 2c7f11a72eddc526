package dev.tiered.agent.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.tiered.runtime.config.Rules;

/**
 * Which rules of {@code tiered.rules} met a method. A rule whose method has not been met {@link #DEADLINE_SECONDS}
 * after start-up is told once, on one line: its class was not loaded by then (a misspelt name, a class loaded
 * later, a library not on the class path), or was loaded without such a method.
 */
final class RuleWatch {
    static final long DEADLINE_SECONDS = 60;

    private final Rules rules;
    private final Set<Rules.Origin> matched = ConcurrentHashMap.newKeySet();
    private final Set<Rules.Origin> refused = ConcurrentHashMap.newKeySet();

    RuleWatch(Rules rules) {
        this.rules = rules;
    }

    void matched(Rules.Cache cache, Rules.Invalidate invalidate) {
        if (cache != null) {
            matched.add(cache.origin());
        }
        if (invalidate != null) {
            matched.add(invalidate.origin());
        }
    }

    /** Whether this rule, met but refused, is refused for the first time: told once. */
    boolean firstRefusal(Rules.Origin origin) {
        return refused.add(origin);
    }

    /** One line per rule that met no method, given the names of the classes loaded now. */
    List<String> unmatched(Set<String> loaded) {
        List<String> lines = new ArrayList<>();
        for (Rules.Cache c : rules.cache()) {
            unmatched(c.origin(), c.className(), c.methodName(), c.parameterTypes(), loaded, lines);
        }
        for (Rules.Invalidate i : rules.invalidate()) {
            unmatched(i.origin(), i.className(), i.methodName(), i.parameterTypes(), loaded, lines);
        }
        return lines;
    }

    private void unmatched(Rules.Origin origin, String className, String method, List<String> parameters,
                           Set<String> loaded, List<String> lines) {
        if (matched.contains(origin)) {
            return;
        }
        String name = className + "." + method + "(" + (parameters == Rules.ANY_PARAMETERS ? ".."
                : String.join(", ", parameters)) + ")";
        lines.add("rules file " + origin + ": " + name + " met no method within " + DEADLINE_SECONDS
                + " s of start-up: " + why(className, loaded));
    }

    /** Why a rule on {@code className} (a binary name, or a pattern) met no method. */
    private static String why(String className, Set<String> loaded) {
        if (className.indexOf('*') < 0) {
            return loaded.contains(className) ? className + " is loaded, but neither it nor a class that implements "
                    + "it declares such a method with a body (an inherited method is ruled in the class that declares "
                    + "it, or in an interface)"
                    : className + " was not loaded (a misspelt name, or a class not used yet); accepted: a class's "
                    + "binary name, like com.acme.Outer$Inner";
        }
        return loaded.stream().anyMatch(c -> Rules.classMatches(className, c)) ? "the classes " + className
                + " that are loaded, and the classes that implement them, declare no such method with a body (an "
                + "inherited method is ruled in the class that declares it, or in an interface)"
                : "no class " + className + " was loaded (a misspelt package, or classes not used yet); accepted: a "
                + "package written out and * in the class's simple name, like com.acme.*Client";
    }
}
