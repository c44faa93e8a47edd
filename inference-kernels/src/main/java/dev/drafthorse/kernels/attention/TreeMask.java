package dev.drafthorse.kernels.attention;

import java.util.Arrays;

/**
 * See {@link AttentionMask#tree(int, int[])}. Ancestry is answered in O(1) from a depth-first numbering:
 * node a is an ancestor-or-self of node b iff {@code enter[a] <= enter[b] < exit[a]}, which costs two
 * ints per node instead of a node-by-node bitset or a walk up the parent chain for every key.
 */
final class TreeMask implements AttentionMask {
    private final int prefixLength;
    private final int nodes;
    private final int[] enter; // (nodes) preorder index
    private final int[] exit; // (nodes) preorder index one past the node's subtree
    private final boolean chain;

    TreeMask(int prefixLength, int[] parent) {
        if (prefixLength < 0) {
            throw new IllegalArgumentException("prefixLength must be >= 0, got " + prefixLength);
        }
        if (parent == null) {
            throw new IllegalArgumentException("parent must not be null");
        }
        int n = parent.length;
        if ((long) prefixLength + n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("prefixLength " + prefixLength + " + " + n + " nodes overflows int");
        }
        boolean isChain = true;
        for (int i = 0; i < n; i++) {
            int p = parent[i];
            if (p < -1 || p >= i) {
                throw new IllegalArgumentException("parent[" + i + "] of node " + i + " must be -1 or a node in [0, "
                        + i + ") (parents precede children), got " + p);
            }
            // A single chain (node i's parent is i-1) sees every key below its limit: the causal fast path.
            isChain &= p == i - 1;
        }
        this.prefixLength = prefixLength;
        this.nodes = n;
        this.chain = isChain;
        this.enter = new int[n];
        this.exit = new int[n];
        number(parent);
    }

    /** Iterative preorder numbering (no recursion: a chain-shaped tree may be thousands deep). */
    private void number(int[] parent) {
        int n = nodes;
        // Children lists in CSR form; children keep index order.
        int[] childStart = new int[n + 2]; // (n+2) offsets, slot n is the virtual root of all roots
        for (int i = 0; i < n; i++) {
            childStart[(parent[i] < 0 ? n : parent[i]) + 1]++;
        }
        for (int i = 0; i <= n; i++) {
            childStart[i + 1] += childStart[i];
        }
        int[] children = new int[n]; // (n)
        int[] fill = Arrays.copyOf(childStart, n + 1); // (n+1) next free slot per parent
        for (int i = 0; i < n; i++) {
            children[fill[parent[i] < 0 ? n : parent[i]]++] = i;
        }
        int[] stack = new int[n + 1]; // (depth) nodes on the current path
        int[] next = new int[n + 1]; // (n+1) next child to visit per node
        for (int i = 0; i <= n; i++) {
            next[i] = childStart[i];
        }
        int top = 0;
        stack[0] = n;
        int counter = 0;
        while (top >= 0) {
            int node = stack[top];
            if (next[node] < childStart[node + 1]) {
                int child = children[next[node]++];
                enter[child] = counter++;
                stack[++top] = child;
            } else {
                if (node < n) {
                    exit[node] = counter;
                }
                top--;
            }
        }
    }

    @Override
    public int limit(int query) {
        if (query < 0 || query >= nodes) {
            throw new IllegalArgumentException("query must be a tree node in [0, " + nodes + "), got " + query);
        }
        // Ancestors precede their descendants, so nothing at or after the node itself is visible.
        return prefixLength + query + 1;
    }

    @Override
    public boolean visible(int query, int key) {
        if (key < prefixLength) {
            return key >= 0;
        }
        int node = key - prefixLength;
        if (node > query) {
            return false;
        }
        return enter[node] <= enter[query] && enter[query] < exit[node];
    }

    @Override
    public boolean causal() {
        return chain;
    }

    @Override
    public String toString() {
        return "tree(prefix " + prefixLength + ", " + nodes + " nodes" + (chain ? ", chain" : "") + ")";
    }
}
