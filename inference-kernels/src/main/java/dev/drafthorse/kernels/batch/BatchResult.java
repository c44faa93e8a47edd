package dev.drafthorse.kernels.batch;

import dev.drafthorse.kernels.options.FinishReason;

/**
 * A finished sequence.
 *
 * @param id the request's id
 * @param text the generated text (cut at a stop string)
 * @param tokens generated token ids
 * @param finish why it ended
 * @param stats what it cost
 */
public record BatchResult(String id, String text, int[] tokens, FinishReason finish, SequenceStats stats) {}
