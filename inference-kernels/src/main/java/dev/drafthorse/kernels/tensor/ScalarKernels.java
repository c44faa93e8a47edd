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

    /** gate[i] ← SiLU(gate[i]) · up[i] = gate[i] / (1 + e^−gate[i]) · up[i] for i in [from, to), e^x by {@link #expf}. */
    public static void siluGated(float[] gate, float[] up, int from, int to) {
        for (int i = from; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (1f + expf(-g)) * up[i];
        }
    }

    /**
     * e^x in float, the order the vector kernel ({@code F32Kernels.siluGated}) computes lane by lane, so both give the
     * same bits: x = n·ln 2 + r with n = round(x·log2 e) (by adding 1.5·2^23) and r by two fused steps (ln 2 split in a
     * short high part and the rest), e^r ≈ 1 + r + r²·p(r) with Cephes' degree-5 {@code expf} polynomial in fused steps
     * (within 2 ulp of e^x), times 2 · 2^(n−1). Above 88.72 it is +∞ and below −86.6 zero (e^x < 2.4e−38 there; SiLU
     * adds it to 1), NaN stays NaN. ggml computes SiLU with a polynomial exp as well ({@code ggml_v_expf}).
     */
    public static float expf(float x) {
        if (x > EXP_MAX) {
            return Float.POSITIVE_INFINITY;
        }
        if (x < EXP_MIN) {
            return 0f;
        }
        float v = Math.fma(x, LOG2E, ROUNDER);
        int n = Float.floatToRawIntBits(v) - ROUNDER_BITS;
        float nf = v - ROUNDER;
        float r = Math.fma(nf, -LN2_HI, x);
        r = Math.fma(nf, -LN2_LO, r);
        float p = Math.fma(EXP_P0, r, EXP_P1);
        p = Math.fma(p, r, EXP_P2);
        p = Math.fma(p, r, EXP_P3);
        p = Math.fma(p, r, EXP_P4);
        p = Math.fma(p, r, EXP_P5);
        float e = Math.fma(p, r * r, r) + 1f;
        return e * 2f * Float.intBitsToFloat((n + 126) << 23);
    }

    static final float EXP_MAX = 88.72283f; // ln(Float.MAX_VALUE)
    static final float EXP_MIN = -86.6f; // n ≥ −125, so 2^(n−1) is normal
    static final float LOG2E = 1.44269504088896341f;
    static final float ROUNDER = 12582912f; // 1.5·2^23: v + ROUNDER keeps round(v) in the low mantissa bits
    static final int ROUNDER_BITS = 0x4B400000; // the bits of ROUNDER
    static final float LN2_HI = 0.693359375f; // ln 2 in 9 significant bits: n·LN2_HI is exact
    static final float LN2_LO = -2.12194440e-4f; // ln 2 − LN2_HI
    static final float EXP_P0 = 1.9875691500e-4f;
    static final float EXP_P1 = 1.3981999507e-3f;
    static final float EXP_P2 = 8.3334519073e-3f;
    static final float EXP_P3 = 4.1665795894e-2f;
    static final float EXP_P4 = 1.6666665459e-1f;
    static final float EXP_P5 = 5.0000001201e-1f;
}
