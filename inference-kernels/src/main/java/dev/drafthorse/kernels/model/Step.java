package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.attention.AttentionMask;

/**
 * One sequence's share of a forward pass: T new tokens appended after the {@code cache}'s committed
 * positions.
 *
 * @param cache the sequence's KV cache (the new keys/values go to slots [length, length + T))
 * @param tokens the T new token ids
 * @param positions RoPE positions of the new tokens, or null for length + i (tree verification passes
 *     depth-based positions)
 * @param mask which keys each new token sees, or null for causal
 * @param logits which rows get logits
 */
public record Step(KvCache cache, int[] tokens, int[] positions, AttentionMask mask, Logits logits) {

    /** Rows whose logits the pass computes. */
    public enum Logits {
        NONE,
        LAST,
        ALL
    }

    public static Step causal(KvCache cache, int[] tokens, Logits logits) {
        return new Step(cache, tokens, null, null, logits);
    }

    int logitRows() {
        return switch (logits) {
            case NONE -> 0;
            case LAST -> 1;
            case ALL -> tokens.length;
        };
    }
}
