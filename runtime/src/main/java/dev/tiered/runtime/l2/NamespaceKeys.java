package dev.tiered.runtime.l2;

/**
 * The Redis keys of one namespace, with the fixed part of each computed once: made by {@link RedisKeys}, which owns
 * the layout. Every key's hash tag (in braces) is the namespace, and the entity for what concerns one entity.
 * Immutable.
 */
public final class NamespaceKeys {
    private final String name;
    private final String version;
    private final String entityHead;
    private final String anyEntity;
    private final String entryHead;
    private final String leaseHead;
    private final String entryOfAny;
    private final String leaseOfAny;

    NamespaceKeys(String prefix, String name) {
        this.name = name;
        this.version = prefix + ":v:{" + name + "}";
        this.entityHead = prefix + ":k:{" + name + ":";
        this.anyEntity = prefix + ":k:{" + name + "}:*";
        this.entryHead = prefix + ":e:{" + name + ":";
        this.leaseHead = prefix + ":l:{" + name + ":";
        this.entryOfAny = prefix + ":e:{" + name + "}:";
        this.leaseOfAny = prefix + ":l:{" + name + "}:";
    }

    /** The namespace. */
    public String name() {
        return name;
    }

    /** The key of the namespace's version. */
    public String version() {
        return version;
    }

    /** The key of one entity's version. */
    public String entity(String entity) {
        return entityHead + entity + "}";
    }

    /** The key of the version every keyed write bumps: the stamp of entries of methods without an entity key. */
    public String anyEntity() {
        return anyEntity;
    }

    /**
     * The key of one entry of {@code entity} ({@code null} for a method without an entity key), computed under the
     * namespace's {@code version}.
     */
    public String entry(String entity, long version, String method, String arguments) {
        return (entity == null ? entryOfAny : entryHead + entity + "}:") + version + ":" + method + ":" + arguments;
    }

    /** The key of the lease to compute the entry with the same parts. */
    public String lease(String entity, long version, String method, String arguments) {
        return (entity == null ? leaseOfAny : leaseHead + entity + "}:") + version + ":" + method + ":" + arguments;
    }
}
