package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q8_0 weights (ggml): blocks of 32 values, each stored as an F16 scale d and 32 signed bytes q, value
 * d·q. Laid out at load time for the four-row decode kernel, which then reads one sequential stream: rows
 * in groups of four (the last group padded with zero rows), and within a group block k of its four rows
 * side by side — {@code q} is (groups, blocks, 4, 32) bytes, {@code d} (groups, blocks, 4) scales already in
 * F32 (as {@link Q4_0Matrix}, where the measurements are). d·q is exact in F32, so the canonical order is the
 * F32 one over the dequantized values.
 */
public final class Q8_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;
    /** Rows stored side by side. */
    static final int GROUP = GROUP_ROWS;

    private final byte[] q; // (groups, blocks, GROUP, 32) quants
    private final float[] d; // (groups, blocks, GROUP) block scales

    public Q8_0Matrix(ByteBuffer data, int rows, int cols) {
        super(rows, cols);
        ByteBuffer b = checked(data, rows, cols, GgmlType.Q8_0);
        int nb = cols / BLOCK;
        int groups = (rows + GROUP - 1) / GROUP;
        q = new byte[groups * GROUP * cols];
        d = new float[groups * GROUP * nb];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < nb; k++) {
                int p = (r * nb + k) * BLOCK_BYTES;
                d[scaleAt(r, k)] = Float16.toFloat(b.getShort(p));
                b.get(p + 2, q, bytesAt(r, k), BLOCK);
            }
        }
    }

    /** Index in {@code q} of block k of row r. */
    private int bytesAt(int r, int k) {
        return sideBySide(r, BLOCK * k, cols, BLOCK);
    }

    /** Index in {@code d} of block k of row r's scale. */
    private int scaleAt(int r, int k) {
        return sideBySide(r, k, cols / BLOCK, 1);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        float s = 0f;
        for (int i = 0; i < cols; i++) {
            float w = d[scaleAt(row, i / BLOCK)] * q[bytesAt(row, i / BLOCK) + i % BLOCK];
            s += w * x[xOff + i];
        }
        return s;
    }

    @Override
    public void row(int row, float[] dst, int off) {
        for (int i = 0; i < cols; i++) {
            dst[off + i] = d[scaleAt(row, i / BLOCK)] * q[bytesAt(row, i / BLOCK) + i % BLOCK];
        }
    }

    @Override
    void widen(int row, float[] dst, int off) {
        if (Q8_0Kernels.OK) {
            Q8_0Kernels.widen(q, bytesAt(row, 0), d, scaleAt(row, 0), dst, off, cols);
        } else {
            row(row, dst, off);
        }
    }

    @Override
    boolean groupKernels() {
        return Q8_0Kernels.OK;
    }

    @Override
    void rows4(int r, float[] x, float[] xp, int xOff, float[] out, int outOff) {
        Q8_0Kernels.rows4(q, bytesAt(r, 0), d, scaleAt(r, 0), cols, x, xOff, out, outOff);
    }

    @Override
    float dotRow(int r, float[] x, float[] xp, int xOff) {
        return Q8_0Kernels.dot(q, bytesAt(r, 0), d, scaleAt(r, 0), x, xOff, cols);
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        if (!Q8_0Kernels.OK) {
            return super.dotVector(row, x, xOff);
        }
        return Q8_0Kernels.dot(q, bytesAt(row, 0), d, scaleAt(row, 0), x, xOff, cols);
    }
}
