package dev.drafthorse.kernels.attention;

import dev.drafthorse.kernels.tensor.FloatOps;
import dev.drafthorse.kernels.tensor.Parallel;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The textbook CPU attention, kept as the baseline {@link TiledAttention} is benchmarked against: for
 * each query and head, compute the whole score row over every visible key, softmax it (max, exp, sum),
 * and sum the weighted values. O(kvLen) extra memory per query, one pass over K and one over V per query,
 * no tiling across queries.
 *
 * <p>To give the baseline its best shot it does not read keys one call at a time: each task (a kv head
 * and a range of queries) first copies that head's keys and values up to the range's largest limit into
 * dense per-thread arrays, then works on plain arrays, and it uses the same fused score and value kernels
 * ({@link ChunkKernels}) as the tiled kernel, so a benchmark of the two measures the tiling and nothing
 * else. Results are independent of the thread count but are not bit-identical to {@link TiledAttention}
 * (one softmax over the whole row instead of merged chunks).
 */
public final class PlainAttention {
    /** Queries per task: the dense K/V copy is amortized over this many queries. */
    static final int QUERY_RANGE = 128;

    private final ConcurrentLinkedQueue<Scratch> pool = new ConcurrentLinkedQueue<>();
    private final boolean vector = ChunkKernels.vector(false);

    /**
     * Same contract as {@link TiledAttention#attend}.
     *
     * @param q queries, {@code (T, nHeads*headDim)}
     * @param out result, {@code (T, nHeads*headDim)}
     */
    public void attend(
            float[] q, int T, int nHeads, KvStore kv, AttentionMask mask, float scale, float[] out, Parallel par) {
        int[] limits =
                AttentionArgs.check(q, T, nHeads, kv, mask, scale, out == null ? 0 : out.length, out == null); // (T)
        if (par == null) {
            throw new IllegalArgumentException("par must not be null");
        }
        int kvHeads = kv.kvHeads();
        int ranges = (T + QUERY_RANGE - 1) / QUERY_RANGE;
        AttentionMask sparse = mask.causal() ? null : mask;
        par.forEachChunk(ranges * kvHeads, item -> {
            Scratch s = pool.poll();
            if (s == null) {
                s = new Scratch();
            }
            try {
                range(vector, s, q, T, nHeads, kv, sparse, scale, out, limits, item / kvHeads, item % kvHeads);
            } finally {
                pool.offer(s);
            }
        });
    }

    private static void range(
            boolean vector,
            Scratch s,
            float[] q,
            int T,
            int nHeads,
            KvStore kv,
            AttentionMask sparse,
            float scale,
            float[] out,
            int[] limits,
            int range,
            int kvHead) {
        int d = kv.headDim();
        int group = nHeads / kv.kvHeads();
        int t0 = range * QUERY_RANGE;
        int t1 = Math.min(T, t0 + QUERY_RANGE);
        int keys = 0;
        for (int t = t0; t < t1; t++) {
            keys = Math.max(keys, limits[t]);
        }
        s.prepare(keys, d);
        float[] k = s.keys; // (keys, headDim)
        float[] v = s.values; // (keys, headDim)
        float[] scores = s.scores; // (keys)
        kv.readKeys(kvHead, 0, keys, k, 0);
        kv.readValues(kvHead, 0, keys, v, 0);
        for (int t = t0; t < t1; t++) {
            int limit = limits[t];
            for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
                int off = (t * nHeads + h) * d;
                // The whole score row at once (masked keys are scored too, then ignored).
                ChunkKernels.dots(vector, q, off, k, 0, d, limit, scores, 0);
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < limit; j++) {
                    if (sparse == null || sparse.visible(t, j)) {
                        float x = scores[j] * scale;
                        scores[j] = x;
                        max = x > max ? x : max;
                        s.visible[j] = true;
                    } else {
                        s.visible[j] = false;
                    }
                }
                Arrays.fill(out, off, off + d, 0f);
                if (max == Float.NEGATIVE_INFINITY) {
                    continue; // sees no key
                }
                float sum = 0f;
                for (int j = 0; j < limit; j++) {
                    if (s.visible[j]) {
                        float e = (float) Math.exp(scores[j] - max);
                        scores[j] = e;
                        sum += e;
                    }
                }
                ChunkKernels.weightedSum(
                        vector, scores, 0, sparse == null ? null : s.visible, 0, limit, v, 0, d, out, off);
                FloatOps.scale(1f / sum, out, off, d);
            }
        }
    }

    /** One thread's dense K/V copy and score row; arrays only grow. */
    private static final class Scratch {
        float[] keys = new float[0]; // (keys, headDim)
        float[] values = new float[0]; // (keys, headDim)
        float[] scores = new float[0]; // (keys)
        boolean[] visible = new boolean[0]; // (keys) the mask row

        void prepare(int keys, int d) {
            if (this.keys.length < keys * d) {
                this.keys = new float[keys * d];
                this.values = new float[keys * d];
            }
            if (scores.length < keys) {
                scores = new float[keys];
                visible = new boolean[keys];
            }
        }
    }
}
