package dev.drafthorse.kernels.attention;

/**
 * The test oracle: materializes, for each query and head, the whole masked score row
 * {@code softmax(q·kᵀ·scale)} and multiplies it by V, all in double precision. It is the definition the
 * fast kernels are measured against, so it favors obviousness over speed (it reads every visible key
 * through {@link KvStore#readKeys} one position at a time).
 *
 * <p>Grouped-query attention: query head h reads kv head {@code h / (nHeads / kvHeads)}. A query that
 * sees no key gets a zero output.
 */
public final class NaiveAttention {
    private NaiveAttention() {}

    /**
     * @param q queries, {@code (T, nHeads*headDim)}
     * @param out attention output, {@code (T, nHeads*headDim)}, in double
     */
    public static void attend(float[] q, int T, int nHeads, KvStore kv, AttentionMask mask, float scale, double[] out) {
        attend(q, T, nHeads, kv, mask, scale, 0.0, out);
    }

    /**
     * As above, with the scores soft-capped: {@code s = cap·tanh(s/cap)} after the scale, before the
     * softmax (Gemma 2); {@code cap} 0 for none.
     */
    public static void attend(
            float[] q, int T, int nHeads, KvStore kv, AttentionMask mask, float scale, double cap, double[] out) {
        int[] limits = AttentionArgs.check(q, T, nHeads, kv, mask, scale, out == null ? 0 : out.length, out == null);
        int d = kv.headDim();
        int group = nHeads / kv.kvHeads();
        float[] key = new float[d]; // (headDim)
        float[] value = new float[d]; // (headDim)
        for (int t = 0; t < T; t++) {
            int limit = limits[t];
            double[] scores = new double[limit]; // (limit) score row
            boolean[] seen = new boolean[limit]; // (limit) the mask row
            for (int h = 0; h < nHeads; h++) {
                int kvHead = h / group;
                int qOff = (t * nHeads + h) * d;
                double max = Double.NEGATIVE_INFINITY;
                boolean any = false;
                for (int j = 0; j < limit; j++) {
                    seen[j] = mask.visible(t, j); // the definition: never the causal() shortcut
                    if (!seen[j]) {
                        continue;
                    }
                    kv.readKeys(kvHead, j, 1, key, 0);
                    double s = 0;
                    for (int i = 0; i < d; i++) {
                        s += (double) q[qOff + i] * key[i];
                    }
                    s *= scale;
                    if (cap != 0) {
                        s = cap * Math.tanh(s / cap);
                    }
                    scores[j] = s;
                    max = Math.max(max, s);
                    any = true;
                }
                double[] acc = new double[d]; // (headDim)
                double sum = 0;
                if (any) {
                    for (int j = 0; j < limit; j++) {
                        if (!seen[j]) {
                            continue;
                        }
                        double p = Math.exp(scores[j] - max);
                        sum += p;
                        kv.readValues(kvHead, j, 1, value, 0);
                        for (int i = 0; i < d; i++) {
                            acc[i] += p * value[i];
                        }
                    }
                }
                for (int i = 0; i < d; i++) {
                    out[qOff + i] = any ? acc[i] / sum : 0.0;
                }
            }
        }
    }

    /** As {@link #attend(float[], int, int, KvStore, AttentionMask, float, double[])}, rounded to float. */
    public static void attend(float[] q, int T, int nHeads, KvStore kv, AttentionMask mask, float scale, float[] out) {
        AttentionArgs.check(q, T, nHeads, kv, mask, scale, out == null ? 0 : out.length, out == null);
        double[] exact = new double[T * nHeads * kv.headDim()]; // (T, nHeads*headDim)
        attend(q, T, nHeads, kv, mask, scale, exact);
        for (int i = 0; i < exact.length; i++) {
            out[i] = (float) exact[i];
        }
    }
}
