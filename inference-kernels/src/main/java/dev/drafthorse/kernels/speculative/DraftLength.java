package dev.drafthorse.kernels.speculative;

/**
 * Chooses how many tokens to draft next from what speculation has earned so far.
 *
 * <p>With per-token acceptance rate α, drafting k tokens yields (1 − α^(k+1)) / (1 − α) tokens per
 * verification (Leviathan et al. 2023), at a cost of 1 + c·k target-pass equivalents, where c is the
 * measured cost of one drafted token (draft pass plus the extra verified position) relative to a plain
 * target pass. The length maximizing tokens per cost is used, up to {@code draftMax}. When no length
 * pays (low acceptance, or costly drafts as when the target's weights sit in cache), it falls to 0 —
 * plain decoding — and probes with one token every {@link #PROBE_EVERY} rounds so it can recover.
 */
public final class DraftLength {
    static final int PROBE_EVERY = 16;
    private static final double EMA = 0.2;

    private final int draftMax;
    private double alpha;
    private double cost;
    private int idleRounds;

    /**
     * @param draftMax the longest draft
     * @param alphaPrior initial acceptance estimate
     * @param costPrior initial cost of a drafted token relative to a target pass
     */
    public DraftLength(int draftMax, double alphaPrior, double costPrior) {
        this.draftMax = draftMax;
        this.alpha = alphaPrior;
        this.cost = costPrior;
    }

    /** The length of the next draft, in [0, draftMax]. */
    public int next() {
        int best = 0;
        double bestRate = 1.0; // plain decoding: one token per unit cost
        for (int k = 1; k <= draftMax; k++) {
            double tokens = alpha >= 1 ? k + 1 : (1 - Math.pow(alpha, k + 1)) / (1 - alpha);
            double rate = tokens / (1 + cost * k);
            if (rate > bestRate + 1e-9) {
                bestRate = rate;
                best = k;
            }
        }
        if (best == 0) {
            if (++idleRounds >= PROBE_EVERY) {
                idleRounds = 0;
                return 1;
            }
            return 0;
        }
        idleRounds = 0;
        return best;
    }

    /**
     * Records a verification: {@code accepted} of {@code proposed} drafted tokens. A round is a run of
     * successes ended by one failure (or by the end of the draft), so it counts accepted successes in
     * accepted + (rejected ? 1 : 0) trials.
     */
    public void observe(int proposed, int accepted) {
        if (proposed > 0) {
            int trials = accepted + (accepted < proposed ? 1 : 0);
            double perToken = (double) accepted / trials;
            alpha = Math.min(0.99, (1 - EMA) * alpha + EMA * perToken);
        }
    }

    /** Records the measured cost of a drafted token relative to a target pass. */
    public void observeCost(double relativeCost) {
        if (relativeCost >= 0 && Double.isFinite(relativeCost)) {
            cost = (1 - EMA) * cost + EMA * relativeCost;
        }
    }

    public double alpha() {
        return alpha;
    }

    public double cost() {
        return cost;
    }
}
