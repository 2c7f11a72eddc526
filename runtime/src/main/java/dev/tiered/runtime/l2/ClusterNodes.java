package dev.tiered.runtime.l2;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The nodes of a Redis Cluster and the master that serves each slot, as Jedis keeps them (a pool per node, the slot
 * table from {@code CLUSTER SLOTS}), and what tiered needs beside, from {@code CLUSTER NODES}: which masters have a
 * replica up, a hash tag in a slot of each master (to prove every master takes writes), and a topology refresh
 * that no caller waits for.
 *
 * <p>Made by one blocking step (asking the seed nodes); after that, {@link #forKey} never does I/O beyond borrowing a
 * connection: a slot with no master known yet fails at once and asks for a refresh, which runs on a daemon thread of
 * its own, at most every {@value #REFRESH_GAP_MILLIS} ms. Tiered's maintenance thread also refreshes every heartbeat.
 * Thread-safe.
 */
final class ClusterNodes extends ClusterConnectionProvider {
    private static final long REFRESH_GAP_MILLIS = 100;

    /** The masters at the last refresh, each with whether it had a replica that was not failed, and a tag in it. */
    record Master(HostAndPort node, boolean replicaUp, String tag) {}

    private final List<HostAndPort> seeds;
    private final ScheduledExecutorService refresher;
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private volatile long refreshedAtNanos;
    private volatile List<Master> masters = List.of();
    private volatile Map<HostAndPort, Master> byNode = Map.of();

    /** Asks the seeds for the cluster's nodes and slots; throws if none answers. */
    ClusterNodes(Set<HostAndPort> seeds, JedisClientConfig config, GenericObjectPoolConfig<Connection> poolConfig) {
        super(seeds, config, poolConfig);
        this.seeds = List.copyOf(seeds);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "tiered-cluster-refresh");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.refresher = executor;
        refresh();
    }

    /**
     * A connection to the master serving {@code key}'s slot, as far as this JVM knows; throws
     * {@link Redis.NoMasterYet} at once (and asks for a refresh) if it knows none.
     */
    Jedis forKey(String key) {
        ConnectionPool pool = cache.getSlotPool(JedisClusterCRC16.getSlot(key));
        if (pool == null) {
            refreshSoon();
            throw Redis.NoMasterYet.INSTANCE;
        }
        return new Jedis(pool.getResource());
    }

    /** The master serving {@code key}'s slot as far as this JVM knows, or {@code null}. */
    HostAndPort nodeOf(String key) {
        return cache.getSlotNode(JedisClusterCRC16.getSlot(key));
    }

    /** A pooled connection to {@code node}. */
    Jedis at(HostAndPort node) {
        return new Jedis(getConnection(node));
    }

    /** A connection to a master that answers a {@code PING}. */
    Jedis anyMaster() {
        for (Master m : shuffled(masters)) {
            try {
                Jedis jedis = at(m.node());
                try {
                    jedis.ping();
                    return jedis;
                } catch (RuntimeException e) {
                    jedis.close();
                }
            } catch (RuntimeException unreachable) {
                // the next one
            }
        }
        return new Jedis(getConnection());
    }

    /**
     * A new connection outside the pools to any node that accepts one (for the invalidation bus: a message
     * published on any node of a cluster reaches the subscribers of every node), in random order so that JVMs
     * spread over the nodes.
     */
    Jedis dedicated(JedisClientConfig dedicatedConfig) {
        Set<HostAndPort> candidates = new LinkedHashSet<>();
        for (String node : shuffled(new ArrayList<>(getNodes().keySet()))) {
            candidates.add(HostAndPort.from(node));
        }
        candidates.addAll(seeds);
        RuntimeException first = null;
        for (HostAndPort node : candidates) {
            try {
                return new Jedis(node, dedicatedConfig);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        throw first != null ? first : new IllegalStateException("no node of the cluster is known");
    }

    /** The masters at the last refresh. */
    List<Master> masters() {
        return masters;
    }

    /**
     * Whether {@code master} had a replica up at the last refresh: a bump on it waits for a replica only then
     * (unknown: yes).
     */
    boolean replicaUp(HostAndPort master) {
        Master m = byNode.get(master);
        return m == null || m.replicaUp();
    }

    /** Asks for a {@link #refresh} on the refresher's thread, unless one is queued; never waits. */
    void refreshSoon() {
        if (refreshQueued.compareAndSet(false, true)) {
            long wait = Math.max(0, REFRESH_GAP_MILLIS
                    - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - refreshedAtNanos));
            try {
                refresher.schedule(() -> {
                    refreshQueued.set(false);
                    refresh();
                }, wait, TimeUnit.MILLISECONDS);
            } catch (RuntimeException closed) {
                refreshQueued.set(false);
            }
        }
    }

    /**
     * Reads the masters, their slots and replicas from the first node that answers ({@code CLUSTER NODES}), and
     * gives Jedis's slot table the same ({@code CLUSTER SLOTS}); blocking, for tiered's own threads. Nothing changes
     * if no node answers.
     */
    void refresh() {
        refreshedAtNanos = System.nanoTime();
        Set<HostAndPort> candidates = new LinkedHashSet<>();
        for (String node : shuffled(new ArrayList<>(getNodes().keySet()))) {
            candidates.add(HostAndPort.from(node));
        }
        candidates.addAll(seeds);
        for (HostAndPort node : candidates) {
            try (Connection connection = getConnection(node)) { // pooled: no new connection every heartbeat
                String nodes = new Jedis(connection).clusterNodes();
                renewSlotCache(connection);
                List<Master> found = parse(nodes);
                Map<HostAndPort, Master> index = new HashMap<>();
                found.forEach(m -> index.put(m.node(), m));
                masters = found;
                byNode = Map.copyOf(index);
                return;
            } catch (RuntimeException unreachable) {
                // the next one
            }
        }
    }

    /**
     * Takes the masters from {@code CLUSTER NODES} as one node sees them: {@code <id> <ip:port@bus[,host]> <flags>
     * <master-id> <ping> <pong> <epoch> <link> <slot>...}. A replica is up unless flagged failed (or possibly
     * failed) or without an address, or its link is down. ({@code CLUSTER SLOTS} also leaves out a replica that
     * has not reported data yet, so it would call a fresh cluster's replicas down.)
     */
    static List<Master> parse(String nodes) {
        Map<String, HostAndPort> masterById = new HashMap<>();
        Map<String, List<int[]>> ranges = new HashMap<>();
        Map<String, Boolean> replicaUp = new HashMap<>();
        for (String line : nodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8) {
                continue;
            }
            String flags = f[2];
            boolean down = flags.contains("fail") || flags.contains("noaddr") || !f[7].equals("connected");
            if (flags.contains("master") && !flags.contains("fail") && f.length > 8) {
                String address = f[1].split("[@,]")[0];
                masterById.put(f[0], HostAndPort.from(address));
                for (int i = 8; i < f.length; i++) {
                    if (!f[i].startsWith("[")) { // a slot being imported or migrated: still its owner's
                        String[] bounds = f[i].split("-");
                        ranges.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new int[] {
                                Integer.parseInt(bounds[0]), Integer.parseInt(bounds[bounds.length - 1])});
                    }
                }
            } else if (flags.contains("slave")) {
                replicaUp.merge(f[3], !down, Boolean::logicalOr);
            }
        }
        List<Master> all = new ArrayList<>();
        for (Map.Entry<String, HostAndPort> e : masterById.entrySet()) {
            List<int[]> slots = ranges.get(e.getKey());
            if (slots != null) {
                all.add(new Master(e.getValue(), replicaUp.getOrDefault(e.getKey(), false), tagIn(slots)));
            }
        }
        return List.copyOf(all);
    }

    /** The first of {@code 0, 1, 2, ...} whose slot, as a hash tag, is in one of {@code ranges}. */
    private static String tagIn(List<int[]> ranges) {
        for (int i = 0; ; i++) {
            String tag = Integer.toString(i);
            int slot = JedisClusterCRC16.getSlot(tag);
            for (int[] r : ranges) {
                if (slot >= r[0] && slot <= r[1]) {
                    return tag;
                }
            }
        }
    }

    private static <T> List<T> shuffled(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        Collections.shuffle(copy);
        return copy;
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        super.close();
    }
}
