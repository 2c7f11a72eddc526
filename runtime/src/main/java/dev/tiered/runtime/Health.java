package dev.tiered.runtime;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Whether tiered caches, in one word and the reason: for the whole JVM ({@link TieredRuntime#health()}) or one
 * namespace ({@link TieredRuntime#health(dev.tiered.runtime.coherence.Namespace)}). Immutable.
 *
 * @param state  the state
 * @param cause  the reason in a few words, as in the log summary ({@code "Redis unreachable"}); empty when caching
 * @param detail the reason in full: since when, what Redis answered
 * @param wayOut what ends the state, or what an operator can do; empty when caching
 */
public record Health(State state, String cause, String detail, String wayOut) {
    /** The states, from best to worst. */
    public enum State {
        /** Calls are served by every tier their methods ask for. */
        CACHING,
        /** Calls are served by L1 and the method: L2 is not used, or invalidations from other JVMs may be late. */
        DEGRADED,
        /** Calls run the method: nothing cached is served. */
        UNCACHED;

        /** The state as operators read it: {@code caching}, {@code degraded}, {@code uncached}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static Health caching(String detail) {
        return new Health(State.CACHING, "", detail, "");
    }

    /** The state with its cause, as the log summary and the stats command show it: {@code degraded (L1 only: ...)}. */
    public String brief() {
        return state == State.CACHING ? state.label() : state.label() + " (" + cause + ")";
    }

    /** One line: the state, the reason and the way out. */
    @Override
    public String toString() {
        return state.label() + (cause.isEmpty() ? "" : " (" + cause + ")") + ": " + detail
                + (wayOut.isEmpty() ? "" : "; " + wayOut);
    }

    /** A moment as the reasons name it: UTC, to the second. */
    static String at(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
