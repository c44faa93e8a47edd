package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q5_1 weights (ggml block_q5_1): blocks of 32 values, an F16 scale d, an F16 offset m, a little-endian
 * uint32 qh whose bit j is the fifth bit of value j, then 16 bytes of low nibbles (value j low, value j+16
 * high); value q·d + m with q in [0, 31].
 *
 * <p>ggml multiplies Q5_1 against Q8_1 activations ({@link #dotQ8_1}), the offset through the activation
 * block's d8·Σq8 as for Q4_1.
 */
public final class Q5_1Matrix extends BlockMatrix<ActivationQuant.Q8> {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 24;

    public Q5_1Matrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q5_1);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    void dequantizeBlock(int p, byte[] scratch, float[] dst, int off) {
        dequantize(data, p, dst, off);
    }

    @Override
    ActivationQuant.Q8 quantize(float[] x, int t) {
        return ActivationQuant.q8_1(x, t, cols);
    }

    @Override
    float integerDot(int row, ActivationQuant.Q8 a, int input) {
        return dotQ8_1(data, row * rowBytes, cols, a, input);
    }

    /** dequantize_row_q5_1 for the block at w[p]: 32 values into dst[off, off + 32). */
    static void dequantize(byte[] w, int p, float[] dst, int off) {
        float d = GgmlBlocks.f16(w, p);
        float m = GgmlBlocks.f16(w, p + 2);
        int qh = GgmlBlocks.u32(w, p + 4);
        for (int j = 0; j < 16; j++) {
            int q = w[p + 8 + j] & 0xff;
            int x0 = (q & 0x0f) | ((qh >>> j) & 1) << 4;
            int x1 = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
            dst[off + j] = x0 * d + m;
            dst[off + j + 16] = x1 * d + m;
        }
    }

    /**
     * ggml_vec_dot_q5_1_q8_1 (generic): the row of n values at w[wOff] against input {@code input} of a.
     * Per block: sumi = Σ q·q8 in integers, then sumf += (d·d8)·sumi + m·s8, in that order.
     */
    public static float dotQ8_1(byte[] w, int wOff, int n, ActivationQuant.Q8 a, int input) {
        int nb = n / BLOCK;
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            int p = wOff + b * BLOCK_BYTES;
            int y = input * n + b * BLOCK;
            int qh = GgmlBlocks.u32(w, p + 4);
            int sumi0 = 0;
            int sumi1 = 0;
            for (int j = 0; j < 16; j++) {
                int q = w[p + 8 + j] & 0xff;
                int x0 = (q & 0x0f) | ((qh >>> j) & 1) << 4;
                int x1 = (q >>> 4) | ((qh >>> (j + 16)) & 1) << 4;
                sumi0 += x0 * a.qs[y + j];
                sumi1 += x1 * a.qs[y + j + 16];
            }
            int sumi = sumi0 + sumi1;
            int ab = input * nb + b;
            sumf += GgmlBlocks.f16(w, p) * a.d[ab] * sumi + GgmlBlocks.f16(w, p + 2) * a.s[ab];
        }
        return sumf;
    }

    /**
     * Row {@code row} as value-order quants and, per group of 16 values (two per block), a factor and an
     * offset such that each value is exactly (float) (a·q + b) as dequantize_row_q5_1 computes it.
     */
    @Override
    void groups(int row, byte[] q, float[] a, float[] b) {
        byte[] w = data;
        for (int k = 0; k < cols / BLOCK; k++) {
            int p = row * rowBytes + k * BLOCK_BYTES;
            int qo = row * cols + k * BLOCK;
            int g = qo / 16;
            float d = GgmlBlocks.f16(w, p);
            float m = GgmlBlocks.f16(w, p + 2);
            int qh = GgmlBlocks.u32(w, p + 4);
            for (int j = 0; j < 16; j++) {
                int v = w[p + 8 + j] & 0xff;
                q[qo + j] = (byte) ((v & 0x0f) | ((qh >>> j) & 1) << 4);
                q[qo + j + 16] = (byte) ((v >>> 4) | ((qh >>> (j + 16)) & 1) << 4);
            }
            a[g] = d;
            a[g + 1] = d;
            b[g] = m;
            b[g + 1] = m;
        }
    }
}
