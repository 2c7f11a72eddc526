package dev.tiered.runtime.observe;

import java.math.BigDecimal;

/**
 * Writes the Prometheus text exposition format, version 0.0.4: a family is announced by its {@code # HELP} and
 * {@code # TYPE} lines, then its samples follow, one per line, {@code name{label="value",...} number}. Label values
 * and help texts are escaped as the format requires. Not thread-safe; one instance writes one scrape.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(4096);

    /** Starts a family; {@code type} is {@code counter}, {@code gauge}, {@code summary} or {@code histogram}. */
    PrometheusText family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** One sample; {@code labels} are name, value pairs. */
    PrometheusText sample(String name, double value, String... labels) {
        out.append(name);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(labels[i]).append("=\"").append(escapeLabel(labels[i + 1])).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
        return this;
    }

    /** A label value with backslash, double quote and line feed escaped. */
    static String escapeLabel(String value) {
        return escape(value, true);
    }

    /** A help text with backslash and line feed escaped (a double quote stays as it is). */
    static String escapeHelp(String text) {
        return escape(text, false);
    }

    private static String escape(String s, boolean quote) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String replacement = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : quote && c == '"' ? "\\\"" : null;
            if (replacement != null && sb == null) {
                sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (sb != null) {
                if (replacement != null) {
                    sb.append(replacement);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    /**
     * A value as Prometheus parses it: {@code NaN}, {@code +Inf}, {@code -Inf}, whole numbers without a decimal
     * point, others in plain decimal notation when that is short, else in scientific notation.
     */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        double abs = Math.abs(value);
        if (value == Math.rint(value) && abs < 1e15) {
            return Long.toString((long) value);
        }
        if (abs >= 1e-9 && abs < 1e15) {
            return BigDecimal.valueOf(value).toPlainString();
        }
        return Double.toString(value);
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
