package dev.tiered.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.tiered.CacheKey;
import dev.tiered.Tier;
import dev.tiered.Tiered;
import dev.tiered.testkit.JvmProcess;

/**
 * Memory: the heap one L1 entry costs, measured in a JVM started with the agent by {@link Footprint}. Each way of
 * caching is filled with {@code count} entries under distinct {@code long} keys, all holding one shared value, and
 * the heap in use after a full collection is compared before and after: what remains per entry is the cache's
 * overhead plus the boxed key. Raw Caffeine with the same bound and expiry is measured the same way.
 *
 * <p>Commands on stdin, one reply each ({@link JvmProcess} protocol): {@code measure <count>}.
 */
public final class FootprintNode {
    private FootprintNode() {}

    @Tiered(ttl = "10m", tier = Tier.L1, namespace = "footprint")
    static Product plain(long id) {
        return Catalog.PRODUCT;
    }

    @Tiered(ttl = "10m", tier = Tier.L1, namespace = "footprint-keyed")
    static Product keyed(@CacheKey long id) {
        return Catalog.PRODUCT;
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.trim().split(" ");
            String reply;
            if (words[0].equals("measure")) {
                int count = Integer.parseInt(words[1]);
                plain(-1);
                keyed(-1); // each method's cache exists before it is measured
                Cache<Long, Product> caffeine = Caffeine.newBuilder().maximumSize(2L * count)
                        .expireAfterWrite(10, TimeUnit.MINUTES).build();
                reply = perEntry(count, id -> plain(id)) + " " + perEntry(count, id -> keyed(id)) + " "
                        + perEntry(count, id -> caffeine.put(id, Catalog.PRODUCT));
            } else {
                reply = "unknown command " + line;
            }
            System.out.println(JvmProcess.REPLY + reply);
        }
    }

    /** Bytes of heap per entry that {@code fill} adds, to the byte. */
    private static long perEntry(int count, LongConsumer fill) {
        long before = usedAfterGc();
        for (long id = 0; id < count; id++) {
            fill.accept(id);
        }
        long after = usedAfterGc();
        return Math.round((after - before) / (double) count);
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
