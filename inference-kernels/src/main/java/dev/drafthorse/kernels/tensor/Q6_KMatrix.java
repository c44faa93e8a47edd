package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q6_K weights (ggml block_q6_K, 210 bytes per 256 values): 128 bytes ql of low nibbles, 64 bytes qh of
 * high bit pairs, 16 signed 8-bit sub-block scales (one per 16 values), an F16 d; value
 * d·scale·(q − 32) with q in [0, 63].
 *
 * <p>Quant order, per half of 128 values (64 ql bytes, 32 qh bytes): for l in 0..31, value l takes the low
 * nibble of ql[l], value 32 + l the low nibble of ql[32 + l], value 64 + l the high nibble of ql[l], value
 * 96 + l the high nibble of ql[32 + l]; their top two bits are bits 0–1, 2–3, 4–5, 6–7 of qh[l].
 *
 * <p>ggml multiplies Q6_K against Q8_K activations ({@link #dotQ8K}).
 */
public final class Q6_KMatrix extends BlockMatrix<ActivationQuant.Q8K> {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 210;

    public Q6_KMatrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q6_K);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
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
    private static final int QL = 0;

    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    /** The block's 256 signed 6-bit quants (q − 32) in value order. */
    static void unpack(byte[] w, int p, byte[] q) {
        for (int n = 0; n < 2; n++) {
            int ql = p + QL + 64 * n;
            int qh = p + QH + 32 * n;
            for (int l = 0; l < 32; l++) {
                int lo0 = w[ql + l] & 0xff;
                int lo1 = w[ql + 32 + l] & 0xff;
                int h = w[qh + l] & 0xff;
                q[128 * n + l] = (byte) (((lo0 & 0x0f) | (h & 3) << 4) - 32);
                q[128 * n + 32 + l] = (byte) (((lo1 & 0x0f) | ((h >>> 2) & 3) << 4) - 32);
                q[128 * n + 64 + l] = (byte) (((lo0 >>> 4) | ((h >>> 4) & 3) << 4) - 32);
                q[128 * n + 96 + l] = (byte) (((lo1 >>> 4) | ((h >>> 6) & 3) << 4) - 32);
            }
        }
    }

    /** dequantize_row_q6_K for the block at w[p] (q is scratch for its quants): (d·scale)·q per value. */
    static void dequantize(byte[] w, int p, byte[] q, float[] dst, int off) {
        unpack(w, p, q);
        float d = GgmlBlocks.f16(w, p + D);
        for (int e = 0; e < BLOCK; e++) {
            dst[off + e] = d * w[p + SCALES + e / 16] * q[e];
        }
    }

    /**
     * ggml_vec_dot_q6_K_q8_K (generic): the row of n values at w[wOff] against input {@code input} of a.
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
                int scale = w[p + SCALES + s];
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
     * an offset such that each value is exactly (float) (a·q + b) as dequantize_row_q6_k computes it.
     */
    static void groups(byte[] w, int p, byte[] q, int qOff, float[] a, float[] b, int g) {
        byte[] block = new byte[BLOCK];
        unpack(w, p, block);
        System.arraycopy(block, 0, q, qOff, BLOCK);
        float d = GgmlBlocks.f16(w, p + D);
        for (int s = 0; s < 16; s++) {
            a[g + s] = d * w[p + SCALES + s];
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
