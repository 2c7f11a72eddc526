package dev.tiered.runtime.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where L2 lives: a parsed {@code redis://} or {@code rediss://} URI. The password never appears in
 * {@link #toString()}, in exception messages or in logs.
 */
public final class RedisEndpoint {
    public static final String ACCEPTED_FORM =
            "redis://[user:password@]host[:port][/database], or rediss://... for TLS "
                    + "(percent-encode special characters in the password; use :password@ for the default user)";

    /** A URI scheme and the slashes after it, as far as they go: {@code redis://}, {@code rediss:/}, {@code redis:}. */
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:/*");

    private final boolean tls;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final int database;

    private RedisEndpoint(boolean tls, String host, int port, String user, String password, int database) {
        this.tls = tls;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.database = database;
    }

    /**
     * Parses a Redis URI.
     *
     * @throws IllegalArgumentException with a message that states the accepted form and never the password
     */
    public static RedisEndpoint parse(String text) {
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
                        database);
            }
        } catch (URISyntaxException e) {
            problem = "it is not a URI";
        }
        throw new IllegalArgumentException(masked(text) + " is not a Redis URI: " + problem + "; use " + ACCEPTED_FORM);
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

    public String host() {
        return host;
    }

    public int port() {
        return port;
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
        StringBuilder sb = new StringBuilder(tls ? "rediss://" : "redis://");
        if (password != null) {
            sb.append(user == null ? "" : user).append(":***@");
        }
        sb.append(host).append(':').append(port);
        if (database != 0) {
            sb.append('/').append(database);
        }
        return sb.toString();
    }
}
