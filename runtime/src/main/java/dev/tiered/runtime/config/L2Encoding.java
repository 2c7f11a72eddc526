package dev.tiered.runtime.config;

import java.util.Locale;

/** How results that are not a simple value (a string, a number, bytes) are encoded for L2: {@code tiered.codec}. */
public enum L2Encoding {
    /** Java serialization for a {@code Serializable} value, the field encoding for any other. */
    AUTO,
    /** The field encoding for every value; Java serialization is neither written nor read. */
    FIELDS,
    /** Java serialization only: a value that is not {@code Serializable} stays in L1. */
    JAVA;

    static final String FORM = "auto, fields or java";

    static L2Encoding parse(String text) {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }
}
