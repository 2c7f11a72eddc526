package dev.tiered.runtime.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The size syntax of byte-valued properties: a whole number of bytes, or a whole number with a unit {@code KB},
 * {@code MB} or {@code GB}. Units are binary (1 KB = 1,024 bytes), as in the JVM's own {@code -Xmx64m}; {@code K},
 * {@code M}, {@code G} and {@code KiB}, {@code MiB}, {@code GiB} are accepted too, in any case.
 */
final class Bytes {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,19})\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)");

    private Bytes() {}

    /** The accepted form, for the one-line message about a malformed value. */
    static String form(long min, long max) {
        return "a number of bytes from " + format(min) + " to " + format(max)
                + ", optionally with a unit KB, MB or GB (1024-based: \"65536\", \"512KB\", \"64MB\")";
    }

    /**
     * Parses a size.
     *
     * @throws IllegalArgumentException if {@code text} is not of the accepted form, overflows, or is outside
     *     {@code [min, max]}
     */
    static long parse(String text, long min, long max) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not " + form(min, max));
        }
        int shift = switch (m.group(2)) {
            case "k", "kb", "kib" -> 10;
            case "m", "mb", "mib" -> 20;
            case "g", "gb", "gib" -> 30;
            default -> 0;
        };
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" is too large");
        }
        if (amount > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("\"" + text + "\" is too large");
        }
        long bytes = amount << shift;
        if (bytes < min || bytes > max) {
            throw new IllegalArgumentException("\"" + text + "\" is not " + form(min, max));
        }
        return bytes;
    }

    /** The shortest exact form: {@code 64MB} for 67,108,864, {@code 1000} for 1,000. */
    static String format(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return String.valueOf(bytes);
        }
        String[] units = {"GB", "MB", "KB"};
        int[] shifts = {30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes >= unit && bytes % unit == 0) {
                return (bytes >> shifts[i]) + units[i];
            }
        }
        return String.valueOf(bytes);
    }
}
