package dev.drafthorse.kernels.batch;

/**
 * What one sequence cost.
 *
 * @param promptTokens prompt tokens (BOS included)
 * @param generatedTokens tokens generated
 * @param draftProposed drafted tokens sent to verification
 * @param draftAccepted drafted tokens the target accepted
 * @param targetPasses target forward passes this sequence took part in after its prompt (prefill excluded)
 * @param prefillNanos wall time from admission to the end of its prompt
 * @param decodeNanos wall time from the end of its prompt to its last token
 */
public record SequenceStats(
        int promptTokens,
        int generatedTokens,
        int draftProposed,
        int draftAccepted,
        int targetPasses,
        long prefillNanos,
        long decodeNanos) {

    /** Mean tokens produced per verification pass (1 without speculation). */
    public double tokensPerPass() {
        return targetPasses == 0 ? 0 : (double) generatedTokens / targetPasses;
    }

    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : generatedTokens * 1e9 / decodeNanos;
    }
}
