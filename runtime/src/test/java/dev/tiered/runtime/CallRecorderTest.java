package dev.tiered.runtime;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tiered.Tier;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l1.Keys;
import dev.tiered.runtime.l1.MethodL1;

/**
 * {@code tiered.trace}: one key in sixteen is recorded, every call of it, hits as they come and misses with their
 * load time and entry bytes, in the format the eviction simulator reads.
 */
class CallRecorderTest {
    @TempDir
    Path dir;

    @Test
    void everyCallOfASampledKeyIsRecordedAndNothingOfTheOthers() throws Exception {
        Path file = dir.resolve("calls.trace");
        int keys = 1_000;
        try (TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of("tiered.trace", file.toString()),
                Map.of()))) {
            CachedMethod find = runtime.register(Specs.of(Fixtures.Catalog.class, "find", "10m", Tier.L1, "c"));
            for (int round = 0; round < 3; round++) {
                for (long key = 0; key < keys; key++) {
                    long k = key;
                    call(find, () -> "value-" + k, key);
                }
            }
        }
        int sampled = 0;
        for (long key = 0; key < keys; key++) {
            sampled += CallRecorder.sampled(Keys.of1(key)) ? 1 : 0;
        }
        assertTrue(sampled > keys / 32 && sampled < keys / 8, sampled + " keys of " + keys + " sampled");
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            byte[] magic = new byte[CallRecorder.MAGIC.length()];
            in.readFully(magic);
            assertEquals(CallRecorder.MAGIC, new String(magic, java.nio.charset.StandardCharsets.US_ASCII));
            int hits = 0;
            int misses = 0;
            Set<Long> missed = new HashSet<>();
            int kind;
            while ((kind = in.read()) >= 0) {
                if (kind == 0) {
                    assertEquals(0, in.readShort());
                    assertTrue(in.readUTF().endsWith("Fixtures$Catalog.find(long)"));
                    continue;
                }
                in.readInt();
                assertEquals(0, in.readShort());
                long key = in.readLong();
                if (kind == 1) {
                    hits++;
                } else {
                    assertEquals(2, kind);
                    misses++;
                    assertTrue(missed.add(key), "one miss per key: the rest are hits");
                    assertTrue(in.readInt() >= 0, "load micros");
                    assertTrue(in.readInt() > MethodL1.ENTRY_OVERHEAD_BYTES, "entry bytes: key, value, bookkeeping");
                }
            }
            assertEquals(sampled, misses);
            assertEquals(2 * sampled, hits, "the second and third rounds hit");
        }
    }
}
