package dev.drafthorse.kernels.speculative;

import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.Sampler;

/**
 * Verification of a drafted chain d_0 … d_{n−1} against the target's logits of the n + 1 positions after
 * the last verified token (row i predicts the token after d_{i−1}; row 0 the token after the pending one).
 *
 * <p><b>Greedy</b>: d_i is accepted while it equals the argmax of row i; the argmax of the first row not
 * matched follows. The tokens are exactly those of plain greedy decoding.
 *
 * <p><b>Sampled</b> (speculative sampling: Leviathan et al. 2023; Chen et al. 2023). With p the target's
 * and q the draft's sampling distributions at position i, d_i is accepted with probability
 * min(1, p(d_i)/q(d_i)); on the first rejection the next token is drawn from the residual
 * norm(max(0, p − q)), and when every draft is accepted a bonus token is drawn from row n. Each emitted
 * token is then distributed exactly as p: P(x) = q(x)·min(1, p(x)/q(x)) + (1 − Σ_d q(d)·min(1, p(d)/q(d)))
 * · residual(x) = min(q(x), p(x)) + max(0, p(x) − q(x)) = p(x). For n-gram lookup q is a point mass on d_i.
 */
public final class ChainAcceptance {
    private ChainAcceptance() {}

    /**
     * The result of verifying a chain.
     *
     * @param accepted drafted tokens accepted, a prefix of the chain (0 … n)
     * @param next the target's token after them: the correction on a rejection, else the bonus token
     */
    public record Outcome(int accepted, int next) {}

    /**
     * Greedy acceptance.
     *
     * @param logits (n + 1, V) the target's logits; row i follows the pending token and d_0 … d_{i−1}
     * @param drafts the chain; its first {@code n} entries are verified
     */
    public static Outcome greedy(float[] logits, int vocab, int[] drafts, int n) {
        int accepted = 0;
        while (accepted < n && Sampler.argmax(logits, accepted * vocab, vocab) == drafts[accepted]) {
            accepted++;
        }
        return new Outcome(accepted, Sampler.argmax(logits, accepted * vocab, vocab));
    }

    /**
     * Speculative sampling. Draws from {@code rng} in a fixed order: one uniform per verified position,
     * then one for the correction or the bonus token.
     *
     * @param logits (n + 1, V) the target's logits
     * @param drafts the chain; its first {@code n} entries are verified
     * @param draftDist per drafted token the draft's sampling distribution q (V), or null for a point mass on
     *     the drafted token (n-gram lookup)
     * @param sampler the target's sampling settings: p is its {@link Sampler#distribution}
     */
    public static Outcome sampled(
            float[] logits, int vocab, int[] drafts, int n, float[][] draftDist, Sampler sampler, Rng rng) {
        for (int i = 0; i < n; i++) {
            int d = drafts[i];
            float[] p = sampler.distribution(logits, i * vocab, vocab);
            float[] q = draftDist != null ? draftDist[i] : null;
            if (accepts(p[d], q != null ? q[d] : 1f, rng.nextFloat())) {
                continue;
            }
            float[] r = residual(p, q, d);
            // max(0, p − q) has no mass only when p ≤ q everywhere, i.e. p = q up to rounding (and then a rejection
            // needed rounding too): draw from p.
            return new Outcome(i, Sampler.draw(r != null ? r : p, rng.nextFloat()));
        }
        return new Outcome(n, sampler.sample(logits, n * vocab, vocab, rng));
    }

    /**
     * Whether a drafted token is accepted: with probability min(1, p/q), decided by a uniform u in [0, 1) as
     * u·q &lt; p. A token the draft could not have proposed (q = 0) is never accepted.
     *
     * @param p the target's probability of the drafted token
     * @param q the draft's probability of it
     */
    public static boolean accepts(float p, float q, float u) {
        return q > 0f && u * q < p;
    }

    /**
     * The residual distribution norm(max(0, p − q)) that a rejected position draws from; null when it has no
     * mass (p ≤ q everywhere, which for proper distributions means p = q).
     *
     * @param q the draft's distribution, or null for a point mass on {@code drafted}
     */
    public static float[] residual(float[] p, float[] q, int drafted) {
        float[] r = new float[p.length];
        double mass = 0;
        for (int t = 0; t < p.length; t++) {
            float x = p[t] - (q != null ? q[t] : (t == drafted ? 1f : 0f));
            r[t] = x > 0f ? x : 0f;
            mass += r[t];
        }
        if (mass <= 0) {
            return null;
        }
        float inv = (float) (1.0 / mass);
        for (int t = 0; t < r.length; t++) {
            r[t] *= inv;
        }
        return r;
    }
}
