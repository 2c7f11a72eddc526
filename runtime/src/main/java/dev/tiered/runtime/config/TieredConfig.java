package dev.tiered.runtime.config;

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
    public static final String L1_BUDGET = "tiered.l1.budget";
    public static final String L1_MAX_STALENESS = "tiered.l1.maxStaleness";
    public static final String L2_MAX_VALUE_BYTES = "tiered.l2.maxValueBytes";
    public static final String L2_WRITE_BEHIND_BYTES = "tiered.l2.writeBehindBytes";
    public static final String CACHE_NULLS = "tiered.cacheNulls";
    public static final String COALESCE_MAX_WAIT = "tiered.coalesce.maxWait";
    public static final String CODEC_ALLOW = "tiered.codec.allow";
    public static final String CODEC = "tiered.codec";
    public static final String BUS_HEARTBEAT = "tiered.bus.heartbeat";
    public static final String LOG_LEVEL = "tiered.log.level";
    public static final String REFRESH_AHEAD = "tiered.refreshAhead";
    public static final String STAMPEDE_LEASE = "tiered.stampede.lease";
    public static final String BREAKER_FAILURES = "tiered.breaker.failures";
    public static final String STALE_IF_ERROR = "tiered.staleIfError";
    public static final String VERIFY_RATE = "tiered.verify.rate";
    public static final String PROVENANCE = "tiered.provenance";
    public static final String OTEL_SPANS = "tiered.otel.spans";
    public static final String TRACE = "tiered.trace";
    public static final String RULES = "tiered.rules";
    public static final String ADVISE = "tiered.advise";
    public static final String ADVISE_ONLY = "tiered.advise.only";
    public static final String BREAKER_PROBE_INTERVAL = "tiered.breaker.probeInterval";
    public static final String METRICS_PORT = "tiered.metrics.port";
    public static final String METRICS_HOST = "tiered.metrics.host";
    public static final String METRICS_LOG_INTERVAL = "tiered.metrics.logInterval";

    /** Prefix of the per-namespace overrides, {@code tiered.ns.<namespace>.<setting>}. */
    public static final String NS_PREFIX = "tiered.ns.";
    public static final List<String> NS_SETTINGS =
            List.of("ttl", "l1Ttl", "tier", "enabled", "cacheNulls", "l1.maxEntries", "l1.maxBytes", "verify.rate",
                    "codec", "l1.budgetFloor", "l1.budgetCap", "target.hitRatio", "target.loadTime");
    /** Per-namespace settings under the names of version 0.1, which still apply: old name to current name. */
    static final Map<String, String> NS_DEPRECATED = Map.of("l1MaxEntries", "l1.maxEntries",
            "l1MaxBytes", "l1.maxBytes");

    static final List<String> KNOWN = List.of(ENABLED, REDIS_URI, REDIS_TIMEOUT, REDIS_CONNECT_TIMEOUT,
            REDIS_POOL_SIZE, REDIS_KEY_PREFIX, REDIS_TRUST_STORE, REDIS_TRUST_STORE_PASSWORD, REDIS_KEY_STORE,
            REDIS_KEY_STORE_PASSWORD, L1_MAX_ENTRIES, L1_MAX_BYTES, L1_BUDGET, L1_MAX_STALENESS, L2_MAX_VALUE_BYTES,
            L2_WRITE_BEHIND_BYTES, CACHE_NULLS, COALESCE_MAX_WAIT, CODEC_ALLOW, CODEC, BUS_HEARTBEAT, LOG_LEVEL,
            REFRESH_AHEAD, STAMPEDE_LEASE, BREAKER_FAILURES, BREAKER_PROBE_INTERVAL, STALE_IF_ERROR, VERIFY_RATE,
            PROVENANCE, OTEL_SPANS, TRACE, RULES, ADVISE, ADVISE_ONLY, METRICS_PORT, METRICS_HOST,
            METRICS_LOG_INTERVAL);

    /** Namespaces and key prefixes are restricted so that a Redis key can be split back into its parts. */
    static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9._$-]{1,200}");
    public static final String NAMESPACE_FORM = "1 to 200 letters, digits or . _ - $";
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
    private final long l1Budget;
    private final Duration l1MaxStaleness;
    private final int l2MaxValueBytes;
    private final long l2WriteBehindBytes;
    private final boolean cacheNulls;
    private final Duration coalesceMaxWait;
    private final List<String> codecAllow;
    private final L2Encoding codec;
    private final Duration busHeartbeat;
    private final String logLevel;
    private final double refreshAhead;
    private final Duration stampedeLease;
    private final int breakerFailures;
    private final Duration breakerProbeInterval;
    private final Duration staleIfError;
    private final double verifyRate;
    private final boolean provenance;
    private final boolean otelSpans;
    private final java.nio.file.Path trace;
    private final Rules rules;
    private final AdvisePattern advise;
    private final boolean adviseOnly;
    private final int metricsPort;
    private final String metricsHost;
    private final Duration metricsLogInterval;
    private final Map<String, NamespaceSettings> namespaces;
    private final Map<String, NamespaceSettings> namespacesFromEnv;
    private final List<String> problems;

    private TieredConfig(SettingsReader r) {
        enabled = r.killSwitch(ENABLED,
                "false: tiered is disabled, since a kill switch that cannot be read fails safe");
        redis = r.value(REDIS_URI, null, RedisEndpoint::parse, RedisEndpoint.ACCEPTED_FORM, true,
                "none: caching in L1 only");
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
        l1MaxBytes = r.value(L1_MAX_BYTES, 0L, v -> Bytes.parse(v, 0, Long.MAX_VALUE), Bytes.form(0, Long.MAX_VALUE),
                false, "none: each method's L1 is bounded by entries only");
        l1Budget = r.value(L1_BUDGET, 0L, TieredConfig::parseBudget, L1_BUDGET_FORM, false,
                "none: each method's L1 is bounded on its own");
        if (l1Budget > 0) {
            r.ignoredUnder(L1_MAX_ENTRIES, L1_BUDGET);
            r.ignoredUnder(L1_MAX_BYTES, L1_BUDGET);
        }
        l1MaxStaleness = r.duration(L1_MAX_STALENESS, Duration.ofSeconds(10));
        l2MaxValueBytes = (int) r.bytes(L2_MAX_VALUE_BYTES, 1 << 20, 64, 512L << 20);
        l2WriteBehindBytes = r.bytes(L2_WRITE_BEHIND_BYTES, 16L << 20, 0, 1L << 40);
        cacheNulls = r.bool(CACHE_NULLS, true);
        coalesceMaxWait = r.duration(COALESCE_MAX_WAIT, Duration.ofSeconds(30));
        codecAllow = r.value(CODEC_ALLOW, List.of(), TieredConfig::parseAllowList,
                "a comma-separated list of package or class names (com.acme.model,com.acme.Money)", false,
                "none: L2 decodes only the classes each method's return type reaches");
        codec = r.value(CODEC, L2Encoding.AUTO, L2Encoding::parse, L2Encoding.FORM, false);
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
        otelSpans = r.bool(OTEL_SPANS, false);
        trace = r.value(TRACE, null, TieredConfig::parseTraceFile, "the path of a file in a directory that exists "
                + "(it is replaced)", false, "none: no trace is recorded");
        verifyRate = r.value(VERIFY_RATE, 0.0, TieredConfig::parseVerifyRate, VERIFY_RATE_FORM, false,
                "0: no hit is verified");
        staleIfError = r.value(STALE_IF_ERROR, Duration.ZERO, s -> s.equals("0") ? Duration.ZERO : Durations.parse(s),
                "0 (off) or " + Durations.ACCEPTED_FORM, false);
        metricsPort = r.value(METRICS_PORT, -1, s -> (int) SettingsReader.parseWhole(s, 0, 65535),
                "a whole number from 0 to 65535 (0: any free port)", false, "none: no metrics endpoint");
        metricsHost = r.value(METRICS_HOST, "127.0.0.1", s -> {
            if (!HOST.matcher(s).matches()) {
                throw new IllegalArgumentException();
            }
            return s.startsWith("[") ? s.substring(1, s.length() - 1) : s;
        }, "an IP address or host name of this machine to listen on (0.0.0.0: every interface)", false);
        metricsLogInterval = r.value(METRICS_LOG_INTERVAL, null, Durations::parse, Durations.ACCEPTED_FORM, false,
                "none: no log summary");
        Map<String, NamespaceSettings> fromProps = new TreeMap<>();
        Map<String, NamespaceSettings> fromEnv = new TreeMap<>();
        r.namespaces(fromProps, fromEnv);
        namespaces = Collections.unmodifiableMap(fromProps);
        namespacesFromEnv = Collections.unmodifiableMap(fromEnv);
        java.nio.file.Path rulesFile = r.value(RULES, null, t -> {
            Path p = Path.of(t).toAbsolutePath();
            if (!java.nio.file.Files.isRegularFile(p) || !java.nio.file.Files.isReadable(p)) {
                throw new IllegalArgumentException();
            }
            return p;
        }, "the path of a readable YAML rules file", false, "none: methods are cached by their annotations only");
        rules = rulesFile == null ? Rules.NONE : Rules.read(rulesFile);
        advise = r.value(ADVISE, null, AdvisePattern::parse, AdvisePattern.FORM, false,
                "none: the advisor observes nothing");
        adviseOnly = r.bool(ADVISE_ONLY, false);
        r.reportUnknown();
        List<String> all = new ArrayList<>(r.problems);
        all.addAll(rules.problems());
        problems = List.copyOf(all);
    }

    /**
     * The stores for {@code rediss://}, read now so that a wrong path or password is told at start-up. A store that
     * cannot be used is left out: the JVM's default trust, no client certificate.
     */
    private static RedisTls redisTls(SettingsReader r, RedisEndpoint redis) {
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
        return fromEnvironment(null);
    }

    /**
     * Reads the agent's arguments ({@code -javaagent:tiered-agent.jar=<arguments>}, or those of an attach), then
     * the JVM's system properties and environment: an argument takes precedence over the property of its name.
     * Arguments are settings as {@code tiered.<setting>=<value>}, separated by {@code ;}; a malformed one is a
     * problem line and is left out.
     */
    public static TieredConfig fromEnvironment(String agentArguments) {
        Map<String, String> props = new HashMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("tiered.")) {
                props.put(name, System.getProperty(name));
            }
        }
        List<String> malformed = new ArrayList<>();
        props.putAll(agentArguments(agentArguments, malformed));
        SettingsReader r = new SettingsReader(props, System.getenv());
        r.problems.addAll(malformed);
        return new TieredConfig(r);
    }

    /** The accepted form of the agent's arguments, as problem lines name it. */
    public static final String AGENT_ARGUMENTS_FORM = "tiered.<setting>=<value>, separated by ;";

    /** The settings the agent's arguments give; one line in {@code problems} for each malformed one. */
    static Map<String, String> agentArguments(String arguments, List<String> problems) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (arguments == null || arguments.isBlank()) {
            return out;
        }
        for (String piece : arguments.split(";")) {
            if (piece.isBlank()) {
                continue;
            }
            int eq = piece.indexOf('=');
            String name = eq < 0 ? "" : piece.substring(0, eq).trim();
            if (!name.startsWith("tiered.") || name.length() == "tiered.".length()) {
                problems.add("agent argument \"" + piece.trim() + "\" is malformed and ignored; accepted: "
                        + AGENT_ARGUMENTS_FORM);
                continue;
            }
            out.put(name, piece.substring(eq + 1));
        }
        return out;
    }

    /** Reads the given properties first and, for a setting they lack, the given environment. */
    public static TieredConfig from(Map<String, String> properties, Map<String, String> environment) {
        return new TieredConfig(new SettingsReader(properties, environment));
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
     * The README says what an estimate counts.
     */
    public long l1MaxBytes() {
        return l1MaxBytes;
    }

    /**
     * {@code tiered.l1.budget}: the estimated bytes that all cached methods' L1 share, by value; 0 without one (each
     * method bounded by {@code tiered.l1.maxEntries} or {@code tiered.l1.maxBytes}).
     */
    public long l1Budget() {
        return l1Budget;
    }

    static final String L1_BUDGET_FORM = "a number of bytes with a unit (\"256MB\", \"1GB\", at least 1MB), or a "
            + "percentage of the maximum heap from 1% to 90% (\"10%\")";

    static final String HIT_RATIO_FORM = "a decimal number from 0 to 1, like 0.9 (hits of both tiers over calls)";

    static final String LOAD_TIME_FORM = "a duration of at least 1ms: the load time per second of wall-clock time, "
            + "summed over threads, like 200ms";

    /** {@code target.loadTime}: the time a namespace's loads may take per second, at least a millisecond. */
    static Duration parseLoadTimeTarget(String text) {
        Duration d = Durations.parse(text);
        if (d.toMillis() < 1) {
            throw new IllegalArgumentException();
        }
        return d;
    }

    static double parseHitRatio(String text) {
        double d = Double.parseDouble(text);
        if (!(d >= 0 && d <= 1)) {
            throw new IllegalArgumentException();
        }
        return d;
    }

    private static long parseBudget(String text) {
        if (text.endsWith("%")) {
            long percent = SettingsReader.parseWhole(text.substring(0, text.length() - 1).trim(), 1, 90);
            return Runtime.getRuntime().maxMemory() / 100 * percent;
        }
        return Bytes.parse(text, 1L << 20, Long.MAX_VALUE);
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

    /** How L2 encodes results that are not simple values, unless {@code tiered.ns.<ns>.codec} says otherwise. */
    public L2Encoding codec() {
        return codec;
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

    /**
     * {@code tiered.advise.only}: the agent observes for the advisor and caches nothing, its annotations and rules
     * not applied (what {@code java -jar tiered-agent.jar advise <pid> <pattern>} sets when it attaches tiered).
     */
    public boolean adviseOnly() {
        return adviseOnly;
    }

    /** {@code tiered.advise}: the classes the advisor observes; {@code null} without. */
    public AdvisePattern advise() {
        return advise;
    }

    /** {@code tiered.rules}: the methods cached and invalidated by name; {@link Rules#NONE} without a file. */
    public Rules rules() {
        return rules;
    }

    /** {@code tiered.trace}: the file a sample of the cached calls is recorded to; {@code null} without. */
    public java.nio.file.Path trace() {
        return trace;
    }

    private static java.nio.file.Path parseTraceFile(String text) {
        java.nio.file.Path p = java.nio.file.Path.of(text).toAbsolutePath();
        if (p.getParent() == null || !java.nio.file.Files.isDirectory(p.getParent())
                || java.nio.file.Files.isDirectory(p)) {
            throw new IllegalArgumentException();
        }
        return p;
    }

    /** {@code tiered.otel.spans}: each cached call adds an event to the application's current OpenTelemetry span. */
    public boolean otelSpans() {
        return otelSpans;
    }

    /** The fraction of cache hits on which the method also runs, to check that the cached value is still right. */
    /** The accepted form of {@code tiered.verify.rate} and {@code tiered.ns.<ns>.verify.rate}. */
    static final String VERIFY_RATE_FORM = "a decimal number from 0 (off) to 1 (every hit), like 0.001";

    static double parseVerifyRate(String text) {
        double d = Double.parseDouble(text);
        if (!(d >= 0 && d <= 1)) {
            throw new IllegalArgumentException(text);
        }
        return d;
    }

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
                + (l1Budget > 0 ? ", l1.budget=" + Bytes.format(l1Budget) : ", l1.maxEntries=" + l1MaxEntries
                        + (l1MaxBytes > 0 ? ", l1.maxBytes=" + Bytes.format(l1MaxBytes) : ""))
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

    @Override
    public String toString() {
        return "TieredConfig{" + summary() + "}";
    }

    /** Whether {@code name} is a well-formed namespace: {@value #NAMESPACE_FORM}. */
    public static boolean isNamespace(String name) {
        return NAMESPACE.matcher(name).matches();
    }

    /** Every setting's name, the per-namespace ones as {@code tiered.ns.<namespace>.<setting>}. */
    public static List<String> knownProperties() {
        List<String> all = new ArrayList<>(KNOWN);
        for (String s : NS_SETTINGS) {
            all.add(NS_PREFIX + "<namespace>." + s);
        }
        return all;
    }
}
