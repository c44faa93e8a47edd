package dev.drafthorse.kernels.train;

import java.util.List;

/**
 * Mean accepted length per target pass of greedy speculative decoding with trained heads, computed
 * offline on greedy sequences (held-out prompts and the model's greedy continuations, with their hidden
 * states). Greedy verification is exact, so the decoder's trajectory is this sequence: a pass at position
 * p yields the base's token t_{p+1} and accepts the heads' guesses for t_{p+2}, t_{p+3}, … as long as each
 * is among the head's top {@code width} candidates (a full tree of width^K nodes; width 1 is a single
 * chain), and the next pass starts after the last accepted token.
 *
 * <p>For Medusa this is exactly what a tree verifier accepts on these sequences. For MTP the modules'
 * guesses are teacher-forced (module d sees the true tokens at earlier positions), an estimate for
 * depths beyond 1 where a decoder has only its drafted tokens.
 */
public final class Acceptance {
    private Acceptance() {}

    /**
     * @param passes target passes over the generated tokens
     * @param tokens tokens those passes produced
     * @param headHits (K) passes in which head k's guess was accepted
     */
    public record Report(long passes, long tokens, long[] headHits) {
        /** Tokens per target pass: 1 for no speculation. */
        public double meanAccepted() {
            return passes == 0 ? 0 : tokens / (double) passes;
        }
    }

    public static Report medusa(MedusaTrainer heads, List<TrainingSequence> greedy, int width) {
        long passes = 0;
        long tokens = 0;
        long[] hits = new long[heads.count()];
        int d = heads.base().dim();
        for (TrainingSequence s : greedy) {
            int p = s.start();
            while (p + 1 < s.length()) {
                passes++;
                int accepted = 1;
                for (int k = 0; k < heads.count() && p + 2 + k < s.length(); k++) {
                    double[] logits = heads.logits(k, s.hidden(), p * d);
                    if (!inTop(logits, s.tokens()[p + 2 + k], width)) {
                        break;
                    }
                    hits[k]++;
                    accepted++;
                }
                tokens += accepted;
                p += accepted;
            }
        }
        return new Report(passes, tokens, hits);
    }

    public static Report mtp(MtpTrainer modules, List<TrainingSequence> greedy) {
        long passes = 0;
        long tokens = 0;
        long[] hits = new long[modules.count()];
        for (TrainingSequence s : greedy) {
            int[][] pred = modules.predict(s);
            int p = s.start();
            while (p + 1 < s.length()) {
                passes++;
                int accepted = 1;
                for (int k = 0; k < modules.count() && p + 2 + k < s.length(); k++) {
                    if (pred[k][p] != s.tokens()[p + 2 + k]) {
                        break;
                    }
                    hits[k]++;
                    accepted++;
                }
                tokens += accepted;
                p += accepted;
            }
        }
        return new Report(passes, tokens, hits);
    }

    /** True when fewer than {@code width} logits beat the target's (ties count for the target). */
    static boolean inTop(double[] logits, int target, int width) {
        int better = 0;
        for (double x : logits) {
            if (x > logits[target] && ++better >= width) {
                return false;
            }
        }
        return true;
    }

    /**
     * As {@link #medusa} with a static candidate tree: at each depth the head's guess is accepted when the
     * path of ranks (rank of the true token among head 0's candidates, then head 1's, …) is a node of the
     * tree. This is what tree verification with {@code spec} accepts (ties aside).
     */
    public static Report medusaTree(
            MedusaTrainer heads, List<TrainingSequence> greedy, dev.drafthorse.kernels.speculative.TreeSpec spec) {
        java.util.Set<String> nodes = new java.util.HashSet<>();
        for (int i = 0; i < spec.size(); i++) {
            StringBuilder path = new StringBuilder();
            for (int n = i; n >= 0; n = spec.parent(n)) {
                path.insert(0, spec.rank(n) + ",");
            }
            nodes.add(path.toString());
        }
        long passes = 0;
        long tokens = 0;
        long[] hits = new long[heads.count()];
        int d = heads.base().dim();
        for (TrainingSequence s : greedy) {
            int p = s.start();
            while (p + 1 < s.length()) {
                passes++;
                int accepted = 1;
                StringBuilder path = new StringBuilder();
                for (int k = 0; k < Math.min(heads.count(), spec.depth()) && p + 2 + k < s.length(); k++) {
                    double[] logits = heads.logits(k, s.hidden(), p * d);
                    path.append(rank(logits, s.tokens()[p + 2 + k])).append(',');
                    if (!nodes.contains(path.toString())) {
                        break;
                    }
                    hits[k]++;
                    accepted++;
                }
                tokens += accepted;
                p += accepted;
            }
        }
        return new Report(passes, tokens, hits);
    }

    /** The target's rank among the logits, best first, ties to the lower id (as the decoder's top-k). */
    static int rank(double[] logits, int target) {
        int r = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > logits[target] || logits[i] == logits[target] && i < target) {
                r++;
            }
        }
        return r;
    }
}
