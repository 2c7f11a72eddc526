package dev.tiered.runtime;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;

import dev.tiered.runtime.stats.FaultReporter;

/**
 * Records a sample of the cached calls to a file ({@code tiered.trace}), for the eviction simulator to replay
 * ({@code EvictionSimulator}): every call of one key in {@link #SAMPLE} (by the key's hash, so that each sampled key's
 * reuse is whole), as a hit, or as a miss with its load time and the estimated bytes of its entry. Keys are hashed,
 * never written. Bounded in cost and size: a call hands a record to a queue of {@link #QUEUE} and a daemon thread
 * writes it; a full queue drops the record (counted), and the file stops growing at {@link #MAX_BYTES} (logged once).
 *
 * <p>Format (big-endian, {@link DataOutputStream}): the magic {@link #MAGIC}, then records, each starting with its
 * kind: {@code 0} a method, {@code short id, UTF name}; {@code 1} a hit, {@code int millis, short method, long key};
 * {@code 2} a miss, the same then {@code int loadMicros, int bytes}. Times count from the start of the recording.
 */
final class CallRecorder implements AutoCloseable {
    static final String MAGIC = "TIERED-TRACE-1\n";
    static final int SAMPLE = 16;
    static final int QUEUE = 65_536;
    static final long MAX_BYTES = 64L << 20;
    private static final Logger LOG = FaultReporter.LOG;
    private static final long[] END = new long[0];

    private final Path file;
    private final long startNanos = System.nanoTime();
    private final BlockingQueue<long[]> queue = new ArrayBlockingQueue<>(QUEUE);
    private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final ConcurrentHashMap<Integer, String> names = new ConcurrentHashMap<>();
    final LongAdder dropped = new LongAdder();
    final LongAdder written = new LongAdder();
    private final Thread writer;

    private CallRecorder(Path file) {
        this.file = file;
        this.writer = new Thread(this::write, "tiered-trace");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** A recorder writing to {@code file}, or {@code null} (logged) if it cannot be created. */
    static CallRecorder to(Path file) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file);
        } catch (IOException | RuntimeException e) {
            LOG.warn("no trace recorded: cannot create {} ({}); set tiered.trace to a file tiered may write", file,
                    e.toString());
            return null;
        }
        LOG.info("recording every call of one key in {} to {} (at most {} MB)", SAMPLE, file, MAX_BYTES >> 20);
        return new CallRecorder(file);
    }

    /** Whether calls of this key are recorded: the cost of a call of another key is this hash and this test. */
    static boolean sampled(Object key) {
        return (mix(key.hashCode()) & (SAMPLE - 1)) == 0;
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        return h ^ (h >>> 13);
    }

    private int id(String method) {
        Integer id = ids.get(method);
        if (id == null) {
            id = ids.computeIfAbsent(method, m -> {
                int next = nextId.getAndIncrement();
                names.put(next, m);
                return next;
            });
        }
        return id;
    }

    void hit(String method, Object key) {
        offer(new long[] {1, elapsedMillis(), id(method), keyHash(key)});
    }

    void miss(String method, Object key, long loadNanos, long bytes) {
        offer(new long[] {2, elapsedMillis(), id(method), keyHash(key), loadNanos / 1000, bytes});
    }

    private long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** 64 bits of the key's identity: its hash and its string form's, as stable as the key's own. */
    private static long keyHash(Object key) {
        return ((long) key.hashCode() << 32) ^ (key.toString().hashCode() & 0xffffffffL);
    }

    private void offer(long[] record) {
        if (!queue.offer(record)) {
            dropped.increment();
        }
    }

    private void write() {
        long bytes = MAGIC.length();
        boolean full = false;
        java.util.Set<Integer> named = new java.util.HashSet<>();
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file),
                1 << 16))) {
            out.writeBytes(MAGIC);
            while (true) {
                long[] r = queue.poll(200, TimeUnit.MILLISECONDS);
                if (r == END) {
                    break;
                }
                if (r == null) {
                    out.flush();
                    continue;
                }
                if (full) {
                    dropped.increment();
                    continue;
                }
                int method = (int) r[2];
                if (named.add(method)) {
                    String name = names.get(method);
                    out.writeByte(0);
                    out.writeShort(method);
                    out.writeUTF(name);
                    bytes += 5 + name.length();
                }
                out.writeByte((int) r[0]);
                out.writeInt((int) r[1]);
                out.writeShort(method);
                out.writeLong(r[3]);
                bytes += 15;
                if (r[0] == 2) {
                    out.writeInt((int) Math.min(Integer.MAX_VALUE, r[4]));
                    out.writeInt((int) Math.min(Integer.MAX_VALUE, r[5]));
                    bytes += 8;
                }
                written.increment();
                if (bytes >= MAX_BYTES) {
                    full = true;
                    LOG.info("trace {} reached {} MB: no more calls are recorded", file, MAX_BYTES >> 20);
                }
            }
        } catch (IOException e) {
            LOG.warn("trace {} stopped: {}", file, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes what is queued and closes the file. */
    @Override
    public void close() {
        try {
            if (!queue.offer(END, 5, TimeUnit.SECONDS)) {
                writer.interrupt(); // stuck or gone: what is queued is lost with it
            }
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
