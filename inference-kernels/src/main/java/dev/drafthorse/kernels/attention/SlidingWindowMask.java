package dev.drafthorse.kernels.attention;

/** See {@link AttentionMask#slidingWindow(AttentionMask, int, int[], int, int, int)}. */
final class SlidingWindowMask implements AttentionMask {
    private final AttentionMask inner;
    private final int window;
    private final int[] positions; // (queries) from off: RoPE position of each query, not copied
    private final int off;
    private final int queries;
    private final int firstNew;

    SlidingWindowMask(AttentionMask inner, int window, int[] positions, int off, int queries, int firstNew) {
        if (inner == null) {
            throw new IllegalArgumentException("inner must not be null");
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        if (positions == null || off < 0 || queries < 0 || off + queries > positions.length) {
            throw new IllegalArgumentException("positions must hold " + queries + " entries from " + off);
        }
        if (firstNew < 0) {
            throw new IllegalArgumentException("firstNew must be >= 0, got " + firstNew);
        }
        this.inner = inner;
        this.window = window;
        this.positions = positions;
        this.off = off;
        this.queries = queries;
        this.firstNew = firstNew;
    }

    @Override
    public int limit(int query) {
        if (query < 0 || query >= queries) {
            throw new IllegalArgumentException("query must be in [0, " + queries + "), got " + query);
        }
        return inner.limit(query);
    }

    /** Committed keys (slot = position) more than the window behind the query are never visible. */
    @Override
    public int first(int query) {
        long behind = (long) positions[off + query] - window + 1;
        return (int) Math.max(inner.first(query), Math.max(0, Math.min(firstNew, behind)));
    }

    @Override
    public boolean visible(int query, int key) {
        if (!inner.visible(query, key)) {
            return false;
        }
        int keyPos = key < firstNew ? key : positions[off + key - firstNew];
        return (long) positions[off + query] - keyPos < window;
    }

    @Override
    public boolean causal() {
        return false;
    }

    @Override
    public String toString() {
        return "slidingWindow(" + window + ", " + inner + ")";
    }
}
