package dev.drafthorse.kernels.generate;

import dev.drafthorse.kernels.options.FinishReason;

/**
 * One finished generation.
 *
 * @param text the generated text (not the prompt), cut at a stop string
 * @param tokens the generated token ids (an end-of-generation token is not included)
 * @param finish why it ended
 * @param promptTokens tokens in the prompt, BOS included
 * @param prefillNanos wall time of the prompt's forward passes
 * @param decodeNanos wall time of generation after prefill
 * @param draftProposed drafted tokens verified (speculation; 0 otherwise)
 * @param draftAccepted drafted tokens accepted
 * @param targetPasses the target's forward passes during generation, prefill excluded
 */
public record GenerationResult(
        String text,
        int[] tokens,
        FinishReason finish,
        int promptTokens,
        long prefillNanos,
        long decodeNanos,
        int draftProposed,
        int draftAccepted,
        int targetPasses) {

    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : tokens.length * 1e9 / decodeNanos;
    }
}
