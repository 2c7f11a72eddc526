package dev.tiered.runtime.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A rules file ({@code tiered.rules}): cached and invalidating methods declared by name, with the attributes and
 * the meaning of {@code @Tiered}, {@code @Invalidates} and {@code @CacheKey}, for methods that carry no annotation
 * (a library's, a framework's) or whose annotation an operator overrides without a rebuild:
 *
 * <pre>
 * cache:
 *   - method: com.acme.pricing.PriceClient.quote(java.lang.String)
 *     ttl: 30s
 *     tier: L1_L2          # optional, as @Tiered: L1_L2
 *     l1Ttl: 5s            # optional
 *     namespace: price     # optional, as @Tiered: the class's simple name
 *     cacheKey: 0          # optional: the parameter (from 0) that names the entity, or a list of them
 * invalidate:
 *   - method: com.acme.pricing.PriceClient.update(java.lang.String, java.math.BigDecimal)
 *     namespaces: [price]  # as @Invalidates
 *     cacheKey: 0
 * </pre>
 *
 * A method is named by its class's binary name, its name and its parameter types as Java writes them
 * ({@code long}, {@code java.lang.String}, {@code int[]}, {@code java.util.List}, nested classes with {@code $}), or
 * with {@code (..)} for every overload of that name. The class's simple name may hold {@code *}, any part of a name
 * in that one package without {@code $} ({@code com.acme.repo.*Repository}): a nested or generated class
 * ({@code Outer$Inner}, {@code Service$$SpringCGLIB$$0}) is never taken by a star, so that a framework's subclass of
 * a ruled class is not cached a second time. Parsed with SnakeYAML's node API, which constructs no object
 * from the file; each malformed entry is one problem naming the file, the line, what was wrong and the accepted
 * form, and is left out, while the valid entries apply.
 */
public final class Rules {
    /** Every overload of a name: {@code Type.method(..)}. */
    public static final List<String> ANY_PARAMETERS = Collections.unmodifiableList(new ArrayList<>());
    static final String METHOD_FORM = "a class's binary name, a method name and its parameter types, like "
            + "com.acme.PriceClient.quote(java.lang.String), or (..) for every overload; * in the class's simple "
            + "name for every class of its package so named, like com.acme.*Client.quote(..)";
    private static final Pattern METHOD = Pattern.compile(
            "([\\p{L}_$*][\\p{L}\\p{N}_$*]*(?:\\.[\\p{L}_$*][\\p{L}\\p{N}_$*]*)+)\\.([\\p{L}_$][\\p{L}\\p{N}_$]*)"
                    + "\\(\\s*(\\.\\.|[^()]*)\\s*\\)");
    private static final Pattern TYPE = Pattern.compile(
            "[\\p{L}_$][\\p{L}\\p{N}_$]*(?:\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*(?:\\[])*");
    private static final Set<String> CACHE_KEYS = Set.of("method", "ttl", "tier", "l1Ttl", "namespace", "cacheKey");
    private static final Set<String> INVALIDATE_KEYS = Set.of("method", "namespaces", "cacheKey");

    /** Where a rule was written: the file and the line (from 1). */
    public record Origin(Path file, int line) {
        @Override
        public String toString() {
            return file + ":" + line;
        }
    }

    /** A cached method: the attributes of {@code @Tiered} as written, checked as an annotation's are. */
    public record Cache(String className, String methodName, List<String> parameterTypes, String ttl, String l1Ttl,
                        String tier, String namespace, List<Integer> cacheKeys, Origin origin) {
        /** Whether this rule names the method {@code methodName(parameterTypes)} of {@code className}. */
        public boolean names(String className, String methodName, List<String> parameterTypes) {
            return matches(this.className, this.methodName, this.parameterTypes, className, methodName,
                    parameterTypes);
        }
    }

    /** An invalidating method: the namespaces of {@code @Invalidates}, and its {@code @CacheKey} parameters. */
    public record Invalidate(String className, String methodName, List<String> parameterTypes,
                             List<String> namespaces, List<Integer> cacheKeys, Origin origin) {
        public boolean names(String className, String methodName, List<String> parameterTypes) {
            return matches(this.className, this.methodName, this.parameterTypes, className, methodName,
                    parameterTypes);
        }
    }

    public static final Rules NONE = new Rules(null, List.of(), List.of(), List.of());

    private final Path file;
    private final List<Cache> cache;
    private final List<Invalidate> invalidate;
    private final List<String> problems;
    private final Set<String> classNames = new HashSet<>();
    /** The class patterns (with {@code *}) of the rules, by their package: a class load tests only its package's. */
    private final Map<String, List<String>> patterns = new HashMap<>();

