package dev.drafthorse.kernels.tensor;

/**
 * Float-array primitives used by attention, norms and the KV cache, with one entry point that picks the
 * vector path when {@link Simd#ENABLED} and the scalar reference ({@link ScalarKernels}) otherwise.
 */
public final class FloatOps {
    private FloatOps() {}

    /** sum_i a[aOff+i] * b[bOff+i] for i in [0, n). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return Simd.ENABLED ? F32Kernels.dot(a, aOff, b, bOff, n) : ScalarKernels.dot(a, aOff, b, bOff, n);
    }

    /** y[yOff+i] += alpha * x[xOff+i] for i in [0, n). */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        if (Simd.ENABLED) {
            F32Kernels.axpy(alpha, x, xOff, y, yOff, n);
        } else {
            ScalarKernels.axpy(alpha, x, xOff, y, yOff, n);
        }
    }

    /** y[yOff+i] *= alpha for i in [0, n). */
    public static void scale(float alpha, float[] y, int yOff, int n) {
        if (Simd.ENABLED) {
            F32Kernels.scale(alpha, y, yOff, n);
        } else {
            ScalarKernels.scale(alpha, y, yOff, n);
        }
    }

    /** gate[i] ← SiLU(gate[i]) · up[i] for i in [from, to), e^x by {@link ScalarKernels#expf}. */
    public static void siluGated(float[] gate, float[] up, int from, int to) {
        if (Simd.ENABLED) {
            F32Kernels.siluGated(gate, up, from, to);
        } else {
            ScalarKernels.siluGated(gate, up, from, to);
        }
    }
}
