package dev.drafthorse.kernels.speculative;

/** The k largest entries of a logit row, by index: how a head's candidate tokens are chosen. */
public final class TopK {
    private TopK() {}

    /**
     * Indices of the {@code k} largest values of {@code x[off, off + n)}, largest first; equal values keep
     * the lower index first (so rank 0 is {@link dev.drafthorse.kernels.sampling.Sampler#argmax}).
     */
    public static int[] indices(float[] x, int off, int n, int k) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k must be in [1, " + n + "], got " + k);
        }
        int[] idx = new int[k];
        float[] val = new float[k];
        int size = 0;
        // Insertion into a sorted list of k: fine for the small k of candidate trees (k ≤ ~10).
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (size == k && !(v > val[k - 1])) {
                continue;
            }
            int pos = size < k ? size : k - 1;
            while (pos > 0 && v > val[pos - 1]) {
                if (pos < k) {
                    idx[pos] = idx[pos - 1];
                    val[pos] = val[pos - 1];
                }
                pos--;
            }
            idx[pos] = i;
            val[pos] = v;
            if (size < k) {
                size++;
            }
        }
        return idx;
    }
}
