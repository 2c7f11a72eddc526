package dev.tiered.runtime.config;

import static dev.tiered.runtime.config.TieredConfig.KNOWN;
import static dev.tiered.runtime.config.TieredConfig.NAMESPACE;
import static dev.tiered.runtime.config.TieredConfig.NAMESPACE_FORM;
import static dev.tiered.runtime.config.TieredConfig.NS_DEPRECATED;
import static dev.tiered.runtime.config.TieredConfig.NS_PREFIX;
import static dev.tiered.runtime.config.TieredConfig.NS_SETTINGS;
import static dev.tiered.runtime.config.TieredConfig.envName;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import dev.tiered.Tier;

/**
 * Looks settings up (a system property first, then the environment variable of the same name), parses them, and
 * records one line per problem: {@link TieredConfig} reads every setting through one of these.
 */
final class SettingsReader {
    private final Map<String, String> props;
    private final Map<String, String> env;
    final List<String> problems = new ArrayList<>();

    SettingsReader(Map<String, String> props, Map<String, String> env) {
        this.props = props;
        this.env = env;
    }

    /** The raw value and where it came from, or {@code null}. */
    private String[] raw(String property) {
        String value = props.get(property);
        if (value != null) {
            return new String[] {"property " + property, value};
        }
        String envName = envName(property);
        value = env.get(envName);
        if (value != null) {
            return new String[] {"environment variable " + envName, value};
        }
        return null;
    }

    <T> T value(String property, T fallback, Function<String, T> parser, String form, boolean secret) {
        return value(property, fallback, parser, form, secret, null);
    }

    /** {@code using}: what the fallback means, when its value alone would not say it. */
    <T> T value(String property, T fallback, Function<String, T> parser, String form, boolean secret,
                String using) {
        String[] raw = raw(property);
        if (raw == null) {
            return fallback;
        }
        return parse(raw[0], raw[1], fallback, parser, form, secret, using);
    }

    private <T> T parse(String where, String text, T fallback, Function<String, T> parser, String form,
                        boolean secret, String using) {
        try {
            return parser.apply(text.trim());
        } catch (RuntimeException e) {
            String shown = secret ? RedisEndpoint.masked(text) : "\"" + text + "\"";
            String why = e instanceof RedisTls.Unusable ? " is malformed (" + e.getMessage() + ")"
                    : e instanceof RedisEndpoint.Unsupported ? ": " + e.getMessage() : " is malformed";
            problems.add(where + " = " + shown + why + "; accepted: " + form + ". Using "
                    + (using != null ? using : fallback == null
                            || (fallback instanceof List && ((List<?>) fallback).isEmpty())
                            ? "none" : display(fallback)) + ".");
            return fallback;
        }
    }

    boolean isSet(String property) {
        return raw(property) != null;
    }

    /** A secret, as given (not trimmed), or {@code null}; it is never part of a problem line. */
    char[] secret(String property) {
        String[] raw = raw(property);
        return raw == null ? null : raw[1].toCharArray();
    }

    /** Reports {@code property} as ignored, if it is set, because {@code other}, which is set, replaces it. */
    void ignoredUnder(String property, String other) {
        String[] raw = raw(property);
        if (raw != null) {
            problems.add(raw[0] + " is ignored under " + other + ", which bounds every method's L1 together.");
        }
    }

    /** Reports {@code property} as ignored, if it is set, because it serves only {@code needed}, not set. */
    void ignoredWithout(String property, String needed) {
        String[] raw = raw(property);
        if (raw != null) {
            problems.add(raw[0] + " is set without " + needed + ", which it only serves; ignored.");
        }
    }

    private static String display(Object value) {
        return value instanceof Duration ? Durations.format((Duration) value) : String.valueOf(value);
    }

    /** The spellings a boolean setting accepts, as its messages name them. */
    static final String BOOLEAN_FORM = "true/false, on/off or yes/no, in any case";

    boolean bool(String property, boolean fallback) {
        return value(property, fallback, SettingsReader::parseBool, BOOLEAN_FORM, false);
    }

    /**
     * A kill switch: {@code true} unless set off, and {@code false} when it cannot be read, since an operator who
     * types one in an incident means to switch something off. {@code using} says what that does.
     */
    boolean killSwitch(String property, String using) {
        return raw(property) == null || value(property, false, SettingsReader::parseBool, BOOLEAN_FORM, false, using);
    }

    Duration duration(String property, Duration fallback) {
        return value(property, fallback, Durations::parse, Durations.ACCEPTED_FORM, false);
    }

    long whole(String property, long fallback, long min, long max) {
        return value(property, fallback, s -> parseWhole(s, min, max), wholeForm(min, max), false);
    }

