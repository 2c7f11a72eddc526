package dev.tiered.runtime.l2;

/**
 * The layout of every Redis key and channel tiered uses, in one place. With the prefix {@code tiered}
 * ({@code tiered.redis.keyPrefix}):
 * <ul>
 *   <li>{@code <prefix>:v:{<namespace>}}: the namespace's version;</li>
 *   <li>{@code <prefix>:k:{<namespace>:<entity>}}: the version of one entity, bumped by keyed writes, kept longer
 *       than any entry stamped with it; {@code <prefix>:k:{<namespace>}:*}, the any-entity version, is bumped by
 *       every keyed write;</li>
 *   <li>{@code <prefix>:e:{<namespace>:<entity>}:<version>:<method>:<arguments>}: one entry of a method with an
 *       entity key, with a TTL; {@code <prefix>:e:{<namespace>}:...} one of a method without; its value is the stamp
 *       it was computed under (8 bytes) and the codec's envelope;</li>
 *   <li>{@code <prefix>:l:...}, named as the entry: the lease of the JVM computing that entry, a token with a short
 *       TTL ({@code tiered.stampede.lease});</li>
 *   <li>{@code <prefix>:p:<origin>}: a JVM's proof that Redis takes its writes, kept three heartbeats;</li>
 *   <li>channel {@code <prefix>:invalidations}: every JVM's invalidation messages.</li>
 * </ul>
 * The part in braces is the key's hash tag: the keys one script touches (an entry, its lease and the version its
 * stamp must match) share it, so that on a Redis Cluster they live in one slot, while entities spread over the
 * whole cluster. Namespaces and prefixes are restricted (no {@code :}, no braces) so that a key can be split back
 * into its parts. Immutable and thread-safe.
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

    /** The key a JVM writes to prove that the cluster's master of the slot of hash tag {@code tag} takes them. */
    public String probe(String origin, String tag) {
        return prefix + ":p:{" + tag + "}:" + origin;
    }

    /** The keys of one namespace. */
    public NamespaceKeys of(String namespace) {
        return new NamespaceKeys(prefix, namespace);
    }
}
