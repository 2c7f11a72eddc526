package dev.tiered.runtime.stats;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs problems that can repeat on every call at most once a minute per topic, with the number of repeats that
 * were not logged, so that a sick Redis or a bad method fills no disk.
 */
public final class FaultReporter {
    public static final Logger LOG = LoggerFactory.getLogger("tiered");
    private static final long INTERVAL = TimeUnit.MINUTES.toNanos(1);

    private final ConcurrentHashMap<String, Topic> topics = new ConcurrentHashMap<>();
    public final LongAdder total = new LongAdder();

    private static final class Topic {
        volatile long lastLogged;
        final LongAdder suppressed = new LongAdder();
    }

    public void warn(String topic, String message) {
        warn(topic, message, null);
    }

    /** Logs {@code message} at WARN unless {@code topic} was logged less than a minute ago. */
    public void warn(String topic, String message, Throwable cause) {
        total.increment();
        String line = limited(topic, message);
        if (line != null) {
            if (cause != null && LOG.isDebugEnabled()) {
                LOG.warn(line, cause);
            } else {
                LOG.warn(line);
            }
        }
    }

    public void debug(String topic, String message) {
        if (LOG.isDebugEnabled()) {
            String line = limited(topic, message);
            if (line != null) {
                LOG.debug(line);
            }
        }
    }

    private String limited(String topic, String message) {
        Topic t = topics.computeIfAbsent(topic, k -> new Topic());
        long now = System.nanoTime();
        long last = t.lastLogged;
        if (last != 0 && now - last < INTERVAL) {
            t.suppressed.increment();
            return null;
        }
        synchronized (t) {
            if (t.lastLogged != last) {
                t.suppressed.increment();
                return null;
            }
            t.lastLogged = now == 0 ? 1 : now;
        }
        long repeats = t.suppressed.sumThenReset();
        return repeats == 0 ? message : message + " (" + repeats + " more like it in the last minute)";
    }
}
