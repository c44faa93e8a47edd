package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q3_K weights (ggml block_q3_K, 110 bytes per 256 values): 32 bytes hmask, 64 bytes of 2-bit low quants,
 * 12 bytes of 6-bit sub-block scales (one per 16 values, bias 32), an F16 d; value d·(scale − 32)·q with
 * q = low − (high bit set ? 0 : 4) in [−4, 3].
 *
 * <p>Quant order: in each half of 128 values, byte l of the half's 32 low-quant bytes holds value 32·j + l
 * at bits 2j; the high bit of value e is bit e / 32 of hmask[e % 32].
 *
 * <p>ggml multiplies Q3_K against Q8_K activations ({@link #dotQ8K}).
 */
public final class Q3_KMatrix extends BlockMatrix<ActivationQuant.Q8K> {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 110;

    public Q3_KMatrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q3_K);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
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
    private static final int HMASK = 0;

    private static final int QS = 32;
    private static final int SCALES = 96;
    private static final int D = 108;

    /** The block's 256 signed 3-bit quants in value order. */
    static void unpack(byte[] w, int p, byte[] q) {
        for (int e = 0; e < BLOCK; e++) {
            int n = e / 128;
            int j = (e % 128) / 32;
            int l = e % 32;
            int low = ((w[p + QS + 32 * n + l] & 0xff) >>> (2 * j)) & 3;
            boolean high = ((w[p + HMASK + l] & 0xff) >>> (e / 32) & 1) != 0;
            q[e] = (byte) (low - (high ? 0 : 4));
        }
    }

    /** dequantize_row_q3_K for the block at w[p] (q is scratch for its quants). */
    static void dequantize(byte[] w, int p, byte[] q, float[] dst, int off) {
        unpack(w, p, q);
        float dAll = GgmlBlocks.f16(w, p + D);
        for (int s = 0; s < 16; s++) {
            float dl = dAll * GgmlBlocks.scaleQ3K(w, p + SCALES, s);
            for (int l = 0; l < 16; l++) {
                dst[off + 16 * s + l] = dl * q[16 * s + l];
            }
        }
    }

    /**
     * ggml_vec_dot_q3_K_q8_K (generic): the row of n values at w[wOff] against input {@code input} of a.
     * The integer part is exact in any order; the float part follows the generic kernel: eight lane sums
     * aux32[e % 8] of scale·q·q8 per block, sums[l] += d·aux32[l] across blocks, and the eight sums added
     * to sumf in lane order at the end.
     */
    public static float dotQ8K(byte[] w, int wOff, int n, ActivationQuant.Q8K a, int input) {
        int nb = n / BLOCK;
        byte[] q = new byte[BLOCK];
        int[] aux32 = new int[8];
        float[] sums = new float[8];
        for (int b = 0; b < nb; b++) {
            int p = wOff + b * BLOCK_BYTES;
            int y = input * n + b * BLOCK;
            unpack(w, p, q);
            java.util.Arrays.fill(aux32, 0);
            for (int s = 0; s < 16; s++) {
                int scale = GgmlBlocks.scaleQ3K(w, p + SCALES, s);
                for (int e = 16 * s; e < 16 * s + 16; e++) {
                    aux32[e % 8] += scale * (a.qs[y + e] * q[e]);
                }
            }
            float d = GgmlBlocks.f16(w, p + D) * a.d[input * nb + b];
            for (int l = 0; l < 8; l++) {
                sums[l] += d * aux32[l];
            }
        }
        float sumf = 0f;
        for (int l = 0; l < 8; l++) {
            sumf += sums[l];
        }
        return sumf;
    }

    /**
     * The block at w[p] as value-order quants q[qOff, qOff + 256) and, per group of 16 values, a factor and
     * an offset such that each value is exactly (float) (a·q + b) as dequantize_row_q3_k computes it.
     */
    static void groups(byte[] w, int p, byte[] q, int qOff, float[] a, float[] b, int g) {
        byte[] block = new byte[BLOCK];
        unpack(w, p, block);
        System.arraycopy(block, 0, q, qOff, BLOCK);
        float dAll = GgmlBlocks.f16(w, p + D);
        for (int s = 0; s < 16; s++) {
            a[g + s] = dAll * GgmlBlocks.scaleQ3K(w, p + SCALES, s);
            b[g + s] = 0f;
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
