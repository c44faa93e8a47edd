package dev.drafthorse.kernels.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.Sampler;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import org.junit.jupiter.api.Test;

/**
 * Chain acceptance on hand-computed cases: three-token vocabularies with exact probabilities, the
 * acceptance thresholds and residuals worked out by hand, and the uniforms each verification draws read
 * from a twin of its {@link Rng}.
 */
class ChainAcceptanceTest {
    private static final int V = 3;
    private static final Sampler PLAIN = new Sampler(new SamplerOptions(1f, 0, 1f, 0f, 0));
    private static final Sampler GREEDY = new Sampler(SamplerOptions.GREEDY);

    /** Logits whose softmax at temperature 1 is each row's p (−30 for a zero). */
    private static float[] logits(float[]... rows) {
        float[] l = new float[rows.length * V];
        for (int r = 0; r < rows.length; r++) {
            for (int t = 0; t < V; t++) {
                l[r * V + t] = rows[r][t] > 0 ? (float) Math.log(rows[r][t]) : -30f;
            }
        }
        return l;
    }

    @Test
    void greedyAcceptsWhileTheDraftIsTheArgmaxThenTheArgmaxFollows() {
        float[] l = {
            0f, 1f, 5f, // row 0: argmax 2
            0f, 9f, 1f, // row 1: argmax 1
            4f, 4f, 1f, // row 2: tie of 0 and 1, the lowest id wins
            1f, 2f, 3f, // row 3: argmax 2
        };
        assertEquals(new ChainAcceptance.Outcome(2, 0), ChainAcceptance.greedy(l, V, new int[] {2, 1, 1}, 3));
        assertEquals(
                new ChainAcceptance.Outcome(3, 2),
                ChainAcceptance.greedy(l, V, new int[] {2, 1, 0}, 3),
                "all accepted: bonus");
        assertEquals(new ChainAcceptance.Outcome(0, 2), ChainAcceptance.greedy(l, V, new int[] {1, 1, 0}, 3));
        assertEquals(
                new ChainAcceptance.Outcome(0, 2),
                ChainAcceptance.greedy(l, V, new int[0], 0),
                "no drafts: a plain step");
        assertEquals(
                new ChainAcceptance.Outcome(1, 1),
                ChainAcceptance.greedy(l, V, new int[] {2, 1, 0}, 1),
                "only n verified");
    }

    @Test
    void aDraftIsAcceptedWithProbabilityMinOfOneAndPOverQ() {
        // p = 0.2, q = 0.5: accepted iff u < 0.4.
        assertTrue(ChainAcceptance.accepts(0.2f, 0.5f, 0.39f));
        assertFalse(ChainAcceptance.accepts(0.2f, 0.5f, 0.41f));
        // p >= q: always (u < 1).
        assertTrue(ChainAcceptance.accepts(0.6f, 0.3f, 0.9999f));
        // q = 0: the draft could not have proposed it; never.
        assertFalse(ChainAcceptance.accepts(0.6f, 0f, 0f));
        // Over a uniform grid of u the accepted fraction is p/q.
        int hits = 0;
        int grid = 100_000;
        for (int i = 0; i < grid; i++) {
            hits += ChainAcceptance.accepts(0.2f, 0.5f, (i + 0.5f) / grid) ? 1 : 0;
        }
        assertEquals(0.4, hits / (double) grid, 1e-4);
    }

    @Test
    void theResidualIsNormOfMaxZeroPMinusQ() {
        float[] p = {0.2f, 0.5f, 0.3f};
        // max(0, p − q) = (0, 0.25, 0.05), mass 0.3: (0, 5/6, 1/6).
        assertArrayEquals(
                new float[] {0f, 5f / 6, 1f / 6},
                ChainAcceptance.residual(p, new float[] {0.5f, 0.25f, 0.25f}, 0),
                1e-6f);
        // Lookup: q a point mass on the drafted token 1: (0.2, 0, 0.3) / 0.5.
        assertArrayEquals(new float[] {0.4f, 0f, 0.6f}, ChainAcceptance.residual(p, null, 1), 1e-6f);
        assertNull(ChainAcceptance.residual(p, p, 0), "p = q leaves nothing to draw from");
        assertArrayEquals(new float[] {0.2f, 0.5f, 0.3f}, p, "p is not modified");
    }

