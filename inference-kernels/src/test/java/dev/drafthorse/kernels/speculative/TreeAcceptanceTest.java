package dev.drafthorse.kernels.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drafthorse.kernels.sampling.Sampler;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import org.junit.jupiter.api.Test;

/** Tree acceptance (greedy and typical paths through a Medusa tree) on hand-made logits. */
class TreeAcceptanceTest {
    @Test
    void greedyAndTypicalPathsOnHandMadeLogits() {
        int v = 12;
        // Root row: p0 below, whose typical threshold is 0.05916 (TypicalAcceptanceTest); node 1 (token 3, p 0.07)
        // passes typical, node 2 (token 4, p 0.01)
        // fails; node 3 under node 1 has token 0, the argmax (and p 0.5) of node 1's row; node 4 under node 2.
        float[] p0 = {0.3f, 0.3f, 0.25f, 0.07f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f};
        float[] p1 = {0.5f, 0.3f, 0.2f, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        CandidateTree t = CandidateTree.of(new int[] {7, 3, 4, 0, 5}, new int[] {-1, 0, 0, 1, 2});
        float[] logits = new float[t.size() * v];
        for (int i = 0; i < v; i++) {
            logits[i] = (float) Math.log(p0[i]);
            logits[v + i] = p1[i] > 0 ? (float) Math.log(p1[i]) : -30f;
            logits[2 * v + i] = i == 5 ? 5f : 0f;
        }
        Sampler plain = new Sampler(new SamplerOptions(1f, 0, 1f, 0f, 0));
        assertArrayEquals(new int[] {0, 1, 3}, TreeAcceptance.typical(t, logits, v, plain, TypicalAcceptance.DEFAULT));
        // Greedy: the root's argmax is token 0 (tied with 1, lowest id), which no child holds.
        assertArrayEquals(new int[] {0}, TreeAcceptance.greedy(t, logits, v));
        // Make token 3 the root's argmax: greedy follows node 1, then node 3 (token 0 = node 1's argmax).
        logits[3] = 5f;
        assertArrayEquals(new int[] {0, 1, 3}, TreeAcceptance.greedy(t, logits, v));
        assertEquals(3, t.depth(4) + 1);
        assertArrayEquals(new int[] {10, 11, 11, 12, 12}, t.positions(10));
    }

    @Test
    void typicalPrefersTheLongestPathThenTheFirstListed() {
        int v = 4;
        // Every row p = (0.4, 0.3, 0.2, 0.1): H = 1.27985 nats, δ·exp(−H) = 0.3 × 0.27810 = 0.08343 < ε, so
        // every token passes. Nodes 1 (token 0) and 2 (token 1) under the root; node 3 (token 3) under node 2.
        float[] p = {0.4f, 0.3f, 0.2f, 0.1f};
        CandidateTree t = CandidateTree.of(new int[] {9, 0, 1, 3}, new int[] {-1, 0, 0, 2});
        float[] logits = new float[t.size() * v];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.log(p[i % v]);
        }
        Sampler plain = new Sampler(new SamplerOptions(1f, 0, 1f, 0f, 0));
        assertArrayEquals(
                new int[] {0, 2, 3},
                TreeAcceptance.typical(t, logits, v, plain, TypicalAcceptance.DEFAULT),
                "the deeper path wins although node 1 is listed first");
        CandidateTree flat = CandidateTree.of(new int[] {9, 1, 0}, new int[] {-1, 0, 0});
        assertArrayEquals(
                new int[] {0, 1},
                TreeAcceptance.typical(flat, logits, v, plain, TypicalAcceptance.DEFAULT),
                "equally long: the first listed");
        // ε = 0.35, δ = 1: the threshold is min(0.35, 0.27808) and only tokens 0 and 1 pass; node 3 (token 3, 0.1)
        // fails, so both paths are one deep and the first listed (node 1) is kept.
        assertArrayEquals(
                new int[] {0, 1}, TreeAcceptance.typical(t, logits, v, plain, new TypicalAcceptance(0.35, 1)));
        // Greedy: the argmax (token 0) is node 1, and node 1 has no children.
        assertArrayEquals(new int[] {0, 1}, TreeAcceptance.greedy(t, logits, v));
    }
}
