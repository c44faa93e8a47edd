package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q2_K weights (ggml block_q2_K, 84 bytes per 256 values): 16 bytes of sub-block scales (low nibble the
 * scale, high nibble the min, one byte per 16 values), 64 bytes of 2-bit quants, an F16 d and an F16 dmin;
 * value d·scale·q − dmin·min.
 *
 * <p>Quant order: in each half of 128 values, byte l of the half's 32 bytes holds value 32·j + l at bits
 * 2j (j = 0..3).
 *
 * <p>ggml multiplies Q2_K against Q8_K activations ({@link #dotQ8K}); the mins go through the Q8_K block
 * sums, one integer product per 16 values.
 */
public final class Q2_KMatrix extends BlockMatrix<ActivationQuant.Q8K> {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 84;

    public Q2_KMatrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q2_K);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
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
    private static final int SCALES = 0;

    private static final int QS = 16;
    private static final int D = 80;
    private static final int DMIN = 82;

    /** The block's 256 2-bit quants in value order. */
    static void unpack(byte[] w, int p, byte[] q) {
        for (int n = 0; n < 2; n++) {
            for (int j = 0; j < 4; j++) {
                for (int l = 0; l < 32; l++) {
                    q[128 * n + 32 * j + l] = (byte) (((w[p + QS + 32 * n + l] & 0xff) >>> (2 * j)) & 3);
                }
            }
        }
    }

    /** dequantize_row_q2_K for the block at w[p] (q is scratch for its quants). */
    static void dequantize(byte[] w, int p, byte[] q, float[] dst, int off) {
        unpack(w, p, q);
        float d = GgmlBlocks.f16(w, p + D);
        float min = GgmlBlocks.f16(w, p + DMIN);
        for (int s = 0; s < 16; s++) {
            int sc = w[p + SCALES + s] & 0xff;
            float dl = d * (sc & 0x0f);
            float ml = min * (sc >>> 4);
            for (int l = 0; l < 16; l++) {
                dst[off + 16 * s + l] = dl * q[16 * s + l] - ml;
            }
        }
    }

    /**
     * ggml_vec_dot_q2_K_q8_K (generic): the row of n values at w[wOff] against input {@code input} of a.
     * Per block: isum = Σ scale·(Σ q·q8) and summs = Σ min·bsum in integers, then
     * sumf += (d8·d)·isum − (d8·dmin)·summs.
     */
    public static float dotQ8K(byte[] w, int wOff, int n, ActivationQuant.Q8K a, int input) {
        int nb = n / BLOCK;
        byte[] q = new byte[BLOCK];
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            int p = wOff + b * BLOCK_BYTES;
            int y = input * n + b * BLOCK;
            int bs = (input * nb + b) * 16;
            unpack(w, p, q);
            int summs = 0;
            for (int j = 0; j < 16; j++) {
                summs += a.bsums[bs + j] * ((w[p + SCALES + j] & 0xff) >>> 4);
            }
            float y8 = a.d[input * nb + b];
            float dall = y8 * GgmlBlocks.f16(w, p + D);
            float dmin = y8 * GgmlBlocks.f16(w, p + DMIN);
            int isum = 0;
            for (int s = 0; s < 16; s++) {
                int isuml = 0;
                for (int l = 0; l < 16; l++) {
                    isuml += a.qs[y + 16 * s + l] * q[16 * s + l];
                }
                isum += (w[p + SCALES + s] & 0x0f) * isuml;
            }
            sumf += dall * isum - dmin * summs;
        }
        return sumf;
    }

    /**
     * The block at w[p] as value-order quants q[qOff, qOff + 256) and, per group of 16 values, a factor and
     * an offset such that each value is exactly (float) (a·q + b) as dequantize_row_q2_k computes it.
     */
    static void groups(byte[] w, int p, byte[] q, int qOff, float[] a, float[] b, int g) {
        byte[] block = new byte[BLOCK];
        unpack(w, p, block);
        System.arraycopy(block, 0, q, qOff, BLOCK);
        float d = GgmlBlocks.f16(w, p + D);
        float min = GgmlBlocks.f16(w, p + DMIN);
        for (int s = 0; s < 16; s++) {
            int sc = w[p + SCALES + s] & 0xff;
            a[g + s] = d * (sc & 0x0f);
            b[g + s] = -(min * (sc >>> 4));
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
