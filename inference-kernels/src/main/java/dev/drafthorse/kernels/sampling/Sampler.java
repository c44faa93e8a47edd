package dev.drafthorse.kernels.sampling;

import java.util.Arrays;

/**
 * Turns logits into the distribution the next token is drawn from, and draws it.
 *
 * <p>The chain follows llama.cpp's default order: top-k, then top-p and min-p on the softmax of the
 * raw logits, then temperature on the survivors, then a draw by inverse CDF in token order with one
 * uniform from the row's {@link Rng}. Greedy (temperature 0) is the argmax, ties to the lowest id.
 * {@link #distribution} exposes the final probabilities so speculative decoding can compare target and
 * draft distributions exactly.
 */
public final class Sampler {
    private final SamplerOptions options;

    public Sampler(SamplerOptions options) {
        this.options = options;
    }

    public SamplerOptions options() {
        return options;
    }

    /** The index of the largest logit in logits[off, off + n), lowest index on ties. */
    public static int argmax(float[] logits, int off, int n) {
        int best = 0;
        float bv = logits[off];
        for (int i = 1; i < n; i++) {
            if (logits[off + i] > bv) {
                bv = logits[off + i];
                best = i;
            }
        }
        return best;
    }

    /** Picks the next token from logits[off, off + n). */
    public int sample(float[] logits, int off, int n, Rng rng) {
        if (options.greedy()) {
            return argmax(logits, off, n);
        }
        float[] p = distribution(logits, off, n);
        return draw(p, rng.nextFloat());
    }

    /**
     * Picks the next token from logits[off, off + n) among the tokens {@code constraint} allows (all when it is
     * null), always from the distribution restricted to the allowed tokens (top-k, top-p and min-p act on the
     * allowed tokens). Greedy tests the argmax first and masks the vocabulary only when the constraint refuses it
     * (as llama.cpp applies a grammar); so does plain temperature sampling, whose first draw, kept when allowed, is
     * exactly a draw from the restricted distribution; with top-k/top-p/min-p the vocabulary is masked first. The
     * logits are not modified.
     *
     * @throws IllegalStateException when the constraint allows no token at all
     */
    public int sample(float[] logits, int off, int n, Rng rng, TokenConstraint constraint) {
        if (constraint == null) {
            return sample(logits, off, n, rng);
        }
        if (options.greedy()) {
            int best = argmax(logits, off, n);
            if (constraint.allows(best)) {
                return best;
            }
        } else if (!filtering(n)) {
            // Temperature alone: a draw from p kept when allowed, else a draw from p restricted to the allowed set,
            // has exactly the restricted distribution (p(t) + (1 - Z) p(t) / Z = p(t) / Z), and usually needs no mask.
            int t = draw(distribution(logits, off, n), rng.nextFloat());
            if (constraint.allows(t)) {
                return t;
            }
        }
        float[] masked = Arrays.copyOfRange(logits, off, off + n);
        constraint.mask(masked, 0, n);
        boolean any = false;
        for (float x : masked) {
            if (x != Float.NEGATIVE_INFINITY) {
                any = true;
                break;
            }
        }
        if (!any) {
            throw new IllegalStateException("no token of the vocabulary can continue the grammar here");
        }
        return sample(masked, 0, n, rng);
    }

    /**
     * The sampling distribution over the n tokens (zeros for filtered tokens), summing to 1. For
     * greedy it is one-hot on the argmax.
     */
    public float[] distribution(float[] logits, int off, int n) {
        float[] p = new float[n];
        if (options.greedy()) {
            p[argmax(logits, off, n)] = 1f;
            return p;
        }
        boolean[] keep = new boolean[n];
        Arrays.fill(keep, true);
        boolean filtered = filtering(n);
        if (filtered) {
            // Order of tokens by logit, descending (ties by id); softmax of the raw logits for top-p/min-p.
            long[] order = new long[n];
            for (int i = 0; i < n; i++) {
                order[i] = ((long) sortableDesc(logits[off + i]) << 32) | i;
            }
            Arrays.sort(order);
            int kept = n;
            if (options.topK() > 0) {
                kept = Math.min(kept, options.topK());
            }
            float max = logits[off + (int) order[0]];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(logits[off + i] - max);
            }
            if (options.topP() < 1f) {
                double mass = 0;
                int j = 0;
                while (j < kept) {
                    mass += Math.exp(logits[off + (int) order[j]] - max) / sum;
                    j++;
                    if (mass >= options.topP()) {
                        break;
                    }
                }
                kept = Math.max(1, j);
            }
            if (options.minP() > 0f) {
                // p_i >= minP * p_max  <=>  logit_i - max >= log(minP)
                double threshold = Math.log(options.minP());
                int j = 1;
                while (j < kept && logits[off + (int) order[j]] - max >= threshold) {
                    j++;
                }
                kept = j;
            }
            Arrays.fill(keep, false);
            for (int j = 0; j < kept; j++) {
                keep[(int) order[j]] = true;
            }
        }
        float t = options.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (keep[i]) {
                max = Math.max(max, logits[off + i] / t);
            }
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (keep[i]) {
                double e = Math.exp(logits[off + i] / t - max);
                p[i] = (float) e;
                sum += e;
            }
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            p[i] *= inv;
        }
        return p;
    }

    /** True when top-k, top-p or min-p removes tokens before the draw. */
    private boolean filtering(int n) {
        return options.topK() > 0 && options.topK() < n || options.topP() < 1f || options.minP() > 0f;
    }

    /** Inverse CDF in token order: the first token whose cumulative probability exceeds u. */
    public static int draw(float[] p, float u) {
        double c = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0f) {
                c += p[i];
                last = i;
                if (u < c) {
                    return i;
                }
            }
        }
        return last;
    }

    /** An int whose ascending order is the descending order of the floats (NaN last). */
    private static int sortableDesc(float f) {
        int bits = Float.floatToIntBits(f);
        int asc = bits < 0 ? ~bits : bits | 0x80000000; // ascending as unsigned
        return ~asc ^ 0x80000000; // descending, as signed
    }
}
