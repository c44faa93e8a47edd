package dev.drafthorse.kernels.attention;

/** See {@link AttentionMask#causal(int)}. */
final class CausalMask implements AttentionMask {
    private final int firstPosition;

    CausalMask(int firstPosition) {
        if (firstPosition < 0) {
            throw new IllegalArgumentException("firstPosition must be >= 0, got " + firstPosition);
        }
        this.firstPosition = firstPosition;
    }

    @Override
    public int limit(int query) {
        if (query < 0 || (long) firstPosition + query + 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "query must be in [0, " + (Integer.MAX_VALUE - firstPosition) + "), got " + query);
        }
        return firstPosition + query + 1;
    }

    @Override
    public boolean visible(int query, int key) {
        return key >= 0 && key <= firstPosition + query;
    }

    @Override
    public boolean causal() {
        return true;
    }

    @Override
    public String toString() {
        return "causal(" + firstPosition + ")";
    }
}
