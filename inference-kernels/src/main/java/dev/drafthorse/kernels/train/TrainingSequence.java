package dev.drafthorse.kernels.train;

/**
 * One training example: a token sequence the base model produced and its final hidden states.
 *
 * @param tokens (T) the prompt then the generated tokens
 * @param hidden (T, D) the output-normed final hidden state of each position (row i predicts token i + 1)
 * @param start the first position whose predictions are trained (prompt length − 1: from there on, the
 *     tokens to predict are the model's own)
 */
public record TrainingSequence(int[] tokens, float[] hidden, int start) {
    public TrainingSequence {
        if (tokens.length == 0 || hidden.length % tokens.length != 0) {
            throw new IllegalArgumentException(
                    "hidden has " + hidden.length + " values for " + tokens.length + " tokens");
        }
        if (start < 0 || start >= tokens.length) {
            throw new IllegalArgumentException("start " + start + " outside [0, " + tokens.length + ")");
        }
    }

    public int length() {
        return tokens.length;
    }
}
