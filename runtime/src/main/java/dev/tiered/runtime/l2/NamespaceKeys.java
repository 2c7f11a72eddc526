package dev.tiered.runtime.l2;

import java.util.ArrayList;
import java.util.List;

/**
 * The Redis keys of one namespace, with the fixed part of each computed once: made by {@link RedisKeys}, which owns
 * the layout. Every key's hash tag (in braces) is the namespace and the entity it concerns; an entry of a method
 * without an entity key belongs to one of {@value #SHARDS} <em>shards</em> of the namespace ({@code *0} to
 * {@code *15}, chosen by its method and arguments), whose versions every keyed write bumps: so that on a Redis
 * Cluster no namespace sits on one master. Immutable.
 */
public final class NamespaceKeys {
    /** How many shards hold the entries of methods without an entity key. */
    public static final int SHARDS = 16;

    private final String name;
    private final String version;
    private final String entityHead;
    private final String entryHead;
    private final String leaseHead;
    private final List<String> shards;

    NamespaceKeys(String prefix, String name) {
        this.name = name;
        this.version = prefix + ":v:{" + name + "}";
        this.entityHead = prefix + ":k:{" + name + ":";
        this.entryHead = prefix + ":e:{" + name + ":";
        this.leaseHead = prefix + ":l:{" + name + ":";
        List<String> all = new ArrayList<>(SHARDS);
        for (int i = 0; i < SHARDS; i++) {
            all.add(entity(shard(i)));
        }
        this.shards = List.copyOf(all);
    }

    /** The namespace. */
    public String name() {
        return name;
    }

    /** The key of the namespace's version. */
    public String version() {
        return version;
    }

    /**
     * What an entry belongs to: its {@code entity}, or for a method without an entity key ({@code null}) the shard
     * its method and arguments fall in, {@code *0} to {@code *15}; no entity's encoding starts with {@code *}.
     * {@link String#hashCode} is specified, so every JVM picks the same shard.
     */
    public static String owner(String entity, String method, String arguments) {
        if (entity != null) {
            return entity;
        }
        return shard(Math.floorMod(31 * method.hashCode() + arguments.hashCode(), SHARDS));
    }

    private static String shard(int i) {
        return "*" + i;
    }

    /** The key of one entity's version, or of a shard's ({@link #owner}). */
    public String entity(String owner) {
        return entityHead + owner + "}";
    }

    /** The version keys of the shards: every keyed write bumps them all. */
    public List<String> shards() {
        return shards;
    }

    /** The key of one entry of {@code owner} ({@link #owner}), computed under the namespace's {@code version}. */
    public String entry(String owner, long version, String method, String arguments) {
        return entryHead + owner + "}:" + version + ":" + method + ":" + arguments;
    }

    /** The key of the lease to compute the entry with the same parts. */
    public String lease(String owner, long version, String method, String arguments) {
        return leaseHead + owner + "}:" + version + ":" + method + ":" + arguments;
    }
}
