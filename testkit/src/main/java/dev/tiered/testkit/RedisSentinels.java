package dev.tiered.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A master, its replica and three sentinels watching them (quorum two), as real processes on free loopback ports.
 * A master that misses a second of pings is failed over to its replica within seconds.
 */
public final class RedisSentinels implements AutoCloseable {
    /** The name the sentinels know the master by. */
    public static final String MASTER_NAME = "tiered";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final RedisServer master;
    private final RedisServer replica;
    private final List<RedisServer> sentinels;
    private final List<Path> configs;

    private RedisSentinels(RedisServer master, RedisServer replica, List<RedisServer> sentinels, List<Path> configs) {
        this.master = master;
        this.replica = replica;
        this.sentinels = List.copyOf(sentinels);
        this.configs = List.copyOf(configs);
    }

    /** Starts them, and returns once the replica is in sync and every sentinel knows the master and its replica. */
    public static RedisSentinels start() {
        List<RedisServer> started = new ArrayList<>();
        List<Path> configs = new ArrayList<>();
        try {
            RedisServer master = RedisServer.start();
            started.add(master);
            RedisServer replica = RedisServer.start("--replicaof", "127.0.0.1", Integer.toString(master.port()));
            started.add(replica);
            List<RedisServer> sentinels = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path config = Files.createTempFile("tiered-sentinel-", ".conf");
                configs.add(config);
                Files.writeString(config, "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2\n"
                        + "sentinel down-after-milliseconds " + MASTER_NAME + " 1000\n"
                        + "sentinel failover-timeout " + MASTER_NAME + " 5000\n");
                RedisServer sentinel = RedisServer.startSentinel(config);
                started.add(sentinel);
                sentinels.add(sentinel);
            }
            RedisSentinels set = new RedisSentinels(master, replica, sentinels, configs);
            Await.until("the replica to be in sync with the master", WAIT,
                    () -> ((String) master.command("INFO", "replication")).contains("state=online"));
            Await.until("every sentinel to know the master and its replica", WAIT, () -> sentinels.stream()
                    .allMatch(s -> set.masterPort(s) == master.port()
                            && !((List<?>) s.command("SENTINEL", "REPLICAS", MASTER_NAME)).isEmpty()));
            return set;
        } catch (IOException | RuntimeException e) {
            started.forEach(RedisServer::close);
            configs.forEach(c -> c.toFile().delete());
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** {@code redis-sentinel://127.0.0.1:<port>,.../tiered}: every sentinel, and the master's name. */
    public String uri() {
        return "redis-sentinel://" + sentinels.stream().map(s -> "127.0.0.1:" + s.port())
                .collect(Collectors.joining(",")) + "/" + MASTER_NAME;
    }

    /** The server that was master at the start. */
    public RedisServer master() {
        return master;
    }

    /** The server that was its replica at the start. */
    public RedisServer replica() {
        return replica;
    }

    public List<RedisServer> sentinels() {
        return sentinels;
    }

    /** The port of the master as {@code sentinel} knows it now. */
    public int masterPort(RedisServer sentinel) {
        List<?> address = (List<?>) sentinel.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return Integer.parseInt(address.get(1).toString());
    }

    /**
     * Kills the master with SIGKILL and waits until every sentinel names {@code promoted} master and it acts as one.
     * The killed server comes back as a replica of the new master when {@link RedisServer#restart() restarted}, the
     * sentinels reconfiguring it.
     */
    public void killMaster(RedisServer current, RedisServer promoted) {
        current.kill();
        awaitPromoted(promoted);
    }

    /**
     * Asks a sentinel for a failover ({@code SENTINEL FAILOVER}) and waits until every sentinel names {@code promoted}
     * master and it acts as one. The old master stays master, with no replica, until the sentinels demote it, once it
     * has claimed to be master for eight seconds or more.
     */
    public void failover(RedisServer promoted) {
        sentinels.get(0).command("SENTINEL", "FAILOVER", MASTER_NAME);
        awaitPromoted(promoted);
    }

    /** Waits until every sentinel names {@code promoted} master and it acts as one. */
    public void awaitPromoted(RedisServer promoted) {
        Await.until("the sentinels to promote the server on port " + promoted.port(), WAIT,
                () -> sentinels.stream().allMatch(s -> masterPort(s) == promoted.port())
                        && ((List<?>) promoted.command("ROLE")).get(0).equals("master"));
    }

    @Override
    public void close() {
        sentinels.forEach(RedisServer::close);
        replica.close();
        master.close();
        configs.forEach(c -> c.toFile().delete());
    }
}
