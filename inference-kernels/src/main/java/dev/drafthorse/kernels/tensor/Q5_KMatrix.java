package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q5_K weights (ggml block_q5_K, 176 bytes per 256 values): an F16 d, an F16 dmin, 12 bytes of 6-bit
 * scales and mins (as Q4_K), 32 bytes qh of fifth bits, then 128 bytes of low nibbles; value
 * d·scale·q − dmin·min with q in [0, 31].
 *
 * <p>Quant order: the low nibbles as Q4_K's quants; the fifth bit of value e is bit e / 32 of
 * qh[e % 32].
 *
 * <p>ggml multiplies Q5_K against Q8_K activations ({@link #dotQ8K}).
 */
public final class Q5_KMatrix extends BlockMatrix<ActivationQuant.Q8K> {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 176;

    public Q5_KMatrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q5_K);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    void dequantizeBlock(int p, byte[] scratch, float[] dst, int off) {
        dequantize(data, p, scratch, dst, off);
    }

    @Override
    ActivationQuant.Q8K quantize(float[] x, int t) {
        return ActivationQuant.q8K(x, t, cols);
    }

    @Override
    float integerDot(int row, ActivationQuant.Q8K a, int input) {
        return dotQ8K(data, row * rowBytes, cols, a, input);
    }

    /** Offsets within a block. */
    private static final int D = 0;

    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    /** The block's 256 5-bit quants in value order. */
    static void unpack(byte[] w, int p, byte[] q) {
        for (int j = 0; j < 4; j++) {
            for (int l = 0; l < 32; l++) {
                int v = w[p + QS + 32 * j + l] & 0xff;
                int h = w[p + QH + l] & 0xff;
                q[64 * j + l] = (byte) ((v & 0x0f) + ((h >>> (2 * j)) & 1) * 16);
                q[64 * j + 32 + l] = (byte) ((v >>> 4) + ((h >>> (2 * j + 1)) & 1) * 16);
            }
        }
    }

    /** dequantize_row_q5_K for the block at w[p] (q is scratch for its quants). */
    static void dequantize(byte[] w, int p, byte[] q, float[] dst, int off) {
        unpack(w, p, q);
        float d = GgmlBlocks.f16(w, p + D);
        float min = GgmlBlocks.f16(w, p + DMIN);
        for (int s = 0; s < 8; s++) {
            float dl = d * GgmlBlocks.scaleK4(w, p + SCALES, s);
            float ml = min * GgmlBlocks.minK4(w, p + SCALES, s);
            for (int l = 0; l < 32; l++) {
                dst[off + 32 * s + l] = dl * q[32 * s + l] - ml;
            }
        }
    }

    /**
     * ggml_vec_dot_q5_K_q8_K (generic): the row of n values at w[wOff] against input {@code input} of a.
     * Per block the mins give sumi = Σ min·bsum, and sumf −= (dmin·d8)·sumi.
     * The integer part is exact in any order; the float part follows the generic kernel: eight lane sums
     * aux32[e % 8] of scale·q·q8 per block, sums[l] += d·aux32[l] across blocks, and the eight sums added
     * to sumf in lane order at the end.
     */
    public static float dotQ8K(byte[] w, int wOff, int n, ActivationQuant.Q8K a, int input) {
        return Q4_KMatrix.dotScaleMinQ8K(w, wOff, n, a, input, BLOCK_BYTES, Q5_KMatrix::unpack);
    }

    /**
     * The block at w[p] as value-order quants q[qOff, qOff + 256) and, per group of 16 values, a factor and
     * an offset such that each value is exactly (float) (a·q + b) as dequantize_row_q5_k computes it.
     */
    static void groups(byte[] w, int p, byte[] q, int qOff, float[] a, float[] b, int g) {
        byte[] block = new byte[BLOCK];
        unpack(w, p, block);
        System.arraycopy(block, 0, q, qOff, BLOCK);
        float d = GgmlBlocks.f16(w, p + D);
        float min = GgmlBlocks.f16(w, p + DMIN);
        for (int s = 0; s < 8; s++) {
            float dl = d * GgmlBlocks.scaleK4(w, p + SCALES, s);
            float ml = min * GgmlBlocks.minK4(w, p + SCALES, s);
            a[g + 2 * s] = dl;
            a[g + 2 * s + 1] = dl;
            b[g + 2 * s] = -ml;
            b[g + 2 * s + 1] = -ml;
        }
    }

    @Override
    void groups(int row, byte[] q, float[] a, float[] b) {
        for (int k = 0; k < cols / BLOCK; k++) {
            groups(
                    data,
                    row * rowBytes + k * BLOCK_BYTES,
                    q,
                    row * cols + k * BLOCK,
                    a,
                    b,
                    (row * cols + k * BLOCK) / 16);
        }
    }
}
