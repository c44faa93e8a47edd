package dev.drafthorse.kernels.embed;

import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import java.util.Locale;

/**
 * How a text's final hidden states (T, D) become one vector (D), as llama.cpp's {@code llama_pooling_type}; the
 * codes are its enum's, as stored in a GGUF's {@code <arch>.pooling_type}.
 *
 * <p>For a decoder-only model (causal attention) {@link #CLS} is the first position's state: with a BOS token that is
 * the same vector for every text, so it is meaningful only for models trained for it. {@link #LAST} sees the whole text
 * and is the usual choice of decoder embedding models (its GGUF says so); {@link #MEAN} averages every position.
 */
public enum Pooling {
    /** One vector per token (llama.cpp's default for a decoder model whose GGUF names no pooling). */
    NONE(0),
    /** The mean of every position's state. */
    MEAN(1),
    /** The first position's state. */
    CLS(2),
    /** The last position's state. */
    LAST(3);

    /** llama.cpp's code of rank pooling (a reranker's classification head), which this engine does not run. */
    static final int RANK = 4;

    private final int code;

    Pooling(int code) {
        this.code = code;
    }

    /** llama.cpp's enum value. */
    public int code() {
        return code;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The pooling the GGUF names in {@code <arch>.pooling_type}, or null when it names none (no key, or 0). Rank
     * pooling and unknown codes are refused with the key and the value.
     */
    public static Pooling fromGguf(GgufFile file, String architecture) throws GgufException {
        String key = architecture + ".pooling_type";
        if (!file.has(key)) {
            return null;
        }
        long v = file.getLong(key);
        for (Pooling p : values()) {
            if (p.code == v) {
                return p == NONE ? null : p;
            }
        }
        if (v == RANK) {
            throw new GgufException(
                    String.valueOf(file.path()),
                    key,
                    "4 (rank: a reranker's classification head) is not supported;"
                            + " embeddings pool by mean, cls or last");
        }
        throw new GgufException(
                String.valueOf(file.path()), key, v + " is not a pooling type (0 none, 1 mean, 2 cls, 3 last, 4 rank)");
    }

    /** Parses {@code none}, {@code mean}, {@code cls} or {@code last}; the message names {@code what} (an option or key). */
    public static Pooling parse(String what, String v) {
        for (Pooling p : values()) {
            if (p.label().equals(v)) {
                return p;
            }
        }
        throw new IllegalArgumentException(what + " must be mean, last, cls or none, got '" + v + "'");
    }
}
