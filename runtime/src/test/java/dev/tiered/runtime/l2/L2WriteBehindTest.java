package dev.tiered.runtime.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.runtime.RedisRuntimes;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.MethodStats;
import dev.tiered.testkit.RedisServer;

/** Results reach L2 behind the calls that computed them: batched, bounded, drained on close, never thrown. */
class L2WriteBehindTest {
    private static final Duration WAIT = RedisRuntimes.WAIT;
    @RegisterExtension
    final RedisRuntimes runtimes = new RedisRuntimes("w");
    private final MethodStats stats = new MethodStats();

    /** The shared tier of a runtime on {@code redis}, closed after the test. */
    private L2 l2(RedisServer redis, String... settings) {
        TieredConfig config = runtimes.config(redis, settings);
        return runtimes.closing(new L2(config, new Redis(config, "test"), new FaultReporter()));
    }

    /** An entry stamped with version 1 of the version key {@link #stamp}. */
    private Redis.Store store(int i) {
        String prefix = runtimes.prefix();
        return new Redis.Store(prefix + ":e:x:" + i, new byte[100], 60_000, prefix + ":l:x:" + i, "",
                prefix + ":k:x", 1, 60_000);
    }

    /** Sets the version key the entries are stamped with, so that Redis stores them. */
    private void stamp(RedisServer redis) {
        redis.command("SET", runtimes.prefix() + ":k:x", "1");
    }

    private int entries(RedisServer redis) {
        return ((List<?>) redis.command("KEYS", runtimes.prefix() + ":e:*")).size();
    }

    @Test
    void aFullQueueKeepsResultsInL1OnlyAndCountsThem() throws Exception {
        RedisServer redis = runtimes.own(RedisServer.start());
        L2 l2 = l2(redis, "tiered.l2.writeBehindBytes", "150", "tiered.redis.timeout", "5s");
        stamp(redis);
        redis.freeze(); // the first write is taken and waits on Redis; nothing queued behind it is taken
        try {
            l2.write(store(1), stats); // alone over the bound: accepted, never starved
            l2.write(store(2), stats); // 200 bytes waiting > 150: kept out of L2
            assertEquals(1, stats.notStored.sum());
            assertFalse(l2.awaitWrites(Duration.ofMillis(100)), "the first write waits for Redis");
        } finally {
            redis.thaw();
        }
        assertTrue(l2.awaitWrites(WAIT));
        assertEquals(List.of(runtimes.prefix() + ":e:x:1"), redis.command("KEYS", runtimes.prefix() + ":e:*"));
        assertEquals(0, stats.l2Errors.sum());
    }

    @Test
    void closingLandsWhatIsQueued() throws Exception {
        RedisServer redis = RedisServer.shared();
        L2 l2 = l2(redis);
        stamp(redis);
        for (int i = 0; i < 2000; i++) {
            l2.write(store(i), stats);
        }
        l2.close();
        assertEquals(2000, entries(redis));
        assertEquals(0, stats.notStored.sum() + stats.l2Errors.sum());
    }

    @Test
    void writesThatFailAreCountedAndLaterOnesLand() throws Exception {
        RedisServer redis = runtimes.own(RedisServer.start());
        L2 l2 = l2(redis);
        redis.stop();
        l2.write(store(1), stats);
        assertTrue(l2.awaitWrites(WAIT));
        assertEquals(1, stats.l2Errors.sum());
        redis.restart();
        stamp(redis);
        l2.write(store(2), stats);
        assertTrue(l2.awaitWrites(WAIT));
        assertEquals(List.of(runtimes.prefix() + ":e:x:2"), redis.command("KEYS", runtimes.prefix() + ":e:*"));
    }
}
