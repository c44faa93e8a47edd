package dev.drafthorse.rows;

import java.util.Locale;

/**
 * What is computed for a row: generated text, the log-probability of candidate continuations, or an embedding vector.
 */
public enum RowMode {
    GENERATE,
    SCORE,
    EMBED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code generate}, {@code score} or {@code embed}; the message names {@code what} (an option or a key). */
    public static RowMode parse(String what, String v) {
        for (RowMode m : values()) {
            if (m.label().equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException(what + " must be generate, score or embed, got '" + v + "'");
    }
}
