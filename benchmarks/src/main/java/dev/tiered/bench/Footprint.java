package dev.tiered.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import dev.tiered.testkit.JvmProcess;

/** Memory: runs {@link FootprintNode} in a JVM with the agent (serial collector, for an exact heap figure). */
final class Footprint {
    /** Heap bytes per L1 entry: through the agent without and with an entity key, and in raw Caffeine. */
    record Result(int entries, long agentBytes, long agentKeyedBytes, long caffeineBytes) {}

    private Footprint() {}

    static Result measure(Path agentJar, int entries) {
        try (JvmProcess node = JvmProcess.builder("footprint")
                .javaagent(agentJar)
                .jvmArg("-XX:+UseSerialGC")
                .jvmArg("-Xmx512m")
                .property("tiered.l1.maxEntries", String.valueOf(2 * entries))
                .classpath(Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                        .map(Path::of).toList())
                .main(FootprintNode.class.getName())
                .start()) {
            String[] bytes = node.request("measure " + entries, Duration.ofMinutes(2)).split(" ");
            return new Result(entries, Long.parseLong(bytes[0]), Long.parseLong(bytes[1]), Long.parseLong(bytes[2]));
        }
    }
}
