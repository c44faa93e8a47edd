package dev.drafthorse.kernels.speculative;

import dev.drafthorse.kernels.attention.AttentionMask;
import dev.drafthorse.kernels.sampling.Sampler;

/**
 * One verification tree: the root (the target's own next token, already chosen) and candidate tokens
 * below it, flattened in {@link TreeSpec} order (parents before children). The target verifies all nodes
 * in one pass: node i is written at cache slot {@code base + i}, sees the prefix and its ancestors only
 * ({@link #mask}), and sits at RoPE position {@code base + depth(i)} ({@link #positions}), so every branch
 * is evaluated as if it were the only continuation. Logits row i then predicts the token after node i.
 */
public final class CandidateTree {
    private final int[] tokens; // (N) node 0 is the root
    private final int[] parent; // (N) -1 for the root
    private final int[] depth;  // (N) 0 for the root

    private CandidateTree(int[] tokens, int[] parent, int[] depth) {
        this.tokens = tokens;
        this.parent = parent;
        this.depth = depth;
    }

    /**
     * Builds the tree of {@code spec} under {@code root}, keeping nodes of depth at most {@code maxDepth}.
     *
     * @param top top[k] = head k's candidates, best first; at least {@code spec.ranks()[k]} of them for
     *     every depth kept
     */
    public static CandidateTree build(int root, TreeSpec spec, int[][] top, int maxDepth) {
        int n = 1 + spec.sizeWithin(maxDepth);
        int[] tokens = new int[n];
        int[] parent = new int[n];
        int[] depth = new int[n];
        tokens[0] = root;
        parent[0] = -1;
        for (int i = 1; i < n; i++) {
            int node = i - 1;
            int k = spec.depth(node) - 1;
            if (top[k].length <= spec.rank(node)) {
                throw new IllegalArgumentException("tree needs " + (spec.rank(node) + 1) + " candidates of head " + k + ", got "
                        + top[k].length);
            }
            tokens[i] = top[k][spec.rank(node)];
            parent[i] = spec.parent(node) + 1;
            depth[i] = k + 1;
        }
        return new CandidateTree(tokens, parent, depth);
    }

    /** A tree of explicit nodes (tests, other proposers); parents must precede children. */
    public static CandidateTree of(int[] tokens, int[] parent) {
        int[] depth = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            if (i == 0 ? parent[0] != -1 : parent[i] < 0 || parent[i] >= i) {
                throw new IllegalArgumentException("parent[" + i + "] = " + parent[i] + ": node 0 is the root (-1), others need a"
                        + " parent in [0, " + i + ")");
            }
            depth[i] = i == 0 ? 0 : depth[parent[i]] + 1;
        }
        return new CandidateTree(tokens.clone(), parent.clone(), depth);
    }

    /** Nodes, the root included. */
    public int size() {
        return tokens.length;
    }

    public int[] tokens() {
        return tokens.clone();
    }

    public int token(int i) {
        return tokens[i];
    }

    public int parent(int i) {
        return parent[i];
    }

    public int depth(int i) {
        return depth[i];
    }

    /** RoPE positions of the nodes when the root goes to position {@code base}: base + depth. */
    public int[] positions(int base) {
        int[] p = new int[tokens.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = base + depth[i];
        }
        return p;
    }

    /** The attention mask of the nodes after {@code prefixLength} cached keys. */
    public AttentionMask mask(int prefixLength) {
        return AttentionMask.tree(prefixLength, parent);
    }

    /**
     * Greedy acceptance: the longest path from the root whose every token is the target's argmax after its
     * parent (logits row i = the target's prediction after node i). Exactly the tokens plain greedy
     * decoding would produce.
     *
     * @param logits (N, V) the target's logits of every node
     * @return node indices of the accepted path, the root first
     */
    public int[] acceptGreedy(float[] logits, int vocab) {
        int[] path = new int[maxDepth() + 1];
        int len = 1;
        int node = 0;
        while (true) {
            int want = Sampler.argmax(logits, node * vocab, vocab);
            int next = -1;
            for (int c = node + 1; c < tokens.length; c++) {
                if (parent[c] == node && tokens[c] == want) {
                    next = c;
                    break;
                }
            }
            if (next < 0) {
                return java.util.Arrays.copyOf(path, len);
            }
            path[len++] = next;
            node = next;
        }
    }

    /**
     * Typical acceptance: the longest path from the root whose every token passes {@code rule} under the
     * sampler's distribution after its parent; among equally long paths, the one listed first (higher-ranked
     * candidates). Not distribution-preserving, see {@link TypicalAcceptance}.
     */
    public int[] acceptTypical(float[] logits, int vocab, Sampler sampler, TypicalAcceptance rule) {
        int n = tokens.length;
        boolean[] ok = new boolean[n]; // node and all its ancestors pass
        ok[0] = true;
        float[][] dist = new float[n][];
        int best = 0;
        for (int i = 1; i < n; i++) {
            int p = parent[i];
            if (!ok[p]) {
                continue;
            }
            if (dist[p] == null) {
                dist[p] = sampler.distribution(logits, p * vocab, vocab);
            }
            ok[i] = rule.accepts(dist[p], tokens[i]);
            if (ok[i] && depth[i] > depth[best]) {
                best = i;
            }
        }
        int[] path = new int[depth[best] + 1];
        for (int i = best, j = depth[best]; i >= 0; i = parent[i], j--) {
            path[j] = i;
        }
        return path;
    }

    private int maxDepth() {
        int m = 0;
        for (int d : depth) {
            m = Math.max(m, d);
        }
        return m;
    }
}