    long bytes(String property, long fallback, long min, long max) {
        return value(property, fallback, s -> Bytes.parse(s, min, max), Bytes.form(min, max), false);
    }

    private static String wholeForm(long min, long max) {
        return "a whole number from " + min + " to " + max;
    }

    static boolean parseBool(String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes":
                return true;
            case "false", "off", "no":
                return false;
            default:
                throw new IllegalArgumentException();
        }
    }

    static long parseWhole(String s, long min, long max) {
        long v = Long.parseLong(s);
        if (v < min || v > max) {
            throw new IllegalArgumentException();
        }
        return v;
    }

    /**
     * Reads the per-namespace overrides, {@code tiered.ns.<namespace>.<setting>} (a namespace may contain dots: the
     * longest known setting at the end of the name wins) and {@code TIERED_NS_<NAMESPACE>_<SETTING>}. A setting
     * under its deprecated name still applies, with one line naming the name to use.
     */
    void namespaces(Map<String, NamespaceSettings> fromProps, Map<String, NamespaceSettings> fromEnv) {
        List<String> names = new ArrayList<>(NS_SETTINGS);
        names.addAll(NS_DEPRECATED.keySet());
        names.sort((a, b) -> b.length() - a.length()); // l1.maxEntries before maxEntries, l1Ttl before ttl
        Map<String, Map<String, String[]>> byNamespace = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(props).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(NS_PREFIX)) {
                continue;
            }
            String rest = name.substring(NS_PREFIX.length());
            String setting = null;
            for (String candidate : names) {
                if (rest.endsWith("." + candidate) && rest.length() > candidate.length() + 1) {
                    setting = candidate;
                    break;
                }
            }
            if (setting == null) {
                problems.add("property " + name + " is unknown and ignored; a namespace override is "
                        + NS_PREFIX + "<namespace>.<setting> with setting one of " + NS_SETTINGS
                        + sentenceEnd(suggestSetting(rest)));
                continue;
            }
            String ns = rest.substring(0, rest.length() - setting.length() - 1);
            if (!NAMESPACE.matcher(ns).matches()) {
                problems.add("property " + name + " names the namespace \"" + ns + "\", which is malformed; "
                        + "accepted: " + NAMESPACE_FORM + ". Ignored.");
                continue;
            }
            put(byNamespace, ns, setting, "property " + name, "property " + NS_PREFIX + ns + ".", e.getValue());
        }
        byNamespace.forEach((ns, settings) -> fromProps.put(ns, namespaceSettings(settings)));

        Map<String, Map<String, String[]>> byEnvNamespace = new LinkedHashMap<>();
        String envPrefix = envName(NS_PREFIX);
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(envPrefix)) {
                continue;
            }
            String rest = name.substring(envPrefix.length());
            String matched = null;
            for (String setting : names) {
                String suffix = "_" + envName(setting);
                if (rest.endsWith(suffix) && rest.length() > suffix.length()) {
                    matched = setting;
                    rest = rest.substring(0, rest.length() - suffix.length());
                    break;
                }
            }
            if (matched == null) {
                problems.add("environment variable " + name + " is unknown and ignored; a namespace override is "
                        + envPrefix + "<NAMESPACE>_<SETTING> with setting one of " + NS_SETTINGS + ".");
                continue;
            }
            put(byEnvNamespace, rest, matched, "environment variable " + name,
                    "environment variable " + envPrefix + rest + "_", e.getValue());
        }
        byEnvNamespace.forEach((ns, settings) -> fromEnv.put(ns, namespaceSettings(settings)));
    }

    /**
     * Records one override; a deprecated name is told, and yields to the current name where both are set.
     * {@code head} is where the setting's name goes, to name the one to use.
     */
    private void put(Map<String, Map<String, String[]>> byNamespace, String ns, String setting, String where,
                     String head, String value) {
        Map<String, String[]> settings = byNamespace.computeIfAbsent(ns, k -> new HashMap<>());
        String current = NS_DEPRECATED.get(setting);
        if (current == null) {
            settings.put(setting, new String[] {where, value});
            return;
        }
        boolean env = where.startsWith("environment");
        problems.add(where + " is deprecated; use " + head + (env ? envName(current) : current)
                + " (it applies meanwhile).");
        settings.putIfAbsent(current, new String[] {where, value});
    }

    private NamespaceSettings namespaceSettings(Map<String, String[]> s) {
        Duration ttl = nsValue(s.get("ttl"), Durations::parse, Durations.ACCEPTED_FORM);
        Duration l1Ttl = nsValue(s.get("l1Ttl"), Durations::parse, Durations.ACCEPTED_FORM);
        Tier tier = nsValue(s.get("tier"), t -> Tier.valueOf(t.toUpperCase(Locale.ROOT)), "L1, L2 or L1_L2");
        Boolean enabled = nsValue(s.get("enabled"), SettingsReader::parseBool, BOOLEAN_FORM, false,
                "false: the namespace runs uncached (an unreadable switch fails safe)");
        Boolean cacheNulls = nsValue(s.get("cacheNulls"), SettingsReader::parseBool, BOOLEAN_FORM);
        Long max = nsValue(s.get("l1.maxEntries"), v -> parseWhole(v, 1, Long.MAX_VALUE),
                wholeForm(1, Long.MAX_VALUE));
        Long maxBytes = nsValue(s.get("l1.maxBytes"), v -> Bytes.parse(v, 0, Long.MAX_VALUE),
                Bytes.form(0, Long.MAX_VALUE));
        Double verifyRate = nsValue(s.get("verify.rate"), TieredConfig::parseVerifyRate, TieredConfig.VERIFY_RATE_FORM);
        L2Encoding codec = nsValue(s.get("codec"), L2Encoding::parse, L2Encoding.FORM);
        Long floor = nsValue(s.get("l1.budgetFloor"), v -> Bytes.parse(v, 0, Long.MAX_VALUE),
                Bytes.form(0, Long.MAX_VALUE));
        Long cap = nsValue(s.get("l1.budgetCap"), v -> Bytes.parse(v, 0, Long.MAX_VALUE),
                Bytes.form(0, Long.MAX_VALUE));
        Double target = nsValue(s.get("target.hitRatio"), TieredConfig::parseHitRatio, TieredConfig.HIT_RATIO_FORM);
        Duration loadTime = nsValue(s.get("target.loadTime"), TieredConfig::parseLoadTimeTarget,
                TieredConfig.LOAD_TIME_FORM);
        return new NamespaceSettings(ttl, l1Ttl, tier, enabled, cacheNulls, max, maxBytes, verifyRate, codec, floor,
                cap, target, loadTime);
    }

    /** An override that fails safe: {@code failSafe} when it cannot be read, {@code using} saying what that does. */
    private <T> T nsValue(String[] raw, Function<String, T> parser, String form, T failSafe, String using) {
        return raw == null ? null : parse(raw[0], raw[1], failSafe, parser, form, false, using);
    }

    private <T> T nsValue(String[] raw, Function<String, T> parser, String form) {
        if (raw == null) {
            return null;
        }
        T value = parse(raw[0], raw[1], null, parser, form, false, null);
        if (value == null) {
            // parse() said "Using none"; for an override that means the annotation applies
            int last = problems.size() - 1;
            problems.set(last, problems.get(last).replace("Using none.", "The annotation's value applies."));
        }
        return value;
    }

    void reportUnknown() {
        for (String name : new TreeMap<>(props).keySet()) {
            if (name.startsWith("tiered.") && !KNOWN.contains(name) && !name.startsWith(NS_PREFIX)) {
                problems.add("property " + name + " is unknown and ignored" + sentenceEnd(suggest(name, KNOWN)));
            }
        }
        List<String> knownEnv = KNOWN.stream().map(TieredConfig::envName).toList();
        String envNs = envName(NS_PREFIX);
        for (String name : new TreeMap<>(env).keySet()) {
            if (name.startsWith("TIERED_") && !knownEnv.contains(name) && !name.startsWith(envNs)) {
                problems.add("environment variable " + name + " is unknown and ignored"
                        + sentenceEnd(suggest(name, knownEnv)));
            }
        }
    }

    /** The closest setting to the end of {@code rest} ({@code <namespace>.<setting>}), compared segment for segment. */
    private static String suggestSetting(String rest) {
        String best = "";
        int bestDistance = Integer.MAX_VALUE;
        for (String setting : NS_SETTINGS) {
            int segments = setting.split("\\.").length;
            int from = rest.length();
            for (int i = 0; i < segments && from > 0; i++) {
                from = rest.lastIndexOf('.', from - 1);
            }
            String tail = rest.substring(from + 1);
            String suggestion = suggest(tail, List.of(setting));
            int d = distance(tail.toLowerCase(Locale.ROOT), setting.toLowerCase(Locale.ROOT));
            if (!suggestion.isEmpty() && d < bestDistance) {
                bestDistance = d;
                best = suggestion;
            }
        }
        return best;
    }

    /** A suggestion ends the sentence with its question mark; without one, a full stop does. */
    private static String sentenceEnd(String suggestion) {
        return suggestion.isEmpty() ? "." : suggestion;
    }

    private static String suggest(String name, List<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(3, name.length() / 3) ? "; did you mean " + best + "?" : "";
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
