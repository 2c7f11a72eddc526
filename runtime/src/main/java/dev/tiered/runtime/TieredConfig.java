package dev.tiered.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

import dev.tiered.Tier;

/**
 * Everything tiered reads from its environment, parsed and validated once into one immutable object.
 *
 * <p>Each setting is a system property; when the property is absent, the environment variable of the same name
 * upper-cased with dots turned into underscores is read ({@code tiered.redis.uri} → {@code TIERED_REDIS_URI}). A
 * malformed value produces one line in {@link #problems()} naming the setting, the value and the accepted form, and
 * the default applies; an unknown {@code tiered.*} name produces a warning with the closest known name. Reading a
 * configuration never throws.
 */
public final class TieredConfig {
    public static final String ENABLED = "tiered.enabled";
    public static final String REDIS_URI = "tiered.redis.uri";
    public static final String REDIS_TIMEOUT = "tiered.redis.timeout";
    public static final String REDIS_CONNECT_TIMEOUT = "tiered.redis.connectTimeout";
    public static final String REDIS_POOL_SIZE = "tiered.redis.poolSize";
    public static final String REDIS_KEY_PREFIX = "tiered.redis.keyPrefix";
    public static final String REDIS_TRUST_STORE = "tiered.redis.trustStore";
    public static final String REDIS_TRUST_STORE_PASSWORD = "tiered.redis.trustStorePassword";
    public static final String REDIS_KEY_STORE = "tiered.redis.keyStore";
    public static final String REDIS_KEY_STORE_PASSWORD = "tiered.redis.keyStorePassword";
    public static final String L1_MAX_ENTRIES = "tiered.l1.maxEntries";
    public static final String L1_MAX_BYTES = "tiered.l1.maxBytes";
    public static final String L1_MAX_STALENESS = "tiered.l1.maxStaleness";
    public static final String L2_MAX_VALUE_BYTES = "tiered.l2.maxValueBytes";
    public static final String L2_WRITE_BEHIND_BYTES = "tiered.l2.writeBehindBytes";
    public static final String CACHE_NULLS = "tiered.cacheNulls";
    public static final String COALESCE_MAX_WAIT = "tiered.coalesce.maxWait";
    public static final String CODEC_ALLOW = "tiered.codec.allow";
    public static final String BUS_HEARTBEAT = "tiered.bus.heartbeat";
    public static final String LOG_LEVEL = "tiered.log.level";
    public static final String REFRESH_AHEAD = "tiered.refreshAhead";
    public static final String STAMPEDE_LEASE = "tiered.stampede.lease";
    public static final String BREAKER_FAILURES = "tiered.breaker.failures";
    public static final String STALE_IF_ERROR = "tiered.staleIfError";
    public static final String VERIFY_RATE = "tiered.verify.rate";
    public static final String PROVENANCE = "tiered.provenance";
    public static final String BREAKER_PROBE_INTERVAL = "tiered.breaker.probeInterval";
    public static final String METRICS_PORT = "tiered.metrics.port";
    public static final String METRICS_HOST = "tiered.metrics.host";
    public static final String METRICS_LOG_INTERVAL = "tiered.metrics.logInterval";

    /** Prefix of the per-namespace overrides, {@code tiered.ns.<namespace>.<setting>}. */
    public static final String NS_PREFIX = "tiered.ns.";
    public static final List<String> NS_SETTINGS =
            List.of("ttl", "l1Ttl", "tier", "enabled", "cacheNulls", "l1MaxEntries", "l1MaxBytes");

    private static final List<String> KNOWN = List.of(ENABLED, REDIS_URI, REDIS_TIMEOUT, REDIS_CONNECT_TIMEOUT,
            REDIS_POOL_SIZE, REDIS_KEY_PREFIX, REDIS_TRUST_STORE, REDIS_TRUST_STORE_PASSWORD, REDIS_KEY_STORE,
            REDIS_KEY_STORE_PASSWORD, L1_MAX_ENTRIES, L1_MAX_BYTES, L1_MAX_STALENESS, L2_MAX_VALUE_BYTES, L2_WRITE_BEHIND_BYTES, CACHE_NULLS,
            COALESCE_MAX_WAIT, CODEC_ALLOW, BUS_HEARTBEAT, LOG_LEVEL, REFRESH_AHEAD, STAMPEDE_LEASE,
            BREAKER_FAILURES, BREAKER_PROBE_INTERVAL, STALE_IF_ERROR, VERIFY_RATE, PROVENANCE, METRICS_PORT, METRICS_HOST,
            METRICS_LOG_INTERVAL);

