package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q4_1 weights (ggml block_q4_1): blocks of 32 values, an F16 scale d, an F16 offset m, then 16 bytes;
 * byte j holds value j in its low nibble and value j+16 in its high nibble, value q·d + m.
 *
 * <p>ggml multiplies Q4_1 against Q8_1 activations ({@link #dotQ8_1}): the block's integer sum Σq·q8
 * scaled by d·d8, plus m times the activation block's own d8·Σq8 (its {@code s}), so the offset costs one
 * multiply-add per block.
 */
public final class Q4_1Matrix extends BlockMatrix<ActivationQuant.Q8> {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 20;

    public Q4_1Matrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q4_1);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
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

    /** dequantize_row_q4_1 for the block at w[p]: 32 values into dst[off, off + 32). */
    static void dequantize(byte[] w, int p, float[] dst, int off) {
        float d = GgmlBlocks.f16(w, p);
        float m = GgmlBlocks.f16(w, p + 2);
        for (int j = 0; j < 16; j++) {
            int q = w[p + 4 + j] & 0xff;
            dst[off + j] = (q & 0x0f) * d + m;
            dst[off + j + 16] = (q >>> 4) * d + m;
        }
    }

    /**
     * ggml_vec_dot_q4_1_q8_1 (generic): the row of n values at w[wOff] against input {@code input} of a.
     * Per block: sumi = Σ q·q8 in integers, then sumf += (d·d8)·sumi + m·s8, in that order.
     */
    public static float dotQ8_1(byte[] w, int wOff, int n, ActivationQuant.Q8 a, int input) {
        int nb = n / BLOCK;
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            int p = wOff + b * BLOCK_BYTES;
            int y = input * n + b * BLOCK;
            int sumi0 = 0;
            int sumi1 = 0;
            for (int j = 0; j < 16; j++) {
                int q = w[p + 4 + j] & 0xff;
                sumi0 += (q & 0x0f) * a.qs[y + j];
                sumi1 += (q >>> 4) * a.qs[y + j + 16];
            }
            int sumi = sumi0 + sumi1;
            int ab = input * nb + b;
            sumf += GgmlBlocks.f16(w, p) * a.d[ab] * sumi + GgmlBlocks.f16(w, p + 2) * a.s[ab];
        }
        return sumf;
    }

    /**
     * Row {@code row} as value-order quants and, per group of 16 values (two per block), a factor and an
     * offset such that each value is exactly (float) (a·q + b) as dequantize_row_q4_1 computes it.
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
            for (int j = 0; j < 16; j++) {
                int v = w[p + 4 + j] & 0xff;
                q[qo + j] = (byte) (v & 0x0f);
                q[qo + j + 16] = (byte) (v >>> 4);
            }
            a[g] = d;
            a[g + 1] = d;
            b[g] = m;
            b[g + 1] = m;
        }
    }
}
