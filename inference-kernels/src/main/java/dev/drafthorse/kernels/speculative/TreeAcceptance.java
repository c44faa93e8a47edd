package dev.drafthorse.kernels.speculative;

import dev.drafthorse.kernels.sampling.Sampler;
import java.util.Arrays;

/**
 * Verification of a {@link CandidateTree} (Medusa, Cai et al. 2024) against the target's logits of all its
 * nodes, computed in one pass: logits row i is the target's prediction after node i. Each rule returns the
 * accepted path as node indices, the root first; the caller keeps that path's KV entries and draws the next
 * token from the row of the path's last node.
 */
public final class TreeAcceptance {
    private TreeAcceptance() {}

    /**
     * Greedy acceptance: the longest path from the root whose every token is the target's argmax after its
     * parent. Exactly the tokens plain greedy decoding would produce.
     *
     * @param logits (N, V) the target's logits of every node
     */
    public static int[] greedy(CandidateTree tree, float[] logits, int vocab) {
        int[] path = new int[maxDepth(tree) + 1];
        int len = 1;
        int node = 0;
        while (true) {
            int want = Sampler.argmax(logits, node * vocab, vocab);
            int next = -1;
            for (int c = node + 1; c < tree.size(); c++) {
                if (tree.parent(c) == node && tree.token(c) == want) {
                    next = c;
                    break;
                }
            }
            if (next < 0) {
                return Arrays.copyOf(path, len);
            }
            path[len++] = next;
            node = next;
        }
    }

    /**
     * Typical acceptance: the longest path from the root whose every token passes {@code rule} under the
     * sampler's distribution after its parent; among equally long paths, the one listed first (higher-ranked
     * candidates). Not distribution-preserving, see {@link TypicalAcceptance}.
     *
     * @param logits (N, V) the target's logits of every node
     */
    public static int[] typical(
            CandidateTree tree, float[] logits, int vocab, Sampler sampler, TypicalAcceptance rule) {
        int n = tree.size();
        boolean[] ok = new boolean[n]; // node and all its ancestors pass
        ok[0] = true;
        float[][] dist = new float[n][];
        int best = 0;
        for (int i = 1; i < n; i++) {
            int p = tree.parent(i);
            if (!ok[p]) {
                continue;
            }
            if (dist[p] == null) {
                dist[p] = sampler.distribution(logits, p * vocab, vocab);
            }
            ok[i] = rule.accepts(dist[p], tree.token(i));
            if (ok[i] && tree.depth(i) > tree.depth(best)) {
                best = i;
            }
        }
        int[] path = new int[tree.depth(best) + 1];
        for (int i = best, j = tree.depth(best); i >= 0; i = tree.parent(i), j--) {
            path[j] = i;
        }
        return path;
    }

    private static int maxDepth(CandidateTree tree) {
        int m = 0;
        for (int i = 0; i < tree.size(); i++) {
            m = Math.max(m, tree.depth(i));
        }
        return m;
    }
}
