package dev.drafthorse.kernels.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

/**
 * Sampling under a constraint draws from the distribution restricted to the allowed tokens, for every sampler
 * setting: the empirical frequencies of 200,000 draws match the hand-computed restricted distribution (the filters
 * applied to the allowed tokens' logits); greedy picks the best allowed token.
 */
class ConstrainedSamplingTest {
    /** Allows a fixed set of tokens. */
    record Allowed(BitSet set) implements TokenConstraint {
        @Override
        public boolean allows(int token) {
            return set.get(token);
        }

        @Override
        public void mask(float[] logits, int off, int n) {
            for (int i = 0; i < n; i++) {
                if (!set.get(i)) {
                    logits[off + i] = Float.NEGATIVE_INFINITY;
                }
            }
        }

        @Override
        public void accept(int token) {}

        @Override
        public TokenConstraint copy() {
            return this;
        }
    }

    private static final float[] LOGITS = {2.0f, 1.5f, 1.0f, 0.5f, 0.0f, -0.5f, 3.0f, -1.0f};

    private static Allowed allowed(int... ids) {
        BitSet b = new BitSet();
        for (int i : ids) {
            b.set(i);
        }
        return new Allowed(b);
    }

    @Test
    void greedyPicksTheBestAllowedToken() {
        Sampler s = new Sampler(SamplerOptions.GREEDY);
        assertEquals(6, s.sample(LOGITS, 0, LOGITS.length, new Rng(1), allowed(0, 6)));
        assertEquals(0, s.sample(LOGITS, 0, LOGITS.length, new Rng(1), allowed(0, 1, 7)));
        assertThrows(IllegalStateException.class, () -> s.sample(LOGITS, 0, LOGITS.length, new Rng(1), allowed()));
    }

    @Test
    void everySamplerDrawsFromTheRestrictedDistribution() {
        Allowed a = allowed(0, 2, 3, 4, 7);
        SamplerOptions[] options = {
            new SamplerOptions(1f, 0, 1f, 0f, 0),
            new SamplerOptions(0.7f, 0, 1f, 0f, 0),
            new SamplerOptions(1f, 2, 1f, 0f, 0),
            new SamplerOptions(1f, 0, 0.8f, 0f, 0),
            new SamplerOptions(1f, 0, 1f, 0.3f, 0),
        };
        for (SamplerOptions o : options) {
            // Oracle: the sampler's own distribution over the logits with disallowed tokens at -inf.
            float[] masked = LOGITS.clone();
            a.mask(masked, 0, masked.length);
            float[] expected = new Sampler(o).distribution(masked, 0, masked.length);
            Sampler s = new Sampler(o);
            Rng rng = new Rng(42);
            int draws = 200_000;
            int[] count = new int[LOGITS.length];
            for (int i = 0; i < draws; i++) {
                count[s.sample(LOGITS, 0, LOGITS.length, rng, a)]++;
            }
            for (int t = 0; t < LOGITS.length; t++) {
                double f = count[t] / (double) draws;
                double sd = Math.sqrt(expected[t] * (1 - expected[t]) / draws);
                assertTrue(
                        Math.abs(f - expected[t]) <= 5 * sd + 1e-9,
                        o + " token " + t + ": " + f + " vs " + expected[t]);
                if (!a.allows(t)) {
                    assertEquals(0, count[t], o + " drew a disallowed token " + t);
                }
            }
        }
    }
}
