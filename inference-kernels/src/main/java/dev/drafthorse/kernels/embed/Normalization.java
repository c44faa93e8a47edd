package dev.drafthorse.kernels.embed;

import java.util.Locale;

/**
 * What a pooled vector is divided by, as llama.cpp's {@code common_embd_normalize} (llama-embedding's
 * {@code --embd-normalize}: -1 none, 2 Euclidean, the default). The norm is summed in double and its reciprocal
 * rounded to float before the multiply, as there; a zero vector stays zero.
 */
public enum Normalization {
    /** The vector as pooled ({@code --embd-normalize -1}). */
    NONE,
    /** Divided by its Euclidean length, so a dot product is the cosine similarity ({@code --embd-normalize 2}). */
    L2;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Normalizes {@code n} floats of {@code v} from {@code off} in place. */
    public void apply(float[] v, int off, int n) {
        if (this == NONE) {
            return;
        }
        double sum = 0;
        for (int i = off; i < off + n; i++) {
            sum += (double) v[i] * v[i];
        }
        sum = Math.sqrt(sum);
        float norm = sum > 0 ? (float) (1.0 / sum) : 0f;
        for (int i = off; i < off + n; i++) {
            v[i] *= norm;
        }
    }

    /** Parses {@code none} or {@code l2}; the message names {@code what}. */
    public static Normalization parse(String what, String v) {
        for (Normalization m : values()) {
            if (m.label().equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException(what + " must be l2 or none, got '" + v + "'");
    }
}
