package dev.tiered.runtime.coherence;

import java.util.regex.Pattern;

import dev.tiered.runtime.config.TieredConfig;

/**
 * One message on the invalidation channel, {@code "<namespace> <version> <origin> <sentAtMicros> <kind>"}, read
 * with suspicion: a message that is not exactly what a tiered JVM sends is refused, never adopted, so that nobody who
 * can publish to the channel can move a version out of range (past 2^53, where Lua's arithmetic fails, or to
 * {@code Long.MAX_VALUE}) or invalidate under a malformed name.
 *
 * @param namespace    a well-formed namespace, or {@code *} for a probe
 * @param version      the new version (of the entity, for {@link Kind#KEY}): 1 to 2^53 − 1
 * @param origin       the sending JVM: 8 hex digits
 * @param sentAtMicros the sender's clock when it sent the message
 * @param entity       the encoded entity of a keyed invalidation, else {@code null}
 */
record BusMessage(String namespace, long version, String origin, long sentAtMicros, Kind kind, String entity) {
    /** What a message says happened. */
    enum Kind {
        /** A write bumped the namespace. */
        BUMP,
        /** A version was started or raised (Redis lost data): not a write. */
        RESET,
        /** A keyed write bumped one entity. */
        KEY,
        /** A JVM proved that Redis takes its writes: nothing happened. */
        PROBE
    }

    /** The largest version: above it, Lua's doubles no longer count by one. */
    static final long MAX_VERSION = (1L << 53) - 1;
    private static final Pattern ORIGIN = Pattern.compile("[0-9a-f]{8}");

    /** The message a probe publishes. */
    static String probe(String origin, long sentAtMicros) {
        return "* 0 " + origin + " " + sentAtMicros + " probe";
    }

    /**
     * Reads a message.
     *
     * @throws IllegalArgumentException naming what is wrong, for a message tiered does not send
     */
    static BusMessage parse(String message) {
        // the entity of a keyed message is last and may contain spaces
        String[] parts = message.split(" ", 6);
        if (parts.length < 5) {
            throw new IllegalArgumentException("it has " + parts.length + " of the 5 parts");
        }
        Kind kind = switch (parts[4]) {
            case "bump" -> Kind.BUMP;
            case "reset" -> Kind.RESET;
            case "key" -> Kind.KEY;
            case "probe" -> Kind.PROBE;
            default -> throw new IllegalArgumentException("its kind \"" + parts[4] + "\" is unknown");
        };
        if (!ORIGIN.matcher(parts[2]).matches()) {
            throw new IllegalArgumentException("its origin is not 8 hex digits");
        }
        long sentAt = number(parts[3], "time");
        if (kind == Kind.PROBE) {
            return new BusMessage("*", 0, parts[2], sentAt, kind, null);
        }
        if (!TieredConfig.isNamespace(parts[0])) {
            throw new IllegalArgumentException("its namespace is malformed");
        }
        long version = number(parts[1], "version");
        if (version < 1 || version > MAX_VERSION) {
            throw new IllegalArgumentException("its version " + version + " is outside 1 to 2^53 - 1");
        }
        if ((kind == Kind.KEY) != (parts.length == 6)) {
            throw new IllegalArgumentException(kind == Kind.KEY ? "it names no entity" : "it has extra parts");
        }
        if (kind == Kind.KEY && parts[5].isEmpty()) {
            throw new IllegalArgumentException("its entity is empty");
        }
        return new BusMessage(parts[0], version, parts[2], sentAt, kind, kind == Kind.KEY ? parts[5] : null);
    }

    private static long number(String text, String what) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("its " + what + " is not a whole number");
        }
    }
}
