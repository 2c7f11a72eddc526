package dev.tiered.bench;

import java.nio.file.Path;
import java.time.Duration;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;

/**
 * Case 7: two JVMs with the agent on one Redis; one bumps a namespace {@code bumps} times, a millisecond apart, and
 * the other reports the lag its agent measured for them, to within the 12.5% of the agent's lag histogram.
 */
final class PropagationLag {
    record Result(long received, double p50Millis, double p99Millis, double maxMillis) {}

    private PropagationLag() {}

    static Result measure(Path agentJar, String redisUri, int bumps) {
        try (JvmProcess writer = node("lag-writer", agentJar, redisUri);
             JvmProcess reader = node("lag-reader", agentJar, redisUri)) {
            Duration start = Duration.ofSeconds(60);
            Await.until("both JVMs to connect their invalidation bus", start,
                    () -> "true".equals(writer.request("ready")) && "true".equals(reader.request("ready")));
            String done = writer.request("bump " + bumps + " 1000", Duration.ofMinutes(10));
            if (!done.equals("done")) {
                throw new IllegalStateException("the writer answered " + done + "\n" + writer.transcript());
            }
            String[] lag = Await.value("the reader to receive every bump", Duration.ofSeconds(30), () -> {
                String[] words = reader.request("lag").split(" ");
                return Long.parseLong(words[0]) >= bumps ? words : null;
            });
            return new Result(Long.parseLong(lag[0]), Double.parseDouble(lag[1]), Double.parseDouble(lag[2]),
                    Double.parseDouble(lag[3]));
        }
    }

    private static JvmProcess node(String name, Path agentJar, String redisUri) {
        return JvmProcess.builder(name)
                .javaagent(agentJar)
                .property("tiered.redis.uri", redisUri)
                .property("tiered.redis.keyPrefix", "lag")
                .classpath(java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                        .map(Path::of).toList())
                .main(LagNode.class.getName())
                .start();
    }
}
