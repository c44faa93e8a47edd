package dev.drafthorse.kernels.attention;

/**
 * Validates the arguments every attention kernel takes and resolves the mask's per-query limits once,
 * so a bad call fails with a message naming the parameter before any work starts.
 */
final class AttentionArgs {
    private AttentionArgs() {}

    /**
     * Checks the call and returns the limits of the T queries.
     *
     * @return {@code (T)} exclusive key bound per query, each within the store's capacity
     */
    static int[] check(
            float[] q, int T, int nHeads, KvStore kv, AttentionMask mask, float scale, int outLength, boolean outNull) {
        return check(q, 0, T, nHeads, kv, mask, scale, outLength, 0, outNull);
    }

    /** As above, for rows that start at float {@code qOff} of q and {@code outOff} of out. */
    static int[] check(
            float[] q,
            int qOff,
            int T,
            int nHeads,
            KvStore kv,
            AttentionMask mask,
            float scale,
            int outLength,
            int outOff,
            boolean outNull) {
        if (kv == null) {
            throw new IllegalArgumentException("kv must not be null");
        }
        if (mask == null) {
            throw new IllegalArgumentException("mask must not be null");
        }
        if (T < 0) {
            throw new IllegalArgumentException("T must be >= 0, got " + T);
        }
        if (nHeads < 1 || nHeads % kv.kvHeads() != 0) {
            throw new IllegalArgumentException(
                    "nHeads must be a positive multiple of kvHeads " + kv.kvHeads() + ", got " + nHeads);
        }
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be finite, got " + scale);
        }
        long rowsLen = (long) T * nHeads * kv.headDim();
        if (q == null) {
            throw new IllegalArgumentException("q must not be null");
        }
        if (q.length < qOff + rowsLen) {
            throw new IllegalArgumentException(
                    "q must hold T*nHeads*headDim = " + rowsLen + " floats from " + qOff + ", has " + q.length);
        }
        if (outNull) {
            throw new IllegalArgumentException("out must not be null");
        }
        if (outLength < outOff + rowsLen) {
            throw new IllegalArgumentException(
                    "out must hold T*nHeads*headDim = " + rowsLen + " floats from " + outOff + ", has " + outLength);
        }
        int[] limits = new int[T]; // (T)
        int capacity = kv.capacity();
        for (int i = 0; i < T; i++) {
            int limit = mask.limit(i);
            if (limit < 0 || limit > capacity) {
                throw new IllegalArgumentException(
                        "mask limit of query " + i + " must be in [0, kv capacity " + capacity + "], got " + limit);
            }
            limits[i] = limit;
        }
        return limits;
    }
}
