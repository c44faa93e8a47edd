package dev.drafthorse.rows;

import java.util.Locale;

/** What is computed for a row: generated text, or the log-probability of candidate continuations. */
public enum RowMode {
    GENERATE,
    SCORE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code generate} or {@code score}; the message names {@code what} (an option or a key). */
    public static RowMode parse(String what, String v) {
        for (RowMode m : values()) {
            if (m.label().equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException(what + " must be generate or score, got '" + v + "'");
    }
}
