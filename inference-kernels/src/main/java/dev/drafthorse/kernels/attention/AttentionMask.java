package dev.drafthorse.kernels.attention;

/**
 * Which keys each query of one attention call may see.
 *
 * <p>Query {@code i} (0-based within the call) sees no key at or beyond {@link #limit(int) limit(i)};
 * below the limit, {@link #visible(int, int)} decides. Kernels use the limit to bound the keys they
 * stream (and to skip whole key tiles), and call {@code visible} only when {@link #causal()} is false, so
 * the common masks cost nothing per key.
 *
 * <p>Kernels call a mask from several threads at once, so implementations must be safe for concurrent
 * reads (the factories' masks are immutable).
 */
public interface AttentionMask {
    /**
     * Exclusive upper bound on the key positions query {@code query} may see.
     *
     * @throws IllegalArgumentException if {@code query} is outside the queries this mask describes
     */
    int limit(int query);

    /**
     * Inclusive lower bound on the key positions query {@code query} may see (0 unless the mask knows
     * better): kernels skip whole key tiles below the smallest bound of their queries instead of asking
     * {@link #visible} about each key. Skipping keys that are invisible anyway changes no result.
     */
    default int first(int query) {
        return 0;
    }

    /** Whether query {@code query} sees key position {@code key}; only asked for {@code key < limit(query)}. */
    boolean visible(int query, int key);

    /**
     * True when every key below the limit is visible for every query, so kernels can skip
     * {@link #visible} entirely.
     */
    boolean causal();

    /** A key-visibility test without boxing, for {@link #of}. */
    @FunctionalInterface
    interface Visibility {
        boolean test(int query, int key);
    }

    /**
     * The causal mask of a prefill or decode step: query {@code i} is the token at absolute position
     * {@code firstPosition + i} and sees keys [0, firstPosition + i].
     *
     * @param firstPosition position of the first query, at least 0
     */
    static AttentionMask causal(int firstPosition) {
        return new CausalMask(firstPosition);
    }

    /**
     * The mask of a token tree (speculative decoding): a shared prefix of {@code prefixLength} keys,
     * followed by the tree's nodes, node i stored at key position {@code prefixLength + i} and being
     * query i of the call. Node i sees the whole prefix, its ancestors and itself; siblings and other
     * branches stay invisible, so every branch attends as if it were the only continuation.
     *
     * @param prefixLength keys before the tree, at least 0
     * @param parent parent node index of each node, or -1 for a root; parents must precede their
     *     children ({@code parent[i] < i}). The array is copied.
     * @throws IllegalArgumentException naming the offending node if a parent is out of range
     */
    static AttentionMask tree(int prefixLength, int[] parent) {
        return new TreeMask(prefixLength, parent);
    }

    /**
     * {@code inner} restricted to a sliding window, as llama.cpp masks the sliding layers of Gemma: a key
     * is hidden when the query's position minus the key's is at least {@code window}. Keys below
     * {@code firstNew} are committed cache slots whose position is their slot; keys from {@code firstNew}
     * on are the call's own new tokens, key {@code firstNew + i} at the position of query i (so tree
     * verification, whose nodes sit at depth positions, slides by depth too).
     *
     * @param window positions a query sees, itself included, at least 1
     * @param positions RoPE position of each query, from {@code off}; read, not copied: it must not change
     *     while the mask is in use
     * @param queries the number of queries
     * @param firstNew the first key slot that holds a query of this call
     */
    static AttentionMask slidingWindow(
            AttentionMask inner, int window, int[] positions, int off, int queries, int firstNew) {
        return new SlidingWindowMask(inner, window, positions, off, queries, firstNew);
    }

    /**
     * An arbitrary mask: query i sees key j iff {@code j < limits[i] && visible.test(i, j)}. The limits
     * should be tight (the last visible key plus one) since kernels stream every key tile below them.
     *
     * @param limits per-query exclusive key bound, each at least 0; the array is copied
     * @param visible the per-key test, only called for keys below the limit
     */
    static AttentionMask of(int[] limits, Visibility visible) {
        return new CustomMask(limits, visible);
    }
}
