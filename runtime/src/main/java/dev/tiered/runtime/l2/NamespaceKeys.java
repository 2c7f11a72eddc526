package dev.tiered.runtime.l2;

/**
 * The Redis keys of one namespace, with the fixed part of each computed once: made by {@link RedisKeys}, which owns
 * the layout. Immutable.
 */
public final class NamespaceKeys {
    private final String name;
    private final String version;
    private final String entityHead;
    private final String anyEntity;
    private final String entryHead;
    private final String leaseHead;

    NamespaceKeys(String name, String version, String entityHead, String entryHead, String leaseHead) {
        this.name = name;
        this.version = version;
        this.entityHead = entityHead;
        this.anyEntity = entityHead + "*";
        this.entryHead = entryHead;
        this.leaseHead = leaseHead;
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
        return entityHead + entity;
    }

    /** The key of the version every keyed write bumps: the stamp of entries of methods without an entity key. */
    public String anyEntity() {
        return anyEntity;
    }

    /** The key of one entry, computed under the namespace's {@code version}. */
    public String entry(long version, String method, String arguments) {
        return entryHead + version + ":" + method + ":" + arguments;
    }

    /** The key of the lease to compute the entry with the same parts. */
    public String lease(long version, String method, String arguments) {
        return leaseHead + version + ":" + method + ":" + arguments;
    }
}
