package dev.drafthorse.kernels.tensor;

/**
 * The 8-bit activation blocks that ggml multiplies quantized weights against, with ggml's reference
 * rounding ({@code quantize_row_q8_0_ref}, {@code quantize_row_q8_1_ref}, {@code quantize_row_q8_K_ref} in
 * ggml-quants.c). llama.cpp quantizes the input row of every matrix product once (Q8_0 for Q4_0/Q5_0, Q8_1
 * for Q4_1/Q5_1, Q8_K for the K-quants) and then multiplies in integers, one float multiply-add per
 * block; an engine that does the same lands on the same logits, which matters where two tokens nearly
 * tie.
 *
 * <p>Dimension legend: T inputs, N values per input (a multiple of the block size), NB = N / block.
 *
 * <p>ggml stores the Q8_0/Q8_1 scales as F16; here they are kept as the F32 value of that F16 (exact, and
 * what every ggml dot product widens them to). Q8_K keeps its F32 scale.
 */
public final class ActivationQuant {
    private ActivationQuant() {}

    /**
     * Whether the formats that multiply in integers do so on their scalar path (the default, as ggml);
     * {@code -Ddrafthorse.quant.floatdot=true} makes them use their float reference instead, to measure
     * what the activation rounding changes.
     */
    static final boolean INTEGER_DOT = !Boolean.getBoolean("drafthorse.quant.floatdot");

    /** Values per Q8_0 / Q8_1 block. */
    public static final int QK8 = 32;
    /** Values per Q8_K block (a K-quant super-block). */
    public static final int QK_K = 256;

    /** T inputs of N values as Q8_K blocks (ggml's block_q8_K, split into arrays). */
    public static final class Q8K {
        public final int t;
        public final int n;
        public final float[] d; // (T, NB) scale: value = d · q
        public final byte[] qs; // (T, N) quants in [-127, 127]
        public final short[] bsums; // (T, N / 16) sums of 16 consecutive quants

        Q8K(int t, int n) {
            if (n % QK_K != 0) {
                throw new IllegalArgumentException("Q8_K needs rows of a multiple of " + QK_K + ", got " + n);
            }
            this.t = t;
            this.n = n;
            this.d = new float[t * (n / QK_K)];
            this.qs = new byte[t * n];
            this.bsums = new short[t * (n / 16)];
        }
    }

    /** T inputs of N values as Q8_0 blocks (s is null) or Q8_1 blocks (s holds d · Σq per block). */
    public static final class Q8 {
        public final int t;
        public final int n;
        public final float[] d; // (T, NB) scale, the F32 value of ggml's F16
        public final float[] s; // (T, NB) Q8_1 only: F16(d · Σq) as F32; null for Q8_0
        public final byte[] qs; // (T, N) quants in [-127, 127]

        Q8(int t, int n, boolean withSums) {
            if (n % QK8 != 0) {
                throw new IllegalArgumentException("Q8_0/Q8_1 need rows of a multiple of " + QK8 + ", got " + n);
            }
            this.t = t;
            this.n = n;
            this.d = new float[t * (n / QK8)];
            this.s = withSums ? new float[t * (n / QK8)] : null;
            this.qs = new byte[t * n];
        }
    }

    /** x (T, N) as Q8_K blocks, input i at i·N. */
    public static Q8K q8K(float[] x, int t, int n) {
        Q8K a = new Q8K(t, n);
        for (int i = 0; i < t; i++) {
            quantizeRowQ8K(x, i * n, n, a.d, i * (n / QK_K), a.qs, i * n, a.bsums, i * (n / 16));
        }
        return a;
    }

    /** x (T, N) as Q8_0 blocks, input i at i·N. */
    public static Q8 q8_0(float[] x, int t, int n) {
        Q8 a = new Q8(t, n, false);
        for (int i = 0; i < t; i++) {
            quantizeRowQ8_0(x, i * n, n, a.d, i * (n / QK8), a.qs, i * n);
        }
        return a;
    }

    /** x (T, N) as Q8_1 blocks, input i at i·N. */
    public static Q8 q8_1(float[] x, int t, int n) {
        Q8 a = new Q8(t, n, true);
        for (int i = 0; i < t; i++) {
            quantizeRowQ8_1(x, i * n, n, a.d, i * (n / QK8), a.s, i * (n / QK8), a.qs, i * n);
        }
        return a;
    }

