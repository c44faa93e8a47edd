package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q4_0 weights (ggml): blocks of 32 values, each stored as an F16 scale d and 16 bytes; byte j holds
 * value j in its low nibble and value j + 16 in its high nibble, value d·(nibble − 8).
 *
 * <p>Laid out at load time for the four-row decode kernel, which then reads one sequential stream:
 * <ul>
 *   <li>rows in groups of four (the last group padded with zero rows), and within a group block k of its
 *       four rows side by side: {@code q} is (groups, blocks, 4, 16) bytes, {@code d} (groups, blocks, 8)
 *       floats — the four scales d, then the four −8d. Four rows stored one after the other instead
 *       made every four-row call start three new memory streams, which cost more than its arithmetic on
 *       768-wide rows;
 *   <li>each byte's high nibble with its top bit flipped, so that an arithmetic shift of the sign-extended
 *       byte by 4 is that nibble − 8 in one operation; the low value is one fused multiply-add of the
 *       masked nibble with d and −8d.
 * </ul>
 * d·(nibble − 8) is exact in F32, so the canonical order is the F32 one over the dequantized values.
 */
public final class Q4_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 18;
    /** Rows stored side by side. */
    static final int GROUP = GROUP_ROWS;
    /** XORed into each stored byte: the high nibble's top bit (see the class comment). */
    static final int HIGH_FLIP = 0x80;

    private final byte[] q; // (groups, blocks, GROUP, 16) packed nibbles, high nibbles' top bit flipped
    private final float[] d; // (groups, blocks, 2·GROUP) per block the rows' scales d, then their −8d

    public Q4_0Matrix(ByteBuffer data, int rows, int cols) {
        super(rows, cols);
        ByteBuffer b = checked(data, rows, cols, GgmlType.Q4_0);
        int nb = cols / BLOCK;
        int groups = (rows + GROUP - 1) / GROUP;
        q = new byte[groups * GROUP * cols / 2];
        d = new float[groups * GROUP * 2 * nb];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < nb; k++) {
                int p = (r * nb + k) * BLOCK_BYTES;
                float scale = Float16.toFloat(b.getShort(p));
                int s = scaleAt(r, k);
                d[s] = scale;
                d[s + GROUP] = -8f * scale;
                int o = bytesAt(r, k);
                for (int j = 0; j < 16; j++) {
                    q[o + j] = (byte) (b.get(p + 2 + j) ^ HIGH_FLIP);
                }
            }
        }
    }

    /** Index in {@code q} of block k of row r. */
    private int bytesAt(int r, int k) {
        return sideBySide(r, 16 * k, cols / 2, 16);
    }

    /** Index in {@code d} of block k of row r's scale (its −8d is GROUP further). */
    private int scaleAt(int r, int k) {
        return sideBySide(r, 2 * k, 2 * (cols / BLOCK), 1);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    /** Element i of row {@code row}, dequantized. */
    private float value(int row, int i) {
        int k = i / BLOCK;
        int j = i % BLOCK;
        int packed = (q[bytesAt(row, k) + (j & 15)] ^ HIGH_FLIP) & 0xff;
        int nibble = j < 16 ? packed & 0x0f : packed >>> 4;
        return d[scaleAt(row, k)] * (nibble - 8);
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
            Q4_0Kernels.widen(q, bytesAt(row, 0), d, scaleAt(row, 0), dst, off, cols);
        } else {
            row(row, dst, off);
        }
    }

    @Override
    boolean groupKernels() {
        return Q4_0Kernels.OK;
    }

    @Override
    void rows4(int r, float[] x, float[] xp, int xOff, float[] out, int outOff) {
        Q4_0Kernels.rows4(q, bytesAt(r, 0), d, scaleAt(r, 0), cols, x, xOff, out, outOff);
    }

    @Override
    float dotRow(int r, float[] x, float[] xp, int xOff) {
        return Q4_0Kernels.dot(q, bytesAt(r, 0), d, scaleAt(r, 0), x, xOff, cols);
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        if (!Q4_0Kernels.OK) {
            return super.dotVector(row, x, xOff);
        }
        return Q4_0Kernels.dot(q, bytesAt(row, 0), d, scaleAt(row, 0), x, xOff, cols);
    }
}
