package dev.drafthorse.kernels.train;

import dev.drafthorse.kernels.tensor.Parallel;

/**
 * The forward and backward operations of the trained heads, written out in double over row-major
 * arrays. Dimension legend: R rows (positions), I inputs, O outputs, V vocabulary.
 *
 * <p>Each output element is computed by one chunk, in a fixed order, so results do not depend on the
 * thread count. These are plain loops, not the inference kernels: training needs the transposed
 * products (dx = dy·W, dW = dyᵀ·x) the read-only weight matrices do not offer.
 */
final class Ops {
    private Ops() {}

    private static final int GRAIN = 8;

    /** y (R, O) = x (R, I) · Wᵀ with W (O, I), plus b (O) when not null. */
    static void linear(double[] x, int rows, int in, double[] w, double[] b, int out, double[] y, Parallel par) {
        par.forRange(rows, GRAIN, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int xo = r * in;
                for (int o = 0; o < out; o++) {
                    int wo = o * in;
                    double s = b == null ? 0 : b[o];
                    for (int i = 0; i < in; i++) {
                        s += w[wo + i] * x[xo + i];
                    }
                    y[r * out + o] = s;
                }
            }
        });
    }

    /**
     * The backward of {@link #linear}: dx (R, I) += dy (R, O) · W; dW (O, I) += dyᵀ · x; db (O) += Σ_r dy.
     * Any of dx, dW, db may be null (frozen or unneeded).
     */
    static void linearBackward(
            double[] x,
            double[] dy,
            int rows,
            int in,
            int out,
            double[] w,
            double[] dx,
            double[] dw,
            double[] db,
            Parallel par) {
        if (dx != null) {
            par.forRange(rows, GRAIN, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int xo = r * in;
                    for (int o = 0; o < out; o++) {
                        double g = dy[r * out + o];
                        if (g != 0) {
                            int wo = o * in;
                            for (int i = 0; i < in; i++) {
                                dx[xo + i] += g * w[wo + i];
                            }
                        }
                    }
                }
            });
        }
        if (dw != null || db != null) {
            par.forRange(out, GRAIN, (o0, o1) -> {
                for (int o = o0; o < o1; o++) {
                    int wo = o * in;
                    for (int r = 0; r < rows; r++) {
                        double g = dy[r * out + o];
                        if (db != null) {
                            db[o] += g;
                        }
                        if (dw != null && g != 0) {
                            int xo = r * in;
                            for (int i = 0; i < in; i++) {
                                dw[wo + i] += g * x[xo + i];
                            }
                        }
                    }
                }
            });
        }
    }

    /** y = x · s ⊙ w with s = 1/sqrt(mean(x²) + eps), over each of R rows of n; returns s per row. */
    static double[] rmsnorm(double[] x, double[] w, double[] y, int rows, int n, double eps) {
        double[] s = new double[rows];
        for (int r = 0; r < rows; r++) {
            int off = r * n;
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += x[off + i] * x[off + i];
            }
            s[r] = 1.0 / Math.sqrt(ss / n + eps);
            for (int i = 0; i < n; i++) {
                y[off + i] = x[off + i] * s[r] * w[i];
            }
        }
        return s;
    }

    /**
     * The backward of {@link #rmsnorm}: with g = w ⊙ dy, dx += s·g − s³/n · x · (x·g); dw += Σ_r x·s ⊙ dy.
     */
    static void rmsnormBackward(
            double[] x, double[] w, double[] s, double[] dy, int rows, int n, double[] dx, double[] dw) {
        for (int r = 0; r < rows; r++) {
            int off = r * n;
            double sr = s[r];
            double dot = 0;
            for (int i = 0; i < n; i++) {
                dot += x[off + i] * w[i] * dy[off + i];
            }
            double c = sr * sr * sr / n * dot;
            for (int i = 0; i < n; i++) {
                if (dx != null) {
                    dx[off + i] += sr * w[i] * dy[off + i] - c * x[off + i];
                }
                if (dw != null) {
                    dw[i] += x[off + i] * sr * dy[off + i];
                }
            }
        }
    }

    static double silu(double z) {
        return z / (1 + Math.exp(-z));
    }

    /** d silu(z)/dz = σ(z)(1 + z(1 − σ(z))). */
    static double siluGrad(double z) {
        double sg = 1 / (1 + Math.exp(-z));
        return sg * (1 + z * (1 - sg));
    }

    /**
     * Softmax cross-entropy of one row of logits against {@code target}; writes dlogits = g·(softmax − onehot)
     * and returns the loss −log p[target].
     */
    static double crossEntropy(double[] logits, int off, int v, int target, double g, double[] dlogits, int dOff) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        double logZ = max + Math.log(sum);
        if (dlogits != null) {
            for (int i = 0; i < v; i++) {
                dlogits[dOff + i] = g * Math.exp(logits[off + i] - logZ);
            }
            dlogits[dOff + target] -= g;
        }
        return logZ - logits[off + target];
    }

    /** The index of the largest of a[off, off + n), lowest on ties. */
    static int argmax(double[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[off + i] > a[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
