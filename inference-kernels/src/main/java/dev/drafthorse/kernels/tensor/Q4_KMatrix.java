package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q4_K weights (ggml block_q4_K, 144 bytes per 256 values): an F16 d, an F16 dmin, 12 bytes packing eight
 * 6-bit scales and eight 6-bit mins (one each per 32 values), then 128 bytes of 4-bit quants; value
 * d·scale·q − dmin·min.
 *
 * <p>Quant order: each 64 values share 32 bytes, the first 32 values in the low nibbles, the next 32 in
 * the high nibbles.
 *
 * <p>ggml multiplies Q4_K against Q8_K activations ({@link #dotQ8K}); the mins go through the Q8_K block
 * sums.
 */
public final class Q4_KMatrix extends BlockMatrix<ActivationQuant.Q8K> {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 144;

    public Q4_KMatrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q4_K);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
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
    private static final int QS = 16;

    /** The block's 256 4-bit quants in value order. */
    static void unpack(byte[] w, int p, byte[] q) {
        for (int j = 0; j < 4; j++) {
            for (int l = 0; l < 32; l++) {
                int v = w[p + QS + 32 * j + l] & 0xff;
                q[64 * j + l] = (byte) (v & 0x0f);
                q[64 * j + 32 + l] = (byte) (v >>> 4);
            }
        }
    }

    /** dequantize_row_q4_K for the block at w[p] (q is scratch for its quants). */
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
     * ggml_vec_dot_q4_K_q8_K (generic): the row of n values at w[wOff] against input {@code input} of a.
     * Per block the mins give sumi = Σ min·bsum, and sumf −= (dmin·d8)·sumi.
     * The integer part is exact in any order; the float part follows the generic kernel: eight lane sums
     * aux32[e % 8] of scale·q·q8 per block, sums[l] += d·aux32[l] across blocks, and the eight sums added
     * to sumf in lane order at the end.
     */
    public static float dotQ8K(byte[] w, int wOff, int n, ActivationQuant.Q8K a, int input) {
        return dotScaleMinQ8K(w, wOff, n, a, input, BLOCK_BYTES, Q4_KMatrix::unpack);
    }

    /** A block's 256 quants in value order (Q4_K's or Q5_K's layout). */
    @FunctionalInterface
    interface Unpacker {
        void unpack(byte[] w, int p, byte[] q);
    }

    /**
     * The generic integer dot product shared by Q4_K and Q5_K, which differ only in their block size and how
     * their quants unpack (d, dmin and the 6-bit scales and mins sit at the same offsets in both).
     */
    static float dotScaleMinQ8K(
            byte[] w, int wOff, int n, ActivationQuant.Q8K a, int input, int blockBytes, Unpacker unpacker) {
        int nb = n / BLOCK;
        byte[] q = new byte[BLOCK];
        int[] aux32 = new int[8];
        float[] sums = new float[8];
        float sumf = 0f;
        for (int b = 0; b < nb; b++) {
            int p = wOff + b * blockBytes;
            int y = input * n + b * BLOCK;
            int bs = (input * nb + b) * 16;
            unpacker.unpack(w, p, q);
            int sumi = 0;
            for (int j = 0; j < 16; j++) {
                sumi += a.bsums[bs + j] * GgmlBlocks.minK4(w, p + SCALES, j / 2);
            }
            java.util.Arrays.fill(aux32, 0);
            for (int s = 0; s < 8; s++) {
                int scale = GgmlBlocks.scaleK4(w, p + SCALES, s);
                for (int e = 32 * s; e < 32 * s + 32; e++) {
                    aux32[e % 8] += scale * (a.qs[y + e] * q[e]);
                }
            }
            float y8 = a.d[input * nb + b];
            float d = GgmlBlocks.f16(w, p + D) * y8;
            for (int l = 0; l < 8; l++) {
                sums[l] += d * aux32[l];
            }
            float dmin = GgmlBlocks.f16(w, p + DMIN) * y8;
            sumf -= dmin * sumi;
        }
        for (int l = 0; l < 8; l++) {
            sumf += sums[l];
        }
        return sumf;
    }

    /**
     * The block at w[p] as value-order quants q[qOff, qOff + 256) and, per group of 16 values, a factor and
     * an offset such that each value is exactly (float) (a·q + b) as dequantize_row_q4_k computes it.
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
