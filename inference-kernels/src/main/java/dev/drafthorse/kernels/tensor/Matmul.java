package dev.drafthorse.kernels.tensor;

import java.util.function.IntConsumer;

/**
 * Matrix products against weight matrices: {@code out (T, rows) = x (T, cols) · Wᵀ}. T = 1 is the
 * matrix-vector product of decoding; T > 1 is prefill and verification. Work is split over rows of W
 * (each output value is computed whole by one thread, so the split never changes a bit), in one parallel
 * section per call — one hand-off and one barrier, however many matrices share the input.
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
        Product p = PRODUCT.get();
        p.ws[0] = w;
        p.outs[0] = out;
        p.run(1, x, t, par);
    }

    /**
     * Several products of the same input in one parallel section (q, k and v; gate and up): {@code
     * outs[m] (T, ws[m].rows) = x · ws[m]ᵀ}. All matrices must have x's row length. Each output value is
     * still computed whole by one task, so the results are those of separate {@link #matmul} calls.
     */
    public static void matmul(WeightMatrix[] ws, float[] x, int t, float[][] outs, Parallel par) {
        if (ws.length != outs.length) {
            throw new IllegalArgumentException(ws.length + " matrices for " + outs.length + " outputs");
        }
        Product p = PRODUCT.get();
        p.ensure(ws.length);
        for (int i = 0; i < ws.length; i++) {
            if (ws[i].cols() != ws[0].cols()) {
                throw new IllegalArgumentException(
                        "fused matrices need equal row lengths, got " + ws[0].cols() + " and " + ws[i].cols());
            }
            p.ws[i] = ws[i];
            p.outs[i] = outs[i];
        }
        p.run(ws.length, x, t, par);
    }

    /** One product's state, reused per calling thread so that a decode step allocates nothing. */
    private static final ThreadLocal<Product> PRODUCT = ThreadLocal.withInitial(Product::new);

    private static final class Product implements IntConsumer {
        WeightMatrix[] ws = new WeightMatrix[4];
        float[][] outs = new float[4][];
        int[] grain = new int[4];
        int[] first = new int[5]; // first chunk of each matrix; first[m] = chunks in all
        float[] prepared = new float[0]; // x in the form F16/BF16 kernels read, shared by all tasks
        final Q8Input quantized = new Q8Input(); // x as Q8_0 blocks for native matrices, shared by all tasks
        boolean quantizedNow; // whether quantized holds this product's x
        int m;
        float[] x;
        float[] xp;
        int t;

        void ensure(int n) {
            if (ws.length < n) {
                ws = new WeightMatrix[n];
                outs = new float[n][];
                grain = new int[n];
                first = new int[n + 1];
            }
        }

        void run(int count, float[] input, int rows, Parallel par) {
            m = count;
            x = input;
            t = rows;
            xp = null;
            quantizedNow = false;
            for (int i = 0; i < m; i++) {
                grain[i] = grain(ws[i], t, par);
                first[i + 1] = first[i] + (ws[i].rows() + grain[i] - 1) / grain[i];
                if (xp == null && Simd.ENABLED && ws[i].wantsPrepared()) {
                    int need = t * ws[i].cols();
                    if (prepared.length < need) {
                        prepared = new float[need];
                    }
                    ws[i].prepare(x, t, prepared);
                    xp = prepared;
                }
                if (!quantizedNow && ws[i] instanceof NativeMatrix) {
                    quantized.quantize(x, t, ws[i].cols());
                    quantizedNow = true;
                }
            }
            try {
                par.forEachChunk(
                        first[m], this); // a crowded machine needs no special case: idle threads take the chunks
            } finally {
                for (int i = 0; i < m; i++) {
                    ws[i] = null;
                    outs[i] = null;
                }
                x = null;
                xp = null;
            }
        }

        @Override
        public void accept(int c) {
            int i = 0;
            while (c >= first[i + 1]) {
                i++;
            }
            WeightMatrix w = ws[i];
            int r0 = (c - first[i]) * grain[i];
            int r1 = Math.min(w.rows(), r0 + grain[i]);
            if (w instanceof NativeMatrix n) {
                n.multiply(r0, r1, quantized, t, outs[i], w.rows());
            } else {
                w.multiply(r0, r1, x, w.wantsPrepared() ? xp : null, t, outs[i], w.rows());
            }
        }
    }

    /**
     * Rows per task. Sized by the work (multiply-adds), not by the row count: a decode product of a 768×768
     * matrix (590k multiply-adds, a few hundred microseconds) is worth splitting over the threads, where
     * a hand-off costs a microsecond or two. Small products stay whole; otherwise a few tasks per thread, in whole
     * groups of rows ({@link WeightMatrix#rowAlign}): two per thread for decoding, six for the register tiles
     * (T ≥ 4), whose tasks are long enough that the last one finishing alone cost more than the hand-offs (128-token
     * prefill 2–5% faster, Q4_0 and Q8_0).
     */
    static int grain(WeightMatrix w, int t, Parallel par) {
        int rows = w.rows();
        long work = (long) rows * w.cols() * t;
        if (par.threads() == 1 || work < MIN_SPLIT) {
            return rows;
        }
        int tasks = (int) Math.min(par.threads() * (t >= w.tileAt() ? 6L : 2L), Math.max(2, work / MIN_SPLIT));
        int g = (rows + tasks - 1) / tasks;
        int align = w.rowAlign();
        return (g + align - 1) / align * align;
    }

    /** Multiply-adds below which a product is not split. */
    static final long MIN_SPLIT = 1 << 15;
}
