package dev.drafthorse.ensemble.data;

import java.util.List;

/**
 * One parsed line of an {@code infer} output.
 *
 * <p>Generate mode carries {@code text}, {@code tokens} and {@code finishReason}; score mode carries
 * {@code candidates}, each with a probability normalized over the row's candidates. Unknown JSON fields are
 * ignored.
 *
 * @param id           row id
 * @param line         1-based line number in its source
 * @param promptTokens prompt length in tokens, or {@code null} when absent
 * @param text         generated text (generate mode), else {@code null}
 * @param tokens       generated tokens (generate mode), else {@code null}
 * @param finishReason {@code eos | stop | length | context} (generate mode), else {@code null}
 * @param candidates   scored candidates (score mode), else {@code null}
 */
public record InferRecord(
        String id,
        long line,
        Integer promptTokens,
        String text,
        Integer tokens,
        String finishReason,
        List<Candidate> candidates) {

    /**
     * One scored candidate.
     *
     * @param name    the candidate text
     * @param logprob its total log-probability (natural log)
     * @param prob    its probability normalized over the row's candidates
     * @param tokens  its length in tokens, or {@code null} when absent
     */
    public record Candidate(String name, double logprob, double prob, Integer tokens) {}

    public boolean isScore() {
        return candidates != null;
    }
}