    /** Namespaces and key prefixes are restricted so that a Redis key can be split back into its parts. */
    static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9._$-]{1,200}");
    static final String NAMESPACE_FORM = "1 to 200 letters, digits or . _ - $";
    private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** An IPv4 or IPv6 literal, or a host name: checked here, resolved only when the endpoint binds. */
    private static final Pattern HOST = Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9.-]{0,252}|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*|\\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*]");
    private static final Set<String> LOG_LEVELS = Set.of("error", "warn", "info", "debug", "trace");

    /** Properties whose values are secrets: never shown, and with no form of their own to be malformed. */
    static final Set<String> SECRETS = Set.of(REDIS_TRUST_STORE_PASSWORD, REDIS_KEY_STORE_PASSWORD);

    private final boolean enabled;
    private final RedisTls redisTls;
    private final RedisEndpoint redis;
    private final Duration redisTimeout;
    private final Duration redisConnectTimeout;
    private final int redisPoolSize;
    private final String keyPrefix;
    private final long l1MaxEntries;
    private final long l1MaxBytes;
    private final Duration l1MaxStaleness;
    private final int l2MaxValueBytes;
    private final long l2WriteBehindBytes;
    private final boolean cacheNulls;
    private final Duration coalesceMaxWait;
    private final List<String> codecAllow;
    private final Duration busHeartbeat;
    private final String logLevel;
    private final double refreshAhead;
    private final Duration stampedeLease;
    private final int breakerFailures;
    private final Duration breakerProbeInterval;
    private final Duration staleIfError;
    private final double verifyRate;
    private final boolean provenance;
    private final int metricsPort;
    private final String metricsHost;
    private final Duration metricsLogInterval;
    private final Map<String, NamespaceSettings> namespaces;
    private final Map<String, NamespaceSettings> namespacesFromEnv;
    private final List<String> problems;

    private TieredConfig(Reader r) {
        enabled = r.bool(ENABLED, true);
        redis = r.value(REDIS_URI, null, RedisEndpoint::parse, RedisEndpoint.ACCEPTED_FORM, true);
        redisTimeout = r.duration(REDIS_TIMEOUT, Duration.ofMillis(250));
        redisConnectTimeout = r.duration(REDIS_CONNECT_TIMEOUT, Duration.ofSeconds(1));
        redisPoolSize = (int) r.whole(REDIS_POOL_SIZE, 16, 1, 1024);
        redisTls = redisTls(r, redis);
        keyPrefix = r.value(REDIS_KEY_PREFIX, "tiered", s -> {
            if (!KEY_PREFIX.matcher(s).matches()) {
                throw new IllegalArgumentException();
            }
            return s;
        }, "1 to 64 letters, digits or . _ -", false);
        l1MaxEntries = r.whole(L1_MAX_ENTRIES, 10_000, 1, Long.MAX_VALUE);
        l1MaxBytes = r.bytes(L1_MAX_BYTES, 0, 0, Long.MAX_VALUE);
        l1MaxStaleness = r.duration(L1_MAX_STALENESS, Duration.ofSeconds(10));
        l2MaxValueBytes = (int) r.bytes(L2_MAX_VALUE_BYTES, 1 << 20, 64, 512L << 20);
        l2WriteBehindBytes = r.bytes(L2_WRITE_BEHIND_BYTES, 16L << 20, 0, 1L << 40);
        cacheNulls = r.bool(CACHE_NULLS, true);
        coalesceMaxWait = r.duration(COALESCE_MAX_WAIT, Duration.ofSeconds(30));
        codecAllow = r.value(CODEC_ALLOW, List.of(), TieredConfig::parseAllowList,
                "a comma-separated list of package or class names (com.acme.model,com.acme.Money)", false);
        busHeartbeat = r.duration(BUS_HEARTBEAT, Duration.ofSeconds(1));
        logLevel = r.value(LOG_LEVEL, "info", s -> {
            String level = s.toLowerCase(Locale.ROOT);
            if (!LOG_LEVELS.contains(level)) {
                throw new IllegalArgumentException();
            }
            return level;
        }, "error, warn, info, debug or trace", false);
        refreshAhead = r.value(REFRESH_AHEAD, 0.8, s -> {
            double d = Double.parseDouble(s);
            if (!(d >= 0.1 && d <= 1)) {
                throw new IllegalArgumentException();
            }
            return d;
        }, "a decimal number from 0.1 to 1 (1: no refresh ahead)", false);
        stampedeLease = r.duration(STAMPEDE_LEASE, Duration.ofMillis(500));
        breakerFailures = (int) r.whole(BREAKER_FAILURES, 5, 1, 1000);
        breakerProbeInterval = r.duration(BREAKER_PROBE_INTERVAL, Duration.ofMillis(500));
        provenance = r.bool(PROVENANCE, false);
        verifyRate = r.value(VERIFY_RATE, 0.0, s -> {
            double d = Double.parseDouble(s);
            if (!(d >= 0 && d <= 1)) {
                throw new IllegalArgumentException();
            }
            return d;
        }, "a decimal number from 0 (off) to 1 (every hit), like 0.001", false);
        staleIfError = r.value(STALE_IF_ERROR, Duration.ZERO, s -> s.equals("0") ? Duration.ZERO : Durations.parse(s),
                "0 (off) or " + Durations.ACCEPTED_FORM, false);
        metricsPort = r.value(METRICS_PORT, -1, s -> (int) Reader.parseWhole(s, 0, 65535),
                "a whole number from 0 to 65535 (0: any free port)", false);
        metricsHost = r.value(METRICS_HOST, "127.0.0.1", s -> {
            if (!HOST.matcher(s).matches()) {
                throw new IllegalArgumentException();
            }
            return s.startsWith("[") ? s.substring(1, s.length() - 1) : s;
        }, "an IP address or host name of this machine to listen on (0.0.0.0: every interface)", false);
        metricsLogInterval = r.duration(METRICS_LOG_INTERVAL, null);
        Map<String, NamespaceSettings> fromProps = new TreeMap<>();
        Map<String, NamespaceSettings> fromEnv = new TreeMap<>();
        r.namespaces(fromProps, fromEnv);
        namespaces = Collections.unmodifiableMap(fromProps);
        namespacesFromEnv = Collections.unmodifiableMap(fromEnv);
        r.reportUnknown();
        problems = List.copyOf(r.problems);
    }

    /**
     * The stores for {@code rediss://}, read now so that a wrong path or password is told at start-up. A store that
     * cannot be used is left out: the JVM's default trust, no client certificate.
     */
    private static RedisTls redisTls(Reader r, RedisEndpoint redis) {
        char[] trustPassword = r.secret(REDIS_TRUST_STORE_PASSWORD);
        char[] keyPassword = r.secret(REDIS_KEY_STORE_PASSWORD);
        RedisTls trusting = r.value(REDIS_TRUST_STORE, RedisTls.DEFAULT, s -> RedisTls.DEFAULT.withTrust(Path.of(s),
                trustPassword), RedisTls.STORE_FORM + " of the certificates to "
                + "trust, opened with " + REDIS_TRUST_STORE_PASSWORD + " if it needs a password", false,
                "the JVM's default trust store");
        RedisTls tls = r.value(REDIS_KEY_STORE, trusting, s -> trusting.withKeys(Path.of(s), keyPassword), RedisTls.STORE_FORM + " holding one "
                + "private key and its certificate, both opened with " + REDIS_KEY_STORE_PASSWORD, false,
                "no client certificate");
        if (!r.isSet(REDIS_TRUST_STORE)) {
            r.ignoredWithout(REDIS_TRUST_STORE_PASSWORD, REDIS_TRUST_STORE);
        }
        if (!r.isSet(REDIS_KEY_STORE)) {
            r.ignoredWithout(REDIS_KEY_STORE_PASSWORD, REDIS_KEY_STORE);
        }
        if (redis != null && redis.tls()) {
            return tls;
        }
        if (trusting != RedisTls.DEFAULT) { // a store that could not be used was reported as such
            r.ignoredWithout(REDIS_TRUST_STORE, "a rediss:// " + REDIS_URI);
        }
        if (tls != trusting) {
            r.ignoredWithout(REDIS_KEY_STORE, "a rediss:// " + REDIS_URI);
        }
        return RedisTls.DEFAULT;
    }

    /** Reads the JVM's system properties and environment. */
    public static TieredConfig fromEnvironment() {
        Map<String, String> props = new HashMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("tiered.")) {
                props.put(name, System.getProperty(name));
            }
        }
        return from(props, System.getenv());
    }

    /** Reads the given properties first and, for a setting they lack, the given environment. */
    public static TieredConfig from(Map<String, String> properties, Map<String, String> environment) {
        return new TieredConfig(new Reader(properties, environment));
    }

    /** The environment variable that stands for a property: upper case, dots turned into underscores. */
    public static String envName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** {@code false}: the agent transforms nothing. */
    public boolean enabled() {
        return enabled;
    }

    /** The Redis that holds L2 and carries invalidations, or {@code null}: L1 only. */
    public RedisEndpoint redis() {
        return redis;
    }

    /** The trust and key stores of tiered's own TLS connections; {@link RedisTls#configured()} is false if none. */
    public RedisTls redisTls() {
        return redisTls;
    }

    /** How long one Redis command may take before it counts as failed. */
    public Duration redisTimeout() {
        return redisTimeout;
    }

    public Duration redisConnectTimeout() {
        return redisConnectTimeout;
    }

    /**
     * The longest one Redis operation can take: {@code tiered.redis.timeout} waiting for a pooled connection, or
     * for a new one {@code tiered.redis.connectTimeout} to connect and {@code tiered.redis.timeout} for each step
     * of its handshake (TLS, AUTH, the client name); then {@code tiered.redis.timeout} for the reply.
     */
    public Duration redisOperationBound() {
        int handshake = 1 + (redis != null && redis.tls() ? 1 : 0) + (redis != null && redis.password() != null
                ? 1 : 0);
        return redisTimeout.multipliedBy(2L + handshake).plus(redisConnectTimeout);
    }

    /** Most connections to Redis at once, and so most concurrent L2 operations. */
    public int redisPoolSize() {
        return redisPoolSize;
    }

    /** The first segment of every Redis key and channel tiered uses. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** Most L1 entries per cached method, unless its namespace overrides it. */
    public long l1MaxEntries() {
        return l1MaxEntries;
    }

    /**
     * Most estimated bytes of L1 entries per cached method, unless its namespace overrides it; 0: no byte bound.
     * See {@link HeapEstimator} for what an estimate counts.
     */
    public long l1MaxBytes() {
        return l1MaxBytes;
    }

    /**
     * How long after the invalidation bus was last known healthy L1 entries (and L2 reads under the last known
     * version) may still be served; after that, calls run uncached until the bus is back.
     */
    public Duration l1MaxStaleness() {
        return l1MaxStaleness;
    }

    /** Results whose encoded form is larger are kept out of L2. */
    public int l2MaxValueBytes() {
        return l2MaxValueBytes;
    }

    /** Bytes of results that may wait to be written to L2 behind the calls; 0 writes on the calling thread. */
    public long l2WriteBehindBytes() {
        return l2WriteBehindBytes;
    }

    public boolean cacheNulls() {
        return cacheNulls;
    }

    /** How long a caller waits for another thread's load of the same key before running the method itself. */
    public Duration coalesceMaxWait() {
        return coalesceMaxWait;
    }

    /** Packages and classes the L2 codec may decode in addition to those reachable from a method's return type. */
    public List<String> codecAllow() {
        return codecAllow;
    }

    /** How often the invalidation bus proves its connection alive. */
    public Duration busHeartbeat() {
        return busHeartbeat;
    }

    public String logLevel() {
        return logLevel;
    }

    /**
     * The fraction of an L1 entry's lifetime after which the next read refreshes it (on that reader's thread, while
     * every other reader keeps the current value); 1 means never.
     */
    public double refreshAhead() {
        return refreshAhead;
    }

    /**
     * How long one JVM holds the right to compute a missing entry for all JVMs; the others wait up to this long
     * for its result in L2 before computing it themselves.
     */
    public Duration stampedeLease() {
        return stampedeLease;
    }

    /** Redis failures in a row after which calls skip Redis until a probe finds it answering again. */
    public int breakerFailures() {
        return breakerFailures;
    }

    /**
     * How long after an L1 entry expired it may still be returned when its method throws (an exception, not an
     * error); zero: never.
     */
    public Duration staleIfError() {
        return staleIfError;
    }

    /** The port of the Prometheus endpoint ({@code GET /metrics}): 0 for any free one, -1 for no endpoint. */
    public int metricsPort() {
        return metricsPort;
    }

    /** The address the Prometheus endpoint listens on. */
    public String metricsHost() {
        return metricsHost;
    }

    /** How often a summary of each namespace is logged, or {@code null}: never. */
    public Duration metricsLogInterval() {
        return metricsLogInterval;
    }

    /** Whether each call records where it was served from, for the application to ask ({@code Provenance}). */
    public boolean provenance() {
        return provenance;
    }

    /** The fraction of cache hits on which the method also runs, to check that the cached value is still right. */
    public double verifyRate() {
        return verifyRate;
    }

    /** How often an open circuit probes Redis. */
    public Duration breakerProbeInterval() {
        return breakerProbeInterval;
    }

    /**
     * The overrides for one namespace: a system property {@code tiered.ns.<namespace>.<setting>} or, failing it,
     * an environment variable {@code TIERED_NS_<NAMESPACE>_<SETTING>} where the namespace is upper-cased and every
     * character other than a letter or digit becomes an underscore.
     */
    public NamespaceSettings namespace(String name) {
        NamespaceSettings props = namespaces.getOrDefault(name, NamespaceSettings.NONE);
        NamespaceSettings env = namespacesFromEnv.getOrDefault(envNamespace(name), NamespaceSettings.NONE);
        return props.orElse(env);
    }

    /** One line per malformed or unknown setting, in the order found. Empty when all is well. */
    public List<String> problems() {
        return problems;
    }

    /** The settings in effect, one line, for the start-up log (never a password). */
    public String summary() {
        return "redis=" + (redis == null ? "none (L1 only)" : redis)
                + (redisTls.configured() && redis != null && redis.tls() ? ", " + redisTls : "")
                + ", keyPrefix=" + keyPrefix
                + ", l1.maxEntries=" + l1MaxEntries + (l1MaxBytes > 0 ? ", l1.maxBytes=" + Bytes.format(l1MaxBytes) : "")
                + ", l1.maxStaleness=" + Durations.format(l1MaxStaleness)
                + ", redis.timeout=" + Durations.format(redisTimeout) + ", cacheNulls=" + cacheNulls
                + (namespaces.isEmpty() && namespacesFromEnv.isEmpty() ? ""
                        : ", namespace overrides=" + namespaces.keySet() + namespacesFromEnv.keySet());
    }

    static String envNamespace(String namespace) {
        StringBuilder sb = new StringBuilder(namespace.length());
        for (int i = 0; i < namespace.length(); i++) {
            char c = namespace.charAt(i);
            sb.append(c < 128 && Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return sb.toString();
    }

    private static List<String> parseAllowList(String text) {
        List<String> entries = new ArrayList<>();
        for (String part : text.split(",")) {
            String entry = part.trim();
            if (entry.isEmpty()) {
                continue;
            }
            if (!entry.matches("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*")) {
                throw new IllegalArgumentException();
            }
            entries.add(entry);
        }
        return List.copyOf(entries);
    }

    /** Looks settings up, parses them, and records one line per problem. */
    private static final class Reader {
        private final Map<String, String> props;
        private final Map<String, String> env;
        private final List<String> problems = new ArrayList<>();

        Reader(Map<String, String> props, Map<String, String> env) {
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
                String why = e instanceof RedisTls.Unusable ? " (" + e.getMessage() + ")" : "";
                problems.add(where + " = " + shown + " is malformed" + why + "; accepted: " + form + ". Using "
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

        boolean bool(String property, boolean fallback) {
            return value(property, fallback, Reader::parseBool, "true or false", false);
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

        private static boolean parseBool(String s) {
            if (s.equalsIgnoreCase("true")) {
                return true;
            }
            if (s.equalsIgnoreCase("false")) {
                return false;
            }
            throw new IllegalArgumentException();
        }

        private static long parseWhole(String s, long min, long max) {
            long v = Long.parseLong(s);
            if (v < min || v > max) {
                throw new IllegalArgumentException();
            }
            return v;
        }

        void namespaces(Map<String, NamespaceSettings> fromProps, Map<String, NamespaceSettings> fromEnv) {
            Map<String, Map<String, String[]>> byNamespace = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : new TreeMap<>(props).entrySet()) {
                String name = e.getKey();
                if (!name.startsWith(NS_PREFIX)) {
                    continue;
                }
                String rest = name.substring(NS_PREFIX.length());
                int dot = rest.lastIndexOf('.');
                String ns = dot > 0 ? rest.substring(0, dot) : "";
                String setting = dot > 0 ? rest.substring(dot + 1) : rest;
                if (!NS_SETTINGS.contains(setting)) {
                    problems.add("property " + name + " is unknown and ignored; a namespace override is "
                            + NS_PREFIX + "<namespace>.<setting> with setting one of " + NS_SETTINGS + suggest(
                            setting, NS_SETTINGS) + ".");
                    continue;
                }
                if (!NAMESPACE.matcher(ns).matches()) {
                    problems.add("property " + name + " names the namespace \"" + ns + "\", which is malformed; "
                            + "accepted: " + NAMESPACE_FORM + ". Ignored.");
                    continue;
                }
                byNamespace.computeIfAbsent(ns, k -> new HashMap<>())
                        .put(setting, new String[] {"property " + name, e.getValue()});
            }
            byNamespace.forEach((ns, settings) -> fromProps.put(ns, namespaceSettings(settings)));

            Map<String, Map<String, String[]>> byEnvNamespace = new LinkedHashMap<>();
            String envPrefix = envName(NS_PREFIX);
            List<String> envSettings = new ArrayList<>(NS_SETTINGS);
            envSettings.sort((a, b) -> b.length() - a.length()); // _L1TTL before _TTL
            for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
                String name = e.getKey();
                if (!name.startsWith(envPrefix)) {
                    continue;
                }
                String rest = name.substring(envPrefix.length());
                String matched = null;
                for (String setting : envSettings) {
                    String suffix = "_" + setting.toUpperCase(Locale.ROOT);
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
                byEnvNamespace.computeIfAbsent(rest, k -> new HashMap<>())
                        .put(matched, new String[] {"environment variable " + name, e.getValue()});
            }
            byEnvNamespace.forEach((ns, settings) -> fromEnv.put(ns, namespaceSettings(settings)));
        }

        private NamespaceSettings namespaceSettings(Map<String, String[]> s) {
            Duration ttl = nsValue(s.get("ttl"), Durations::parse, Durations.ACCEPTED_FORM);
            Duration l1Ttl = nsValue(s.get("l1Ttl"), Durations::parse, Durations.ACCEPTED_FORM);
            Tier tier = nsValue(s.get("tier"), t -> Tier.valueOf(t.toUpperCase(Locale.ROOT)), "L1, L2 or L1_L2");
            Boolean enabled = nsValue(s.get("enabled"), Reader::parseBool, "true or false");
            Boolean cacheNulls = nsValue(s.get("cacheNulls"), Reader::parseBool, "true or false");
            Long max = nsValue(s.get("l1MaxEntries"), v -> parseWhole(v, 1, Long.MAX_VALUE),
                    wholeForm(1, Long.MAX_VALUE));
            Long maxBytes = nsValue(s.get("l1MaxBytes"), v -> Bytes.parse(v, 0, Long.MAX_VALUE),
                    Bytes.form(0, Long.MAX_VALUE));
            return new NamespaceSettings(ttl, l1Ttl, tier, enabled, cacheNulls, max, maxBytes);
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
                    problems.add("property " + name + " is unknown and ignored" + suggest(name, KNOWN) + ".");
                }
            }
            List<String> knownEnv = KNOWN.stream().map(TieredConfig::envName).toList();
            String envNs = envName(NS_PREFIX);
            for (String name : new TreeMap<>(env).keySet()) {
                if (name.startsWith("TIERED_") && !knownEnv.contains(name) && !name.startsWith(envNs)) {
                    problems.add("environment variable " + name + " is unknown and ignored"
                            + suggest(name, knownEnv) + ".");
                }
            }
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

    @Override
    public String toString() {
        return "TieredConfig{" + summary() + "}";
    }

    static List<String> knownProperties() {
        List<String> all = new ArrayList<>(KNOWN);
        for (String s : NS_SETTINGS) {
            all.add(NS_PREFIX + "<namespace>." + s);
        }
        return all;
    }
}
