package dev.tiered.runtime.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code tiered.advise}: the classes whose methods the advisor observes, comma-separated: {@code com.acme.**} (a
 * package and every package below it), {@code com.acme.*} (the classes of one package), or a class's binary name.
 */
public final class AdvisePattern {
    public static final String FORM = "comma-separated patterns of classes: com.acme.** (a package and those below "
            + "it), com.acme.* (one package), or com.acme.Catalog (one class); not in java.*";
    private static final Pattern ONE = Pattern.compile(
            "[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*(\\.\\*\\*|\\.\\*)?");

    private final String text;
    private final List<String> trees = new ArrayList<>();
    private final List<String> packages = new ArrayList<>();
    private final List<String> classes = new ArrayList<>();

    private AdvisePattern(String text) {
        this.text = text;
    }

    /** @throws IllegalArgumentException if a pattern is malformed or names {@code java.*} */
    public static AdvisePattern parse(String text) {
        AdvisePattern p = new AdvisePattern(text.trim());
        for (String one : text.split(",")) {
            String s = one.trim();
            if (!ONE.matcher(s).matches() || s.equals("java") || s.startsWith("java.")) {
                throw new IllegalArgumentException();
            }
            if (s.endsWith(".**")) {
                p.trees.add(s.substring(0, s.length() - 2)); // "com.acme."
            } else if (s.endsWith(".*")) {
                p.packages.add(s.substring(0, s.length() - 1));
            } else {
                p.classes.add(s);
            }
        }
        return p;
    }

    /** Whether the class of this binary name is observed. */
    public boolean matches(String className) {
        if (classes.contains(className)) {
            return true;
        }
        for (String t : trees) {
            if (className.startsWith(t)) {
                return true;
            }
        }
        int dot = className.lastIndexOf('.');
        String pkg = dot < 0 ? "" : className.substring(0, dot + 1);
        return packages.contains(pkg);
    }

    @Override
    public String toString() {
        return text;
    }
}
