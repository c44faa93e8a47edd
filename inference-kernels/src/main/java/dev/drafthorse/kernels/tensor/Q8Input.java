package dev.drafthorse.kernels.tensor;

/**
 * Inputs quantized to Q8_0 blocks for {@link NativeMatrix}: T inputs of N values, ggml's reference rounding
 * ({@link ActivationQuant#quantizeRowQ8_0}). Reused from product to product (the arrays grow, never shrink),
 * so a decode step allocates nothing.
 */
final class Q8Input {
    int t;
    int n;
    byte[] q = new byte[0]; // (T, N) quants in [-127, 127]
    float[] d = new float[0]; // (T, N / 32) scales, the F32 value of ggml's F16
    int[] s = new int[0]; // (T, N / 32) each block's sum of quants

    /** Quantizes x (t, n), input i at i·n: natively when the native kernels run, else in Java (the same bits). */
    Q8Input quantize(float[] x, int t, int n) {
        if (n % ActivationQuant.QK8 != 0) {
            throw new IllegalArgumentException("Q8_0 needs rows of a multiple of 32, got " + n);
        }
        if (x.length < t * n) {
            throw new IllegalArgumentException(
                    "x has " + x.length + " values, " + t + " inputs of " + n + " need more");
        }
        size(t, n);
        if (NativeKernels.ENABLED) {
            NativeKernels.quantizeQ8_0(x, t, n, q, d, s);
        } else {
            quantizeJava(x, t, n);
        }
        return this;
    }

    /** The Java reference of {@link NativeKernels#quantizeQ8_0}. */
    Q8Input quantizeJava(float[] x, int t, int n) {
        size(t, n);
        int nb = n / ActivationQuant.QK8;
        for (int i = 0; i < t; i++) {
            ActivationQuant.quantizeRowQ8_0(x, i * n, n, d, i * nb, q, i * n);
            for (int b = 0; b < nb; b++) {
                int sum = 0;
                for (int j = 0; j < ActivationQuant.QK8; j++) {
                    sum += q[i * n + b * ActivationQuant.QK8 + j];
                }
                s[i * nb + b] = sum;
            }
        }
        return this;
    }

    /** Room for t inputs of n values (the arrays grow, never shrink). */
    private void size(int t, int n) {
        this.t = t;
        this.n = n;
        int nb = n / ActivationQuant.QK8;
        if (q.length < t * n) {
            q = new byte[t * n];
        }
        if (d.length < t * nb) {
            d = new float[t * nb];
            s = new int[t * nb];
        }
    }
}
