package dev.tiered.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The harness's sentinels are real ones: they watch the master, fail it over to its replica, and take it back. */
class RedisSentinelsTest {
    @Test
    void threeSentinelsFailADeadMasterOverToItsReplica() {
        try (RedisSentinels set = RedisSentinels.start()) {
            for (RedisServer sentinel : set.sentinels()) {
                assertEquals(set.master().port(), set.masterPort(sentinel));
            }
            assertTrue(set.uri().startsWith("redis-sentinel://127.0.0.1:") && set.uri().endsWith("/tiered"),
                    set.uri());

            set.killMaster(set.master(), set.replica());
            set.master().restart();
            Await.until("the old master to come back as a replica", Duration.ofSeconds(30), () -> {
                try {
                    return ((List<?>) set.master().command("ROLE")).get(0).equals("slave");
                } catch (UncheckedIOException switching) {
                    return false; // a server turned into a replica closes the connections it had
                }
            });
        }
    }
}