    private Rules(Path file, List<Cache> cache, List<Invalidate> invalidate, List<String> problems) {
        this.file = file;
        this.cache = List.copyOf(cache);
        this.invalidate = List.copyOf(invalidate);
        this.problems = List.copyOf(problems);
        cache.forEach(c -> classNames.add(c.className()));
        invalidate.forEach(i -> classNames.add(i.className()));
        for (String c : classNames) {
            if (c.indexOf('*') >= 0) {
                patterns.computeIfAbsent(c.substring(0, c.lastIndexOf('.')), p -> new ArrayList<>()).add(c);
            }
        }
    }

    /** The file read, or null for {@link #NONE}. */
    public Path file() {
        return file;
    }

    public List<Cache> cache() {
        return cache;
    }

    public List<Invalidate> invalidate() {
        return invalidate;
    }

    /** One line per entry left out, and per file that could not be read. */
    public List<String> problems() {
        return problems;
    }

    public boolean isEmpty() {
        return cache.isEmpty() && invalidate.isEmpty();
    }

    /** Whether a rule names a method of the class {@code className} (binary name), by its name or a pattern. */
    public boolean namesClass(String className) {
        if (classNames.contains(className)) {
            return true;
        }
        int dot = className.lastIndexOf('.');
        List<String> inPackage = dot < 0 ? null : patterns.get(className.substring(0, dot));
        return inPackage != null && anyMatches(inPackage, className);
    }

    /** The classes the rules name, as written: binary names, and patterns with {@code *}. */
    public Set<String> classNames() {
        return Collections.unmodifiableSet(classNames);
    }

    /**
     * Whether the class {@code className} (binary name) is {@code ruleClass}, a class's name as a rule writes it:
     * equal, or taken by its pattern, where {@code *} stands for any part of the simple name without {@code $}.
     */
    public static boolean classMatches(String ruleClass, String className) {
        if (ruleClass.indexOf('*') < 0) {
            return ruleClass.equals(className);
        }
        int dot = ruleClass.lastIndexOf('.');
        if (className.length() <= dot || className.lastIndexOf('.') != dot
                || !className.regionMatches(0, ruleClass, 0, dot + 1)) {
            return false; // another package
        }
        return simpleNameMatches(ruleClass, dot + 1, className, dot + 1);
    }

    /** Whether one of {@code ruleClasses}, classes' names as rules write them, takes the class {@code className}. */
    public static boolean anyMatches(java.util.Collection<String> ruleClasses, String className) {
        for (String ruleClass : ruleClasses) {
            if (classMatches(ruleClass, className)) {
                return true;
            }
        }
        return false;
    }

    /** Glob matching from {@code p} in the pattern and {@code c} in the name; a star never takes a {@code $}. */
    private static boolean simpleNameMatches(String pattern, int p, String name, int c) {
        while (p < pattern.length()) {
            char want = pattern.charAt(p);
            if (want == '*') {
                for (int end = c; ; end++) {
                    if (simpleNameMatches(pattern, p + 1, name, end)) {
                        return true;
                    }
                    if (end == name.length() || name.charAt(end) == '$') {
                        return false;
                    }
                }
            }
            if (c == name.length() || name.charAt(c) != want) {
                return false;
            }
            p++;
            c++;
        }
        return c == name.length();
    }

    /**
     * The cache rule naming this method, or null: one that names its class exactly before one that takes it by a
     * pattern, and the first in the file among those.
     */
    public Cache cacheRule(String className, String methodName, List<String> parameterTypes) {
        return first(cache, c -> c.names(className, methodName, parameterTypes), Cache::className);
    }

    /** The invalidation rule naming this method, or null; chosen as {@link #cacheRule} chooses. */
    public Invalidate invalidateRule(String className, String methodName, List<String> parameterTypes) {
        return first(invalidate, i -> i.names(className, methodName, parameterTypes), Invalidate::className);
    }

    private static <R> R first(List<R> rules, java.util.function.Predicate<R> names,
                               java.util.function.Function<R, String> ruleClass) {
        R byPattern = null;
        for (R r : rules) {
            if (names.test(r)) {
                if (ruleClass.apply(r).indexOf('*') < 0) {
                    return r;
                }
                byPattern = byPattern == null ? r : byPattern;
            }
        }
        return byPattern;
    }

    private static boolean matches(String ruleClass, String ruleMethod, List<String> ruleParameters,
                                   String className, String methodName, List<String> parameterTypes) {
        return ruleMethod.equals(methodName) && classMatches(ruleClass, className)
                && (ruleParameters == ANY_PARAMETERS || ruleParameters.equals(parameterTypes));
    }

