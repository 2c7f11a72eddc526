package dev.tiered.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Set;

import redis.clients.jedis.Jedis;

/** What the Redis baselines share: the server the benchmark run started, and plain Java serialization. */
final class Redis {
    /** Set by {@link BenchmarkMain} on every fork, with {@code tiered.redis.uri} pointing at the same server. */
    static final String URI_PROPERTY = "bench.redis.uri";
    /** The agent's key prefix in the benchmark JVMs. */
    static final String KEY_PREFIX = "bench";

    private Redis() {}

    /** A plain connection, no pool: the cheapest way to talk to Redis from Java. */
    static Jedis connect() {
        String uri = System.getProperty(URI_PROPERTY);
        if (uri == null) {
            throw new IllegalStateException("-D" + URI_PROPERTY + " is not set: run the benchmarks through "
                    + "BenchmarkMain (mvn -B -DskipTests -Pbenchmarks verify), which starts redis-server");
        }
        return new Jedis(URI.create(uri));
    }

    /** Waits (up to ten seconds) for the agent to have written one entry of a namespace, and returns its key. */
    static byte[] awaitEntry(Jedis jedis, String namespace) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            Set<byte[]> keys = jedis.keys((KEY_PREFIX + ":e:{" + namespace + "*").getBytes());
            if (!keys.isEmpty()) {
                return keys.iterator().next();
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("the agent wrote no entry of " + namespace + " to Redis: is it attached?");
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
