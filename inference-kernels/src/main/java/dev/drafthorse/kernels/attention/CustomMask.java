package dev.drafthorse.kernels.attention;

/** See {@link AttentionMask#of(int[], AttentionMask.Visibility)}. */
final class CustomMask implements AttentionMask {
    private final int[] limits; // (queries)
    private final Visibility visible;

    CustomMask(int[] limits, Visibility visible) {
        if (limits == null) {
            throw new IllegalArgumentException("limits must not be null");
        }
        if (visible == null) {
            throw new IllegalArgumentException("visible must not be null");
        }
        for (int i = 0; i < limits.length; i++) {
            if (limits[i] < 0) {
                throw new IllegalArgumentException("limits[" + i + "] must be >= 0, got " + limits[i]);
            }
        }
        this.limits = limits.clone();
        this.visible = visible;
    }

    @Override
    public int limit(int query) {
        if (query < 0 || query >= limits.length) {
            throw new IllegalArgumentException("query must be in [0, " + limits.length + "), got " + query);
        }
        return limits[query];
    }

    @Override
    public boolean visible(int query, int key) {
        return visible.test(query, key);
    }

    @Override
    public boolean causal() {
        return false;
    }

    @Override
    public String toString() {
        return "mask(" + limits.length + " queries)";
    }
}
