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
        int rows = w.rows();
        par.forRange(rows, grain(rows, t, par), (r0, r1) -> w.multiply(r0, r1, x, t, out, rows));
    }

    /** Rows per task: a few tasks per thread, fewer and larger when there is little work. */
    private static int grain(int rows, int t, Parallel par) {
        int tasks = par.threads() * 4;
        if ((long) rows * t < 4096) {
            return rows;
        }
        int g = (rows + tasks - 1) / tasks;
        return (g + 3) & ~3; // whole tiles of four rows
    }
}
