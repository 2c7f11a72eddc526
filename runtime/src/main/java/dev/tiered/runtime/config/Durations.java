package dev.tiered.runtime.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the duration syntax shared by annotations and properties. */
public final class Durations {
    /** How an accepted duration looks, for error messages. */
    public static final String ACCEPTED_FORM =
            "a positive whole number with a unit ms, s, m, h or d (\"500ms\", \"30s\", \"10m\", \"2h\", \"1d\") "
                    + "or an ISO-8601 duration (\"PT10M\")";

    private static final Pattern SHORT = Pattern.compile("(\\d{1,18})(ms|s|m|h|d)");

    private Durations() {}

    /**
     * Parses {@code text} as a positive duration.
     *
     * @throws IllegalArgumentException if the text is not of the {@linkplain #ACCEPTED_FORM accepted form} or not
     *     positive; the message quotes the text and states the accepted form
     */
    public static Duration parse(String text) {
        Duration parsed = tryParse(text == null ? "" : text.trim());
        if (parsed == null || parsed.isNegative() || parsed.isZero()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a positive duration; use " + ACCEPTED_FORM);
        }
        return parsed;
    }

    private static Duration tryParse(String text) {
        Matcher m = SHORT.matcher(text);
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            try {
                switch (m.group(2)) {
                    case "ms": return Duration.ofMillis(amount);
                    case "s": return Duration.ofSeconds(amount);
                    case "m": return Duration.ofMinutes(amount);
                    case "h": return Duration.ofHours(amount);
                    default: return Duration.ofDays(amount);
                }
            } catch (ArithmeticException tooLarge) {
                return null;
            }
        }
        if (text.length() > 1 && (text.charAt(0) == 'P' || text.charAt(0) == 'p')) {
            try {
                return Duration.parse(text);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }

    /** The shortest of the short forms that states {@code d} exactly, for logs ("10m", "1500ms"). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (d.toNanos() % 1_000_000 != 0) {
            return d.toString();
        }
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
