package dev.drafthorse.kernels.speculative;

import java.util.List;

/**
 * Where the candidates of Medusa trees come from: normally the Medusa heads over each sequence's last hidden
 * state; a test can inject an oracle proposer to drive deep acceptance, compaction and end-of-generation
 * inside a tree.
 */
@FunctionalInterface
public interface CandidateSource {
    /**
     * A sequence asking for candidates.
     *
     * @param index the sequence's request index
     * @param tokens its tokens: {@code tokens[0, total)} are the prompt and the tokens produced so far
     * @param total how many of {@code tokens} are valid; the last one is pending (not yet in the cache)
     */
    record Context(int index, int[] tokens, int total) {}

    /**
     * Candidates for every sequence of one step.
     *
     * @param sequences S sequences
     * @param hidden (S, D) each sequence's last hidden state
     * @param ranks ranks[k] candidates wanted from head k
     * @return top[s][k] = head k's candidates for sequence s, best first (ranks[k] of them)
     */
    int[][][] top(List<Context> sequences, float[] hidden, int[] ranks);
}
