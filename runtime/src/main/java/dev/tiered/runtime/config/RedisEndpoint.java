package dev.tiered.runtime.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where L2 lives: a parsed {@code redis://} or {@code rediss://} URI, a {@code redis-sentinel://} URI naming the
 * sentinels and the master they watch, or a {@code redis-cluster://} ({@code rediss-cluster://}) URI naming seed
 * nodes of a Redis Cluster. The password never appears in {@link #toString()}, in exception messages or
 * in logs.
 */
public final class RedisEndpoint {
    public static final String ACCEPTED_FORM =
            "redis://[user:password@]host[:port][/database], rediss://... for TLS, or "
                    + "redis-sentinel://[user:password@]host[:port][,host[:port]...]/master-name[/database], or "
                    + "redis-cluster://[user:password@]host[:port][,host[:port]...] (rediss-cluster:// for TLS) "
                    + "(percent-encode special characters in the password; use :password@ for the default user)";

    private static final Pattern NODE = Pattern.compile("([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+])(:(\\d{1,5}))?");
    private static final Pattern MASTER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    /** A URI scheme and the slashes after it, as far as they go: {@code redis://}, {@code rediss:/}, {@code redis:}. */
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:/*");

    private final boolean tls;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final int database;
    /** The sentinels, as {@code host:port}, and the name of the master they watch; empty and {@code null} else. */
    private final List<String> sentinels;
    private final String masterName;
    /** The seed nodes, as {@code host:port}, for {@code redis-cluster://}; empty else. */
    private final List<String> clusterNodes;

    private RedisEndpoint(boolean tls, String host, int port, String user, String password, int database,
                          List<String> sentinels, String masterName, List<String> clusterNodes) {
        this.tls = tls;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.database = database;
        this.sentinels = List.copyOf(sentinels);
        this.masterName = masterName;
        this.clusterNodes = List.copyOf(clusterNodes);
    }

    /**
     * Parses a Redis URI.
     *
     * @throws IllegalArgumentException with a message that states the accepted form and never the password
     */
    public static RedisEndpoint parse(String text) {
        String trimmed = text.trim();
        String lower = trimmed.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("redis-cluster:") || lower.startsWith("rediss-cluster:")) {
            return parseCluster(text, trimmed, lower.startsWith("rediss-cluster:"));
        }
        if (lower.startsWith("redis-sentinel:") || lower.startsWith("rediss-sentinel:")) {
            return parseSentinel(text, trimmed, lower.startsWith("rediss-sentinel:"));
        }
        String problem;
        try {
            URI uri = new URI(text.trim());
            String scheme = uri.getScheme();
            if (!"redis".equalsIgnoreCase(scheme) && !"rediss".equalsIgnoreCase(scheme)) {
                problem = "the scheme must be redis or rediss";
            } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
                problem = "it names no host";
            } else {
                String user = null;
                String password = null;
                String userInfo = uri.getRawUserInfo();
                if (userInfo != null && !userInfo.isEmpty()) {
                    int colon = userInfo.indexOf(':');
                    if (colon < 0) {
                        throw new IllegalArgumentException(masked(text) + " is not a Redis URI: credentials must be "
                                + "user:password or :password; use " + ACCEPTED_FORM);
                    }
                    user = colon == 0 ? null : decode(userInfo.substring(0, colon));
                    password = decode(userInfo.substring(colon + 1));
                }
                int database = 0;
                String path = uri.getPath();
                if (path != null && path.length() > 1) {
                    try {
                        database = Integer.parseInt(path.substring(1));
                    } catch (NumberFormatException e) {
                        database = -1;
                    }
                    if (database < 0) {
                        throw new IllegalArgumentException(masked(text) + " is not a Redis URI: the path must be a "
                                + "database number; use " + ACCEPTED_FORM);
                    }
                }
                int port = uri.getPort() < 0 ? 6379 : uri.getPort();
                return new RedisEndpoint("rediss".equalsIgnoreCase(scheme), uri.getHost(), port, user, password,
                        database, List.of(), null, List.of());
            }
        } catch (URISyntaxException e) {
            problem = "it is not a URI";
        }
        throw new IllegalArgumentException(masked(text) + " is not a Redis URI: " + problem + "; use " + ACCEPTED_FORM);
    }

    /** {@code redis-sentinel://[user:password@]host[:port][,host[:port]...]/master-name[/database]}. */
    private static RedisEndpoint parseSentinel(String text, String trimmed, boolean tls) {
        if (tls) {
            throw new Unsupported("TLS through Sentinel is not supported by this version");
        }
        Nodes parsed = nodes(text, trimmed);
        String[] parts = parsed.rest().split("/", -1);
        if (parts.length < 2 || parts.length > 3 || !MASTER_NAME.matcher(parts[1]).matches()) {
            throw malformed(text, "it must name the sentinels, then the master they watch: /master-name");
        }
        List<String> sentinels = hosts(text, parts[0], 26379, "a sentinel");
        int database = 0;
        if (parts.length == 3) {
            try {
                database = Integer.parseInt(parts[2]);
            } catch (NumberFormatException e) {
                database = -1;
            }
            if (database < 0) {
                throw malformed(text, "the path after the master's name must be a database number");
            }
        }
        return new RedisEndpoint(false, null, 0, parsed.user(), parsed.password(), database, sentinels, parts[1],
                List.of());
    }

    /**
     * {@code redis-cluster://[user:password@]host[:port][,host[:port]...]}: seed nodes, from which the others are
     * found. A cluster has only database 0, so there is no path.
     */
    private static RedisEndpoint parseCluster(String text, String trimmed, boolean tls) {
        Nodes parsed = nodes(text, trimmed);
        String rest = parsed.rest().endsWith("/") ? parsed.rest().substring(0, parsed.rest().length() - 1)
                : parsed.rest();
        if (rest.contains("/")) {
            throw malformed(text, "a cluster has only database 0: name its nodes and nothing after them");
        }
        List<String> seeds = hosts(text, rest, 6379, "a node");
        return new RedisEndpoint(tls, null, 0, parsed.user(), parsed.password(), 0, List.of(), null, seeds);
    }

    /** The credentials of a URI with a list of nodes, and what follows them. */
    private record Nodes(String user, String password, String rest) {}

    private static Nodes nodes(String text, String trimmed) {
        String rest = trimmed.substring(trimmed.indexOf(':') + 1);
        if (!rest.startsWith("//")) {
            throw malformed(text, "the scheme must be followed by //");
        }
        rest = rest.substring(2);
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                throw malformed(text, "credentials must be user:password or :password");
            }
            user = colon == 0 ? null : decode(userInfo.substring(0, colon));
            password = decode(userInfo.substring(colon + 1));
            rest = rest.substring(at + 1);
        }
        return new Nodes(user, password, rest);
    }

    /** {@code host[:port][,host[:port]...]} as {@code host:port}s. */
    private static List<String> hosts(String text, String list, int defaultPort, String what) {
        List<String> hosts = new ArrayList<>();
        for (String node : list.split(",", -1)) {
            Matcher m = NODE.matcher(node);
            int port = m.matches() && m.group(3) != null ? Integer.parseInt(m.group(3)) : defaultPort;
            if (!m.matches() || port < 1 || port > 65535) {
                throw malformed(text, what + " must be host or host:port");
            }
            String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
            hosts.add(host + ":" + port);
        }
        return hosts;
    }

    /** A well-formed URI of something this version cannot connect to; its message says what. */
    static final class Unsupported extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Unsupported(String what) {
            super(what);
        }
    }

    private static IllegalArgumentException malformed(String text, String problem) {
        return new IllegalArgumentException(masked(text) + " is not a Redis URI: " + problem + "; use "
                + ACCEPTED_FORM);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /**
     * {@code text} quoted for an error message, with everything before its last {@code @} but a leading scheme
     * replaced by {@code ***}: a malformed URI may hold the password anywhere there, even without {@code ://}
     * ({@code redis:/:secret@host}, {@code :secret@host}).
     */
    static String masked(String text) {
        int at = text.lastIndexOf('@');
        if (at < 0) {
            return "\"" + text + "\"";
        }
        Matcher scheme = SCHEME.matcher(text);
        int keep = scheme.lookingAt() && scheme.end() <= at ? scheme.end() : 0;
        return "\"" + text.substring(0, keep) + "***@" + text.substring(at + 1) + "\"";
    }

    public boolean tls() {
        return tls;
    }

    /** The server, for a URI that names one; {@code null} for sentinels and clusters. */
    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The sentinels, as {@code host:port}, for {@code redis-sentinel://}; empty else. */
    public List<String> sentinels() {
        return sentinels;
    }

    /** The name of the master the sentinels watch, for {@code redis-sentinel://}; {@code null} else. */
    public String masterName() {
        return masterName;
    }

    /** The seed nodes, as {@code host:port}, for {@code redis-cluster://}; empty else. */
    public List<String> clusterNodes() {
        return clusterNodes;
    }

    /** Whether this is a Redis Cluster. */
    public boolean cluster() {
        return !clusterNodes.isEmpty();
    }

    /** The ACL user, or {@code null} for the default user. */
    public String user() {
        return user;
    }

    /** The password, or {@code null}. Never log it. */
    public String password() {
        return password;
    }

    public int database() {
        return database;
    }

    /** The URI with the password replaced by {@code ***}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(masterName != null ? "redis-sentinel://"
                : cluster() ? (tls ? "rediss-cluster://" : "redis-cluster://") : tls ? "rediss://" : "redis://");
        if (password != null) {
            sb.append(user == null ? "" : user).append(":***@");
        }
        if (masterName != null) {
            sb.append(String.join(",", sentinels)).append('/').append(masterName);
        } else if (cluster()) {
            sb.append(String.join(",", clusterNodes));
        } else {
            sb.append(host).append(':').append(port);
        }
        if (database != 0) {
            sb.append('/').append(database);
        }
        return sb.toString();
    }
}
