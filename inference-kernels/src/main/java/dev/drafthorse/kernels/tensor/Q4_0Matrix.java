package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q4_0 weights (ggml): blocks of 32 values, each stored as an F16 scale d and 16 bytes; byte j holds
 * value j in its low nibble and value j + 16 in its high nibble, value d·(nibble − 8). Laid out at load
 * time as the packed nibbles in one {@code byte[]} (ggml's order kept) and the scales, already widened,
 * in a {@code float[]}; d·(nibble − 8) is exact in F32, so the canonical order is the F32 one over the
 * dequantized values.
 */
public final class Q4_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 18;

    private final byte[] q; // (rows, cols / 2) packed nibbles, 16 bytes per block
    private final float[] d; // (rows, cols / 32) block scales

    public Q4_0Matrix(ByteBuffer data, int rows, int cols) {
        super(rows, cols);
        ByteBuffer b = checked(data, rows, cols, GgmlType.Q4_0);
        int blocks = rows * (cols / BLOCK);
        q = new byte[rows * cols / 2];
        d = new float[blocks];
        for (int k = 0; k < blocks; k++) {
            int p = k * BLOCK_BYTES;
            d[k] = Float16.toFloat(b.getShort(p));
            b.get(p + 2, q, k * 16, 16);
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    /** Element i of row {@code row}, dequantized. */
    private float value(int row, int i) {
        int blk = row * (cols / BLOCK) + i / BLOCK;
        int j = i % BLOCK;
        int packed = q[blk * 16 + (j & 15)] & 0xff;
        int nibble = j < 16 ? packed & 0x0f : packed >>> 4;
        return d[blk] * (nibble - 8);
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        float s = 0f;
        for (int i = 0; i < cols; i++) {
            s += value(row, i) * x[xOff + i];
        }
        return s;
    }

    @Override
    public void row(int row, float[] dst, int off) {
        for (int i = 0; i < cols; i++) {
            dst[off + i] = value(row, i);
        }
    }

    @Override
    void widen(int row, float[] dst, int off) {
        if (Q4_0Kernels.OK) {
            Q4_0Kernels.widen(q, row * cols / 2, d, row * (cols / BLOCK), dst, off, cols);
        } else {
            row(row, dst, off);
        }
    }

    @Override
    void multiplyFew(int r0, int r1, float[] x, float[] xp, int t, float[] out, int outStride) {
        if (!Q4_0Kernels.OK) {
            super.multiplyFew(r0, r1, x, xp, t, out, outStride);
            return;
        }
        int nb = cols / BLOCK;
        int rowBytes = cols / 2;
        for (int i = 0; i < t; i++) {
            int r = r0;
            for (; r + 4 <= r1; r += 4) {
                Q4_0Kernels.rows4(q, r * rowBytes, d, r * nb, cols, x, i * cols, out, i * outStride + r);
            }
            for (; r < r1; r++) {
                out[i * outStride + r] = Q4_0Kernels.dot(q, r * rowBytes, d, r * nb, x, i * cols, cols);
            }
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        if (!Q4_0Kernels.OK) {
            return super.dotVector(row, x, xOff);
        }
        return Q4_0Kernels.dot(q, row * cols / 2, d, row * (cols / BLOCK), x, xOff, cols);
    }
}