    /** Reads a rules file; what cannot be read is a problem, never an exception. */
    public static Rules read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return new Rules(file, List.of(), List.of(), List.of("rules file " + file + " cannot be read ("
                    + e + "); no rule applies. Accepted: a readable YAML file with cache: and invalidate: lists"));
        }
        return parse(file, new java.io.StringReader(text));
    }

    static Rules parse(Path file, Reader text) {
        return Parser.parse(file, text); // SnakeYAML is loaded by the parser only, when a file is set
    }

    /** Walks the node tree; every problem names the file and line. */
    private static final class Parser {
        final Path file;
        final List<Cache> cache = new ArrayList<>();
        final List<Invalidate> invalidate = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        /** Methods already ruled, by list: a second rule of the same method is told. */
        final Map<String, Integer> seen = new HashMap<>();

        Parser(Path file) {
            this.file = file;
        }

        static Rules parse(Path file, Reader text) {
            Parser p = new Parser(file);
            try {
                LoaderOptions options = new LoaderOptions();
                options.setAllowDuplicateKeys(true); // found and told below, with the line
                options.setMaxAliasesForCollections(10);
                Node root = new Yaml(options).compose(text);
                p.root(root);
            } catch (MarkedYAMLException e) {
                int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
                p.problem(line, "is not YAML (" + e.getProblem() + "); no rule applies. Accepted: a YAML file with "
                        + "cache: and invalidate: lists");
            } catch (RuntimeException e) { // YAMLException, and whatever else the parser throws
                p.problem(0, "is not YAML (" + e.getMessage() + "); no rule applies. Accepted: a YAML file with "
                        + "cache: and invalidate: lists");
            }
            return new Rules(file, p.cache, p.invalidate, p.problems);
        }

        void problem(int line, String what) {
            problems.add("rules file " + file + (line > 0 ? ":" + line : "") + ": " + what);
        }

        static int line(Node n) {
            return n.getStartMark() == null ? 0 : n.getStartMark().getLine() + 1;
        }

        void root(Node root) {
            if (root == null) {
                return; // an empty file: no rules
            }
            if (!(root instanceof MappingNode top)) {
                problem(line(root), "the top level is not a mapping; no rule applies. Accepted: cache: and "
                        + "invalidate:, each a list of rules");
                return;
            }
            for (Map.Entry<String, NodeTuple> e : entries(top, "the top level").entrySet()) {
                Node value = e.getValue().getValueNode();
                switch (e.getKey()) {
                    case "cache" -> list(value, "cache", this::cacheRule);
                    case "invalidate" -> list(value, "invalidate", this::invalidateRule);
                    default -> problem(line(e.getValue().getKeyNode()), "unknown key " + e.getKey()
                            + " at the top level, ignored" + suggestion(e.getKey(), Set.of("cache", "invalidate"))
                            + ". Accepted: cache, invalidate");
                }
            }
        }

        private void list(Node value, String name, java.util.function.BiConsumer<MappingNode, String> rule) {
            if (value instanceof ScalarNode s && s.getValue().isEmpty()) {
                return; // "cache:" with nothing under it
            }
            if (!(value instanceof SequenceNode seq)) {
                problem(line(value), name + " is not a list; its rules are left out. Accepted: a list of "
                        + "mappings, each starting with - method:");
                return;
            }
            List<Node> items = seq.getValue();
            for (int i = 0; i < items.size(); i++) {
                Node item = items.get(i);
                String where = name + "[" + i + "]";
                if (item instanceof MappingNode m) {
                    rule.accept(m, where);
                } else {
                    problem(line(item), where + " is not a mapping; left out. Accepted: - method: ... with its "
                            + "attributes below it");
                }
            }
        }

        /** The keys of a mapping in order, each scalar; duplicates and non-scalar keys told. */
        private Map<String, NodeTuple> entries(MappingNode m, String where) {
            Map<String, NodeTuple> out = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode key)) {
                    problem(line(t.getKeyNode()), where + " has a key that is not a word; ignored");
                    continue;
                }
                if (out.containsKey(key.getValue())) {
                    problem(line(key), where + " has " + key.getValue() + " twice; the first applies");
                    continue;
                }
                out.put(key.getValue(), t);
            }
            return out;
        }

        private void cacheRule(MappingNode m, String where) {
            Map<String, NodeTuple> e = entries(m, where);
            if (!known(e, where, CACHE_KEYS)) {
                return;
            }
            String[] method = method(e, m, where);
            String ttl = scalar(e, "ttl", where, "a duration as in @Tiered: 30s, 10m, 1h, 500ms", true, line(m));
            if (method == null || ttl == null) {
                return;
            }
            String tier = scalar(e, "tier", where, "L1, L2 or L1_L2", false, line(m));
            String l1Ttl = scalar(e, "l1Ttl", where, "a duration as in @Tiered, at most ttl", false, line(m));
            String namespace = scalar(e, "namespace", where, "a name, as @Tiered(namespace)", false, line(m));
            if (!valid(e, "ttl", ttl, where, Durations.ACCEPTED_FORM) || !valid(e, "l1Ttl", l1Ttl, where,
                    Durations.ACCEPTED_FORM) || !valid(e, "tier", tier, where, "L1, L2 or L1_L2 (any case)")) {
                return;
            }
            List<Integer> keys = cacheKeys(e, where, method);
            if (keys == null || !absent(e, "tier", tier) || !absent(e, "l1Ttl", l1Ttl)
                    || !absent(e, "namespace", namespace) || duplicate("cache", method, m, where)) {
                return;
            }
            cache.add(new Cache(method[0], method[1], parameters(method[2]), ttl, l1Ttl == null ? "" : l1Ttl,
                    tier == null ? "L1_L2" : tier.toUpperCase(Locale.ROOT), namespace == null ? "" : namespace,
                    keys, new Origin(file, line(m))));
        }

        private void invalidateRule(MappingNode m, String where) {
            Map<String, NodeTuple> e = entries(m, where);
            if (!known(e, where, INVALIDATE_KEYS)) {
                return;
            }
            String[] method = method(e, m, where);
            if (method == null) {
                return;
            }
            List<String> namespaces = new ArrayList<>();
            NodeTuple ns = e.get("namespaces");
            if (ns != null) {
                Node v = ns.getValueNode();
                List<Node> items = v instanceof SequenceNode seq ? seq.getValue() : List.of(v);
                for (Node item : items) {
                    if (!(item instanceof ScalarNode s) || s.getValue().isBlank()) {
                        problem(line(item), where + ".namespaces has an entry that is not a name; the rule is left "
                                + "out. Accepted: a name or a list of names, like [price, quote]");
                        return;
                    }
                    namespaces.add(s.getValue().trim());
                }
            }
            List<Integer> keys = cacheKeys(e, where, method);
            if (keys == null || duplicate("invalidate", method, m, where)) {
                return;
            }
            invalidate.add(new Invalidate(method[0], method[1], parameters(method[2]), namespaces, keys,
                    new Origin(file, line(m))));
        }

        private boolean known(Map<String, NodeTuple> e, String where, Set<String> accepted) {
            boolean ok = true;
            for (Map.Entry<String, NodeTuple> k : e.entrySet()) {
                if (!accepted.contains(k.getKey())) {
                    problem(line(k.getValue().getKeyNode()), where + " has the unknown key " + k.getKey()
                            + suggestion(k.getKey(), accepted) + "; the rule is left out. Accepted: "
                            + String.join(", ", new java.util.TreeSet<>(accepted)));
                    ok = false;
                }
            }
            return ok;
        }

        private static String suggestion(String key, Set<String> accepted) {
            for (String a : accepted) {
                if (a.equalsIgnoreCase(key) || SettingsReader.distance(a.toLowerCase(Locale.ROOT),
                        key.toLowerCase(Locale.ROOT)) <= 2) {
                    return " (did you mean " + a + "?)";
                }
            }
            return "";
        }

        /** The class, method and parameter list of {@code method:}, or null (told). */
        private String[] method(Map<String, NodeTuple> e, MappingNode m, String where) {
            String text = scalar(e, "method", where, METHOD_FORM, true, line(m));
            if (text == null) {
                return null;
            }
            Matcher matcher = METHOD.matcher(text.trim());
            String params = matcher.matches() ? matcher.group(3).trim() : null;
            if (params != null && !params.equals("..") && !params.isEmpty()) {
                for (String p : params.split(",", -1)) {
                    if (!TYPE.matcher(p.trim()).matches()) {
                        params = null;
                        break;
                    }
                }
            }
            if (params == null) {
                problem(line(e.get("method").getValueNode()), where + ".method \"" + text + "\" is malformed; the "
                        + "rule is left out. Accepted: " + METHOD_FORM);
                return null;
            }
            String owner = matcher.group(1);
            int lastDot = owner.lastIndexOf('.');
            if (owner.lastIndexOf('*', lastDot) >= 0 || owner.contains("**")) {
                problem(line(e.get("method").getValueNode()), where + ".method \"" + text + "\" has a * outside the "
                        + "class's simple name, or a **; the rule is left out. Accepted: a package written out and * "
                        + "in the class's simple name only, like com.acme.repo.*Repository.find(long)");
                return null;
            }
            if (owner.startsWith("java.")) {
                problem(line(e.get("method").getValueNode()), where + ".method \"" + text + "\" is in java.*, "
                        + "which is never rewritten; the rule is left out. Accepted: methods of the application, "
                        + "its libraries and frameworks");
                return null;
            }
            return new String[] {matcher.group(1), matcher.group(2), params};
        }

        private static List<String> parameters(String params) {
            if (params.equals("..")) {
                return ANY_PARAMETERS;
            }
            List<String> out = new ArrayList<>();
            if (!params.isEmpty()) {
                for (String p : params.split(",")) {
                    out.add(p.trim());
                }
            }
            return List.copyOf(out);
        }

        /**
         * A scalar's text, null when absent or not a scalar (told when {@code required}, at the line of the rule,
         * {@code ruleLine}, or when not a scalar).
         */
        private String scalar(Map<String, NodeTuple> e, String key, String where, String form, boolean required,
                              int ruleLine) {
            NodeTuple t = e.get(key);
            if (t == null) {
                if (required) {
                    problem(ruleLine, where + " has no " + key + "; the rule is left out. Accepted: " + form);
                }
                return null;
            }
            if (!(t.getValueNode() instanceof ScalarNode s) || s.getValue().isBlank()) {
                problem(line(t.getValueNode()), where + "." + key + " is not a value; the rule is left out. "
                        + "Accepted: " + form);
                e.put(key, null); // told once
                return null;
            }
            return s.getValue().trim();
        }

        /** Whether a duration or tier read is well-formed; told with its line when not. */
        private boolean valid(Map<String, NodeTuple> e, String key, String value, String where, String form) {
            if (value == null) {
                return true;
            }
            boolean ok;
            if (key.equals("tier")) {
                ok = Set.of("L1", "L2", "L1_L2").contains(value.toUpperCase(Locale.ROOT));
            } else {
                try {
                    Durations.parse(value);
                    ok = true;
                } catch (IllegalArgumentException malformed) {
                    ok = false;
                }
            }
            if (!ok) {
                problem(line(e.get(key).getValueNode()), where + "." + key + " \"" + value + "\" is malformed; the "
                        + "rule is left out. Accepted: " + form);
            }
            return ok;
        }

        /** Whether an optional attribute is absent or read; false where it was present and not a value. */
        private static boolean absent(Map<String, NodeTuple> e, String key, String value) {
            return value != null || !e.containsKey(key) || e.get(key) != null;
        }

        /** {@code cacheKey}: a parameter index or a list of them, within the method's parameters; null (told). */
        private List<Integer> cacheKeys(Map<String, NodeTuple> e, String where, String[] method) {
            NodeTuple t = e.get("cacheKey");
            if (t == null) {
                return List.of();
            }
            Node v = t.getValueNode();
            List<Node> items = v instanceof SequenceNode seq ? seq.getValue() : List.of(v);
            List<Integer> keys = new ArrayList<>();
            int count = method[2].equals("..") ? Integer.MAX_VALUE : parameters(method[2]).size();
            for (Node item : items) {
                Integer index = null;
                if (item instanceof ScalarNode s) {
                    try {
                        index = Integer.parseInt(s.getValue().trim());
                    } catch (NumberFormatException notANumber) {
                        // told below
                    }
                }
                if (index == null || index < 0 || index >= count) {
                    problem(line(item), where + ".cacheKey " + (item instanceof ScalarNode s ? "\"" + s.getValue()
                            + "\"" : "") + " is not a parameter of the method; the rule is left out. Accepted: the "
                            + "parameter's position from 0" + (count == Integer.MAX_VALUE ? ""
                            : " to " + (count - 1)) + ", or a list of them");
                    return null;
                }
                keys.add(index);
            }
            return List.copyOf(keys);
        }

        private boolean duplicate(String list, String[] method, MappingNode m, String where) {
            String key = list + ":" + method[0] + "." + method[1] + "(" + method[2] + ")";
            Integer first = seen.putIfAbsent(key, line(m));
            if (first != null) {
                problem(line(m), where + " names " + method[0] + "." + method[1] + "(" + method[2] + ") again; the "
                        + "rule at line " + first + " applies");
                return true;
            }
            return false;
        }
    }
}
