package dev.tiered.runtime.l2;

/**
 * The layout of every Redis key and channel tiered uses, in one place. With the prefix {@code tiered}
 * ({@code tiered.redis.keyPrefix}):
 * <ul>
 *   <li>{@code <prefix>:v:<namespace>}: the namespace's version, an integer bumped by {@code INCR};</li>
 *   <li>{@code <prefix>:k:<namespace>:<entity>}: the version of one entity, bumped by keyed writes, with a TTL
 *       at least as long as any entry's; {@code <prefix>:k:<namespace>:*} is bumped by every keyed write;</li>
 *   <li>{@code <prefix>:e:<namespace>:<version>:<method>:<arguments>}: one entry, with a TTL; its value is the
 *       stamp it was computed under (8 bytes) and the codec's envelope;</li>
 *   <li>{@code <prefix>:l:<namespace>:<version>:<method>:<arguments>}: the lease of the JVM computing that entry,
 *       a token with a short TTL ({@code tiered.stampede.lease});</li>
 *   <li>{@code <prefix>:p:<origin>}: a JVM's proof that Redis takes its writes, kept three heartbeats;</li>
 *   <li>channel {@code <prefix>:invalidations}: every JVM's invalidation messages.</li>
 * </ul>
 * Namespaces and prefixes are restricted (no {@code :}) so that a key can be split back into its parts.
 * Immutable and thread-safe.
 */
public final class RedisKeys {
    private final String prefix;

    public RedisKeys(String prefix) {
        this.prefix = prefix;
    }

    /** The pub/sub channel of invalidation messages. */
    public String channel() {
        return prefix + ":invalidations";
    }

    /** The key a JVM writes to prove that Redis takes its writes. */
    public String probe(String origin) {
        return prefix + ":p:" + origin;
    }

    /** The keys of one namespace. */
    public NamespaceKeys of(String namespace) {
        return new NamespaceKeys(namespace, prefix + ":v:" + namespace, prefix + ":k:" + namespace + ":",
                prefix + ":e:" + namespace + ":", prefix + ":l:" + namespace + ":");
    }
}
