package dev.tiered.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.commands.JedisBinaryCommands;

/**
 * What the Redis baselines share: the server or cluster the benchmark run started, and plain Java serialization.
 */
final class Redis {
    /** Set by {@link BenchmarkMain} on every fork, with {@code tiered.redis.uri} pointing at the same server. */
    static final String URI_PROPERTY = "bench.redis.uri";
    /** The agent's key prefix in the benchmark JVMs. */
    static final String KEY_PREFIX = "bench";

    private Redis() {}

    /**
     * A client of what the agent in this fork talks to, as an application would use it by hand: for one server a
     * plain connection, no pool (the cheapest way to talk to Redis from Java); for a cluster Jedis's own cluster
     * client ({@code redis-cluster://host:port,...}), which routes each key to its master.
     */
    static Client connect() {
        String uri = System.getProperty(URI_PROPERTY);
        if (uri == null) {
            throw new IllegalStateException("-D" + URI_PROPERTY + " is not set: run the benchmarks through "
                    + "BenchmarkMain (mvn -B -DskipTests -Pbenchmarks verify), which starts redis-server");
        }
        String cluster = "redis-cluster://";
        if (!uri.startsWith(cluster)) {
            Jedis jedis = new Jedis(URI.create(uri));
            return new Client(jedis, List.of(jedis), jedis);
        }
        Set<HostAndPort> seeds = new HashSet<>();
        for (String node : uri.substring(cluster.length()).split(",")) {
            seeds.add(HostAndPort.from(node));
        }
        RedisClusterClient client = RedisClusterClient.create(seeds);
        List<Jedis> nodes = new ArrayList<>();
        for (ConnectionPool pool : client.getClusterNodes().values()) {
            Connection connection = pool.getResource();
            nodes.add(new Jedis(connection));
        }
        return new Client(client, nodes, () -> {
            nodes.forEach(Jedis::close);
            client.close();
        });
    }

    /** A baseline's client: its commands, a connection to every node, and how to close them all. */
    record Client(JedisBinaryCommands commands, List<Jedis> nodes, AutoCloseable resources)
            implements AutoCloseable {
        /** Waits (up to ten seconds) for the agent to have written one entry of a namespace on any node. */
        byte[] awaitEntry(String namespace) throws InterruptedException {
            byte[] pattern = (KEY_PREFIX + ":e:{" + namespace + "*").getBytes();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                for (Jedis node : nodes) {
                    Set<byte[]> keys = node.keys(pattern);
                    if (!keys.isEmpty()) {
                        return keys.iterator().next();
                    }
                }
                Thread.sleep(10);
            }
            throw new IllegalStateException("the agent wrote no entry of " + namespace + " to Redis: is it "
                    + "attached?");
        }

        @Override
        public void close() throws Exception {
            resources.close();
        }
    }

    static byte[] serialize(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Object deserialize(byte[] bytes, int offset) {
        try (ObjectInputStream in = new ObjectInputStream(
                new ByteArrayInputStream(bytes, offset, bytes.length - offset))) {
            return in.readObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where the Java serialization stream starts in a stored value (after tiered's stamp and envelope header). */
    static int streamStart(byte[] stored) {
        for (int i = 0; i + 1 < stored.length; i++) {
            if (stored[i] == (byte) 0xAC && stored[i + 1] == (byte) 0xED) {
                return i;
            }
        }
        throw new IllegalStateException("no Java serialization stream in the stored value");
    }
}
