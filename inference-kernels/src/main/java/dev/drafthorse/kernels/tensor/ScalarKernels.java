package dev.drafthorse.kernels.tensor;

/**
 * The scalar reference of every float kernel: plain loops, one accumulator, the order of the math. The
 * vector kernels are tested against these, and run instead of them when the Vector API is absent.
 */
public final class ScalarKernels {
    private ScalarKernels() {}

    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    public static void scale(float alpha, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] *= alpha;
        }
    }
}