    @Test
    void acceptanceAndResidualTogetherGiveExactlyP() {
        // P(x) = q(x)·min(1, p(x)/q(x)) + (Σ_d q(d)·(1 − min(1, p(d)/q(d))))·residual(x); by hand:
        // accept = (0.2, 0.25, 0.25), rejected mass 0.5 × 0.6 = 0.3, P = (0.2, 0.25 + 0.25, 0.25 + 0.05) = p.
        float[] p = {0.2f, 0.5f, 0.3f};
        float[] q = {0.5f, 0.25f, 0.25f};
        float[] r = ChainAcceptance.residual(p, q, 0);
        double rejected = 0;
        double[] out = new double[V];
        int grid = 100_000;
        for (int d = 0; d < V; d++) {
            int hits = 0;
            for (int i = 0; i < grid; i++) {
                hits += ChainAcceptance.accepts(p[d], q[d], (i + 0.5f) / grid) ? 1 : 0;
            }
            out[d] += q[d] * hits / (double) grid;
            rejected += q[d] * (1 - hits / (double) grid);
        }
        assertEquals(0.3, rejected, 1e-4);
        for (int x = 0; x < V; x++) {
            out[x] += rejected * r[x];
            assertEquals(p[x], out[x], 1e-4, "token " + x);
        }
    }

    @Test
    void sampledChainsFollowTheRuleForEveryUniformTheyDraw() {
        // Row 0: p = (0.2, 0.5, 0.3), q = (0.5, 0.25, 0.25), draft 0: accepted iff u0 < 0.4, else the residual
        //   (0, 5/6, 1/6): token 1 iff u1 < 5/6, else 2.
        // Row 1: p = (0.1, 0.1, 0.8), q = (0.1, 0.8, 0.1), draft 1: accepted iff u1 < 0.125, else the residual
        //   (0, 0, 1): token 2.
        // Row 2 (bonus): p = (0, 1, 0): token 1.
        float[] l = logits(new float[] {0.2f, 0.5f, 0.3f}, new float[] {0.1f, 0.1f, 0.8f}, new float[] {0f, 1f, 0f});
        float[][] q = {{0.5f, 0.25f, 0.25f}, {0.1f, 0.8f, 0.1f}};
        int[] seen = new int[3];
        for (long seed = 0; seed < 300; seed++) {
            Rng twin = new Rng(seed);
            float u0 = twin.nextFloat();
            float u1 = twin.nextFloat();
            if (Math.abs(u0 - 0.4f) < 1e-4f || Math.abs(u1 - 5f / 6) < 1e-4f || Math.abs(u1 - 0.125f) < 1e-4f) {
                continue; // too close to a threshold for float rounding of p to be ignored
            }
            ChainAcceptance.Outcome want = u0 >= 0.4f
                    ? new ChainAcceptance.Outcome(0, u1 < 5f / 6 ? 1 : 2)
                    : u1 >= 0.125f ? new ChainAcceptance.Outcome(1, 2) : new ChainAcceptance.Outcome(2, 1);
            ChainAcceptance.Outcome got = ChainAcceptance.sampled(l, V, new int[] {0, 1}, 2, q, PLAIN, new Rng(seed));
            assertEquals(want, got, "seed " + seed + ", u0 " + u0 + ", u1 " + u1);
            seen[got.accepted()]++;
            assertEquals(
                    got,
                    ChainVerifier.EXACT.verify(l, V, new int[] {0, 1}, 2, q, PLAIN, new Rng(seed)),
                    "EXACT samples");
        }
        for (int a = 0; a < 3; a++) {
            assertTrue(seen[a] > 10, "outcomes with " + a + " accepted: " + seen[a]);
        }
    }

    @Test
    void lookupDraftsArePointMasses() {
        // p = (0.2, 0.5, 0.3), draft 1 with q a point mass: accepted iff u0 < 0.5; else the residual (0.4, 0, 0.6).
        float[] l = logits(new float[] {0.2f, 0.5f, 0.3f}, new float[] {1f, 0f, 0f});
        for (long seed = 0; seed < 100; seed++) {
            Rng twin = new Rng(seed);
            float u0 = twin.nextFloat();
            float u1 = twin.nextFloat();
            ChainAcceptance.Outcome want =
                    u0 < 0.5f ? new ChainAcceptance.Outcome(1, 0) : new ChainAcceptance.Outcome(0, u1 < 0.4f ? 0 : 2);
            assertEquals(
                    want, ChainAcceptance.sampled(l, V, new int[] {1}, 1, null, PLAIN, new Rng(seed)), "seed " + seed);
        }
    }

    @Test
    void theExactVerifierIsGreedyUnderGreedySampling() {
        float[] l = logits(new float[] {0.2f, 0.5f, 0.3f}, new float[] {0.1f, 0.1f, 0.8f});
        assertEquals(
                new ChainAcceptance.Outcome(1, 2),
                ChainVerifier.EXACT.verify(l, V, new int[] {1}, 1, null, GREEDY, new Rng(1)));
        assertEquals(
                new ChainAcceptance.Outcome(0, 1),
                ChainVerifier.EXACT.verify(l, V, new int[] {2}, 1, null, GREEDY, new Rng(1)));
    }
}
