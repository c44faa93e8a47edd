package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q8_0 weights (ggml): blocks of 32 values, each stored as an F16 scale d and 32 signed bytes q, value
 * d·q. Laid out at load time as the quants of every row in one {@code byte[]} and the scales, already
 * widened, in a {@code float[]}; d·q is exact in F32, so the canonical order is the F32 one over the
 * dequantized values.
 */
public final class Q8_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;

    private final byte[] q; // (rows, cols) quants
    private final float[] d; // (rows, cols / 32) block scales

    public Q8_0Matrix(ByteBuffer data, int rows, int cols) {
        super(rows, cols);
        ByteBuffer b = checked(data, rows, cols, GgmlType.Q8_0);
        int blocks = rows * (cols / BLOCK);
        q = new byte[rows * cols];
        d = new float[blocks];
        for (int k = 0; k < blocks; k++) {
            int p = k * BLOCK_BYTES;
            d[k] = Float16.toFloat(b.getShort(p));
            b.get(p + 2, q, k * BLOCK, BLOCK);
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        int base = row * cols;
        int blockBase = row * (cols / BLOCK);
        float s = 0f;
        for (int i = 0; i < cols; i++) {
            float w = d[blockBase + i / BLOCK] * q[base + i];
            s += w * x[xOff + i];
        }
        return s;
    }

    @Override
    public void row(int row, float[] dst, int off) {
        int base = row * cols;
        int blockBase = row * (cols / BLOCK);
        for (int i = 0; i < cols; i++) {
            dst[off + i] = d[blockBase + i / BLOCK] * q[base + i];
        }
    }

    @Override
    void widen(int row, float[] dst, int off) {
        if (Q8_0Kernels.OK) {
            Q8_0Kernels.widen(q, row * cols, d, row * (cols / BLOCK), dst, off, cols);
        } else {
            row(row, dst, off);
        }
    }

    @Override
    void multiplyFew(int r0, int r1, float[] x, float[] xp, int t, float[] out, int outStride) {
        if (!Q8_0Kernels.OK) {
            super.multiplyFew(r0, r1, x, xp, t, out, outStride);
            return;
        }
        int nb = cols / BLOCK;
        for (int i = 0; i < t; i++) {
            int r = r0;
            for (; r + 4 <= r1; r += 4) {
                Q8_0Kernels.rows4(q, r * cols, d, r * nb, cols, x, i * cols, out, i * outStride + r);
            }
            for (; r < r1; r++) {
                out[i * outStride + r] = Q8_0Kernels.dot(q, r * cols, d, r * nb, x, i * cols, cols);
            }
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        if (!Q8_0Kernels.OK) {
            return super.dotVector(row, x, xOff);
        }
        return Q8_0Kernels.dot(q, row * cols, d, row * (cols / BLOCK), x, xOff, cols);
    }
}