    /**
     * quantize_row_q8_K_ref: per block of 256, the value of largest magnitude (the first one on a tie)
     * maps to ∓127 (iscale = −127 / max), every value rounds half to even (ggml's nearest_int), quants
     * clamp at 127 and d = 1 / iscale. An all-zero block gets d = 0, zero quants and zero sums.
     */
    public static void quantizeRowQ8K(
            float[] x, int xOff, int n, float[] d, int dOff, byte[] qs, int qOff, short[] bsums, int bOff) {
        for (int b = 0; b < n / QK_K; b++) {
            int xb = xOff + b * QK_K;
            float max = 0f;
            float amax = 0f;
            for (int j = 0; j < QK_K; j++) {
                float ax = Math.abs(x[xb + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xb + j];
                }
            }
            int qb = qOff + b * QK_K;
            int sb = bOff + b * (QK_K / 16);
            if (amax == 0f) {
                d[dOff + b] = 0f;
                for (int j = 0; j < QK_K; j++) {
                    qs[qb + j] = 0;
                }
                for (int j = 0; j < QK_K / 16; j++) {
                    bsums[sb + j] = 0;
                }
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < QK_K; j++) {
                int v = nearestInt(iscale * x[xb + j]);
                qs[qb + j] = (byte) Math.min(127, v);
            }
            for (int j = 0; j < QK_K / 16; j++) {
                int sum = 0;
                for (int l = 0; l < 16; l++) {
                    sum += qs[qb + 16 * j + l];
                }
                bsums[sb + j] = (short) sum;
            }
            d[dOff + b] = 1f / iscale;
        }
    }

    /**
     * quantize_row_q8_0_ref: per block of 32, d = amax / 127 (stored as F16), q = roundf(x / d) with the
     * unrounded F32 d (roundf: half away from zero).
     */
    public static void quantizeRowQ8_0(float[] x, int xOff, int n, float[] d, int dOff, byte[] qs, int qOff) {
        for (int b = 0; b < n / QK8; b++) {
            int xb = xOff + b * QK8;
            float amax = 0f;
            for (int j = 0; j < QK8; j++) {
                amax = Math.max(amax, Math.abs(x[xb + j]));
            }
            float db = amax / 127f;
            float id = db != 0f ? 1f / db : 0f;
            d[dOff + b] = Float16.toFloat(Float16.fromFloat(db));
            for (int j = 0; j < QK8; j++) {
                qs[qOff + b * QK8 + j] = (byte) roundf(x[xb + j] * id);
            }
        }
    }

    /** quantize_row_q8_1_ref: Q8_0's quants and scale, plus s = F16(d · Σq) per block. */
    public static void quantizeRowQ8_1(
            float[] x, int xOff, int n, float[] d, int dOff, float[] s, int sOff, byte[] qs, int qOff) {
        for (int b = 0; b < n / QK8; b++) {
            int xb = xOff + b * QK8;
            float amax = 0f;
            for (int j = 0; j < QK8; j++) {
                amax = Math.max(amax, Math.abs(x[xb + j]));
            }
            float db = amax / 127f;
            float id = db != 0f ? 1f / db : 0f;
            d[dOff + b] = Float16.toFloat(Float16.fromFloat(db));
            int sum = 0;
            for (int j = 0; j < QK8; j++) {
                int q = roundf(x[xb + j] * id);
                qs[qOff + b * QK8 + j] = (byte) q;
                sum += q;
            }
            s[sOff + b] = Float16.toFloat(Float16.fromFloat(sum * db));
        }
    }

    /**
     * ggml's nearest_int: adding 1.5·2²³ leaves the rounded integer in the low mantissa bits (round half
     * to even, the FPU's mode). Valid for |v| ≤ 2²² − 1, which every caller here stays within.
     */
    static int nearestInt(float v) {
        float biased = v + 12582912f;
        return (Float.floatToRawIntBits(biased) & 0x007fffff) - 0x00400000;
    }

    /** C's roundf: to nearest, halves away from zero (Math.round rounds −2.5 to −2; roundf to −3). */
    static int roundf(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -a : a);
    }
}
