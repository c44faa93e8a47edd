package dev.drafthorse.kernels.speculative;

import dev.drafthorse.kernels.attention.AttentionMask;

/**
 * One verification tree: the root (the target's own next token, already chosen) and candidate tokens
 * below it, flattened in {@link TreeSpec} order (parents before children). The target verifies all nodes
 * in one pass: node i is written at cache slot {@code base + i}, sees the prefix and its ancestors only
 * ({@link #mask}), and sits at RoPE position {@code base + depth(i)} ({@link #positions}), so every branch
 * is evaluated as if it were the only continuation. Logits row i then predicts the token after node i;
 * {@link TreeAcceptance} picks the accepted path from them.
 */
public final class CandidateTree {
    private final int[] tokens; // (N) node 0 is the root
    private final int[] parent; // (N) -1 for the root
    private final int[] depth; // (N) 0 for the root

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
                throw new IllegalArgumentException(
                        "tree needs " + (spec.rank(node) + 1) + " candidates of head " + k + ", got " + top[k].length);
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
                throw new IllegalArgumentException("parent[" + i + "] = " + parent[i]
                        + ": node 0 is the root (-1), others need a" + " parent in [0, " + i + ")");
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
}
