package dev.tiered.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A local Redis Cluster of real {@code redis-server} processes on free loopback ports ({@code --cluster-enabled
 * yes}), created with {@code redis-cli --cluster create}: masters, each with its replicas. It needs Redis's own
 * tools: the {@code redis-server} of {@link RedisServer#binary()} and a {@code redis-cli} beside it or on the
 * {@code PATH} (Debian's {@code redis-server} and {@code redis-tools}, which {@code .ci/run} installs); the embedded
 * binary comes without one.
 */
public final class RedisCluster implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final List<RedisServer> nodes;

    private RedisCluster(List<RedisServer> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /**
     * Starts {@code masters} masters with {@code replicas} replicas each, and waits until every node sees the
     * cluster healthy. A node that misses two seconds of pings is failed over ({@code cluster-node-timeout}).
     */
    public static RedisCluster start(int masters, int replicas) {
        List<RedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < masters * (1 + replicas); i++) {
                nodes.add(RedisServer.startOn(clusterPort(), "--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"));
            }
            List<String> create = new ArrayList<>(List.of(cli().toString(), "--cluster", "create"));
            nodes.forEach(n -> create.add("127.0.0.1:" + n.port()));
            create.addAll(List.of("--cluster-replicas", Integer.toString(replicas), "--cluster-yes"));
            run(create);
            RedisCluster cluster = new RedisCluster(nodes);
            cluster.awaitHealthy();
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisServer::close);
            throw e;
        }
    }

    /**
     * A free port whose cluster bus port (ten thousand above it, as Redis 6 and 7 both place it) is free too and
     * below 65536.
     */
    private static int clusterPort() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = RedisServer.freePort();
            if (port + 10_000 <= 65_535 && free(port + 10_000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port with a free cluster bus port above it");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** Why no cluster can be started on this machine (the error {@link #start} would throw), or empty if one can. */
    public static Optional<String> unavailable() {
        try {
            cli();
            return Optional.empty();
        } catch (IllegalStateException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The {@code redis-cli} beside the {@code redis-server} in use, or on the {@code PATH}. */
    static Path cli() {
        Path beside = RedisServer.binary().resolveSibling("redis-cli");
        if (Files.isExecutable(beside)) {
            return beside;
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir, "redis-cli");
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("a Redis Cluster needs redis-cli, and there is none beside "
                + RedisServer.binary() + " or on the PATH: install Debian's redis-tools (.ci/run does)");
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + WAIT);
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed with " + process.exitValue()
                        + ":\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running redis-cli", e);
        }
    }

    /** {@code redis-cluster://127.0.0.1:<port>,...}: every master, as seed nodes. */
    public String uri() {
        return "redis-cluster://" + masters().stream().map(n -> "127.0.0.1:" + n.port())
                .collect(Collectors.joining(","));
    }

    /** Every node, masters and replicas, running or not. */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /** The running nodes that are masters now. */
    public List<RedisServer> masters() {
        return nodes.stream().filter(n -> n.isRunning() && role(n).equals("master")).toList();
    }

    /** The running replicas of {@code master} now. */
    public List<RedisServer> replicasOf(RedisServer master) {
        return nodes.stream().filter(n -> n != master && n.isRunning() && role(n).equals("slave")
                && ((List<?>) n.command("ROLE")).get(2).equals((long) master.port())).toList();
    }

    /** The running master that serves {@code slot} now, as the first running master sees it. */
    public RedisServer masterOf(int slot) {
        for (Object o : (List<?>) masters().get(0).command("CLUSTER", "SLOTS")) {
            List<?> range = (List<?>) o;
            if ((Long) range.get(0) <= slot && slot <= (Long) range.get(1)) {
                long port = (Long) ((List<?>) range.get(2)).get(1);
                return nodes.stream().filter(n -> n.port() == port).findFirst().orElseThrow();
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    /**
     * Starts moving {@code slot} from {@code source} to {@code target} as {@code redis-cli --cluster reshard} does,
     * and moves every key it holds: the slot is still the source's, which answers {@code ASK} for its keys.
     */
    public void beginMigration(int slot, RedisServer source, RedisServer target) {
        String s = Integer.toString(slot);
        target.command("CLUSTER", "SETSLOT", s, "IMPORTING", id(source));
        source.command("CLUSTER", "SETSLOT", s, "MIGRATING", id(target));
        List<?> keys = (List<?>) source.command("CLUSTER", "GETKEYSINSLOT", s, "1000");
        if (!keys.isEmpty()) {
            List<String> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(target.port()),
                    "", "0", "5000", "KEYS"));
            keys.forEach(k -> migrate.add((String) k));
            source.command(migrate.toArray(String[]::new));
        }
    }

    /** Ends a migration: {@code slot} is {@code target}'s, on every master; the others learn it by gossip. */
    public void endMigration(int slot, RedisServer target) {
        String owner = id(target);
        target.command("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", owner);
        for (RedisServer master : masters()) {
            if (master != target) {
                master.command("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", owner);
            }
        }
        Await.until("every node to see slot " + slot + " on port " + target.port(), WAIT, () -> nodes.stream()
                .filter(RedisServer::isRunning).allMatch(n -> masterSeenBy(n, slot) == target.port()));
    }

    private static long masterSeenBy(RedisServer node, int slot) {
        for (Object o : (List<?>) node.command("CLUSTER", "SLOTS")) {
            List<?> range = (List<?>) o;
            if ((Long) range.get(0) <= slot && slot <= (Long) range.get(1)) {
                return (Long) ((List<?>) range.get(2)).get(1);
            }
        }
        return -1;
    }

    private static String id(RedisServer node) {
        return (String) node.command("CLUSTER", "MYID");
    }

    private static String role(RedisServer node) {
        return (String) ((List<?>) node.command("ROLE")).get(0);
    }

    /**
     * A graceful failover ({@code CLUSTER FAILOVER}): {@code replica} takes over its master's slots once it has all
     * of its writes, and the master becomes its replica. Returns when every running node sees the cluster healthy.
     */
    public void failover(RedisServer replica) {
        long masterPort = (Long) ((List<?>) replica.command("ROLE")).get(2);
        RedisServer master = nodes.stream().filter(n -> n.port() == masterPort).findFirst().orElseThrow();
        for (int attempt = 1; !role(replica).equals("master"); attempt++) {
            replica.command("CLUSTER", "FAILOVER");
            try {
                Await.until("replica on port " + replica.port() + " to become a master", Duration.ofSeconds(10),
                        () -> role(replica).equals("master"));
            } catch (AssertionError notYet) {
                if (attempt == 3) {
                    throw notYet; // a manual failover that times out is aborted by Redis: it was asked three times
                }
            }
        }
        Await.until("the old master on port " + masterPort + " to follow the new one", WAIT,
                () -> role(master).equals("slave"));
        awaitHealthy();
    }

    /**
     * Kills {@code master} with SIGKILL and waits until one of its replicas has taken over (after
     * {@code cluster-node-timeout} and an election) and the others see the cluster healthy again. Returns the new
     * master; the killed node rejoins as a replica when {@link RedisServer#restart() restarted}.
     */
    public RedisServer killMaster(RedisServer master) {
        List<RedisServer> replicas = replicasOf(master);
        if (replicas.isEmpty()) {
            throw new IllegalStateException("the master on port " + master.port() + " has no replica to take over");
        }
        master.kill();
        RedisServer promoted = Await.value("a replica of port " + master.port() + " to take over", WAIT,
                () -> replicas.stream().filter(r -> role(r).equals("master")).findFirst().orElse(null));
        awaitHealthy();
        return promoted;
    }

    /**
     * Waits until every running node reports the cluster ok, all 16384 slots served, and every running replica is
     * connected to its master.
     */
    public void awaitHealthy() {
        try {
            Await.until("the cluster to be healthy on every running node", WAIT, () -> nodes.stream()
                    .filter(RedisServer::isRunning).allMatch(RedisCluster::healthy));
        } catch (AssertionError e) {
            StringBuilder sb = new StringBuilder(e.getMessage()).append("; unhealthy:");
            for (RedisServer n : nodes) {
                if (n.isRunning() && !healthy(n)) {
                    sb.append("\nport ").append(n.port()).append(": ").append(n.command("ROLE")).append('\n')
                            .append(n.command("CLUSTER", "NODES"));
                }
            }
            throw new AssertionError(sb.toString(), e);
        }
    }

    private static boolean healthy(RedisServer n) {
        try {
            String info = (String) n.command("CLUSTER", "INFO");
            List<?> role = (List<?>) n.command("ROLE");
            return info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384")
                    && (role.get(0).equals("master") || role.get(3).equals("connected"));
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }
}
