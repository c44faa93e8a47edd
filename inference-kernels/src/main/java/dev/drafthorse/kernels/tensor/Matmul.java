package dev.drafthorse.kernels.tensor;

/**
 * Matrix products against weight matrices: {@code out (T, rows) = x (T, cols) · Wᵀ}. T = 1 is the
 * matrix-vector product of decoding; T > 1 is prefill and verification. Work is split over rows of W
 * (each output value is computed whole by one thread, so the split never changes a bit), and each
 * weight row is used for all T inputs while it is in cache.
 */
public final class Matmul {
    private Matmul() {}

    /**
     * @param w weights (rows, cols)
     * @param x inputs (T, cols), row t at t·cols
     * @param t number of input rows
     * @param out outputs (T, rows), row t at t·rows
     */
    public static void matmul(WeightMatrix w, float[] x, int t, float[] out, Parallel par) {
        matmul(new WeightMatrix[] {w}, x, t, new float[][] {out}, par);
    }

    /**
     * Several products of the same input in one parallel section (q, k and v; gate and up): {@code
     * outs[m] (T, ws[m].rows) = x · ws[m]ᵀ}. All matrices must have x's row length. Each output value is
     * still computed whole by one task, so the results are those of separate {@link #matmul} calls.
     */
    public static void matmul(WeightMatrix[] ws, float[] x, int t, float[][] outs, Parallel par) {
        int m = ws.length;
        int[] grain = new int[m];
        int[] first = new int[m + 1]; // first chunk of each matrix
        for (int i = 0; i < m; i++) {
            if (ws[i].cols() != ws[0].cols()) {
                throw new IllegalArgumentException("fused matrices need equal row lengths, got " + ws[0].cols() + " and " + ws[i].cols());
            }
            grain[i] = grain(ws[i], t, par);
            first[i + 1] = first[i] + (ws[i].rows() + grain[i] - 1) / grain[i];
        }
        if (first[m] == m && par.crowded()) {
            // Every product whole and the machine crowded: all on the caller's thread (see MIN_SPLIT_CROWDED).
            for (int i = 0; i < m; i++) {
                ws[i].multiply(0, ws[i].rows(), x, t, outs[i], ws[i].rows());
            }
            return;
        }
        float[] xd = null; // x de-interleaved once for all tasks (F16/BF16)
        for (WeightMatrix w : ws) {
            if (xd == null && w.wantsDeinterleaved() && first[m] > 1) {
                xd = w.prepare(x, t);
            }
        }
        float[] shared = xd;
        par.forEachChunk(first[m], c -> {
            int i = 0;
            while (c >= first[i + 1]) {
                i++;
            }
            WeightMatrix w = ws[i];
            int r0 = (c - first[i]) * grain[i];
            w.multiply(r0, Math.min(w.rows(), r0 + grain[i]), x, w.wantsDeinterleaved() ? shared : null, t, outs[i], w.rows());
        });
    }

    /**
     * Rows per task. Sized by the work (multiply-adds), not by the row count: a decode product of a 768×768
     * matrix (590k multiply-adds, a few hundred microseconds) is worth splitting over the threads, where
     * a hand-over costs a few microseconds. Small products stay whole; otherwise a few tasks per thread,
     * in whole tiles of four rows.
     */
    static int grain(WeightMatrix w, int t, Parallel par) {
        int rows = w.rows();
        long work = (long) rows * w.cols() * t;
        long min = par.crowded() ? MIN_SPLIT_CROWDED : MIN_SPLIT;
        if (par.threads() == 1 || work < min) {
            return rows;
        }
        int tasks = (int) Math.min(par.threads() * 4L, Math.max(2, work / MIN_SPLIT));
        int g = (rows + tasks - 1) / tasks;
        return (g + 3) & ~3;
    }

    /** Multiply-adds below which a product is not split. */
    static final long MIN_SPLIT = 1 << 16;
    /**
     * The same on a machine with more runnable threads than cores ({@link Parallel#crowded}): every split
     * section waits for its slowest thread, and there a thread waits milliseconds for a core, so the
     * sub-millisecond products of decoding (the 110M shape's up to 1.6M multiply-adds) stay whole on the
     * caller's thread, as the logits and prefill products are still split. Measured on the shared 2-core
     * box at load 8–15: decoding with every product split ran at a third of the speed of unsplit decoding.
     */
    static final long MIN_SPLIT_CROWDED = 1 << 22;

    /** The previous split (one task below 4,096 row-inputs, whatever the row length), for {@link MatmulBench}. */
    static void matmulBaseline(WeightMatrix w, float[] x, int t, float[] out, Parallel par) {
        int rows = w.rows();
        par.forRange(rows, grainBaseline(rows, t, par), (r0, r1) -> w.multiplyBaseline(r0, r1, x, t, out, rows));
    }

    /** The previous split: whole below 4,096 row-inputs (every decode product of the 110M shape but the logits). */
    private static int grainBaseline(int rows, int t, Parallel par) {
        int tasks = par.threads() * 4;
        if ((long) rows * t < 4096) {
            return rows;
        }
        int g = (rows + tasks - 1) / tasks;
        return (g + 3) & ~3; // whole tiles of four rows
    }
}
