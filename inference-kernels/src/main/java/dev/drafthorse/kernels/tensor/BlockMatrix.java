package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Formats kept in ggml's own block layout (the K-quants and the legacy Q4_1, Q5_0, Q5_1): the tensor's
 * bytes in one {@code byte[]}, row after row, read by {@link #row} (embedding lookups) and the scalar
 * path. The scalar path multiplies as ggml does, in integers against activations quantized once per
 * product ({@link ActivationQuant}), so near-ties break as in llama.cpp.
 *
 * <p>The vector path reads a second layout, made on first use: every value's quant in one signed byte,
 * in value order, and per group of 16 values a factor a and an offset b such that the value is exactly
 * {@code (float) ((float) (a·q) + b)} — ggml's dequantization, whatever the format (Q6_K: a = d·scale,
 * b = 0; Q4_K: a = d·scale, b = −dmin·min; Q4_1: a = d, b = m; …). One kernel ({@link UnpackedKernels})
 * then serves all eight formats, in the F32 canonical order over the dequantized values. Rows go side by side
 * in fours ({@link #ROWS}; the last four padded with zero rows), per group of 16 values their 4 × 16 quants
 * and 4 factors and offsets, so that the four-row decode kernel reads one sequential stream (see
 * {@link Q4_0Matrix}). It costs 1.5
 * bytes per weight in memory and bandwidth (against 0.56–0.82 stored) and saves all bit-fiddling in the
 * hot loop; see BENCHMARKS.md.
 */
abstract sealed class BlockMatrix<A> extends WeightMatrix
        permits Q4_1Matrix, Q5_0Matrix, Q5_1Matrix, Q2_KMatrix, Q3_KMatrix, Q4_KMatrix, Q5_KMatrix, Q6_KMatrix {
    static final int GROUP = 16;
    /** Rows side by side in the unpacked layout. */
    static final int ROWS = GROUP_ROWS;

    protected final byte[] data; // (rows, rowBytes) ggml blocks
    protected final int rowBytes;
    private volatile Unpacked unpacked;

    /**
     * The vector path's layout: quants (rows / 4, cols / 16, 4, 16) and per group of 16 values a factor and
     * an offset, (rows / 4, cols / 16, 4) each.
     */
    record Unpacked(byte[] q, float[] a, float[] b) {}

    BlockMatrix(ByteBuffer buffer, int rows, int cols, GgmlType type) {
        super(rows, cols);
        ByteBuffer b = checked(buffer, rows, cols, type);
        rowBytes = (int) type.bytesFor(cols);
        data = new byte[rowBytes * rows];
        b.get(0, data);
    }

    @Override
    final float dotScalarPath(int row, float[] x, int xOff) {
        float[] input = java.util.Arrays.copyOfRange(x, xOff, xOff + cols);
        float[] out = new float[row + 1];
        multiplyScalar(row, row + 1, input, 1, out, 0);
        return out[row];
    }

    /**
     * ggml's dequantize_row for the block at data[p]: {@code type().blockSize()} values into dst[off, ...)
     * (scratch: room for one block's quants, for the formats that unpack them first).
     */
    abstract void dequantizeBlock(int p, byte[] scratch, float[] dst, int off);

    /** The activations x (t rows of cols) quantized as ggml's kernels for this format expect them. */
    abstract A quantize(float[] x, int t);

    /** ggml's generic integer dot product: row {@code row} against input {@code input} of a. */
    abstract float integerDot(int row, A a, int input);

    @Override
    public final void row(int row, float[] dst, int off) {
        int bs = type().blockSize();
        int bb = type().blockBytes();
        byte[] scratch = new byte[bs];
        for (int b = 0; b < cols / bs; b++) {
            dequantizeBlock(row * rowBytes + b * bb, scratch, dst, off + b * bs);
        }
    }

    /** The float reference: ggml's dequantization of each block, then the products summed in element order. */
    @Override
    public final float dotScalar(int row, float[] x, int xOff) {
        int bs = type().blockSize();
        int bb = type().blockBytes();
        byte[] scratch = new byte[bs];
        float[] v = new float[bs]; // one dequantized block
        float s = 0f;
        for (int b = 0; b < cols / bs; b++) {
            dequantizeBlock(row * rowBytes + b * bb, scratch, v, 0);
            for (int j = 0; j < bs; j++) {
                s += v[j] * x[xOff + b * bs + j];
            }
        }
        return s;
    }

    /** The scalar path: the inputs quantized once per call, then ggml's integer dot for every (row, input). */
    @Override
    final void multiplyScalar(int r0, int r1, float[] x, int t, float[] out, int outStride) {
        if (!ActivationQuant.INTEGER_DOT) {
            super.multiplyScalar(r0, r1, x, t, out, outStride);
            return;
        }
        A a = quantize(x, t);
        for (int r = r0; r < r1; r++) {
            for (int i = 0; i < t; i++) {
                out[i * outStride + r] = integerDot(r, a, i);
            }
        }
    }

    /** Row {@code row} into the unpacked layout: quants at q[row·cols, ...), groups at a/b[row·cols/16, ...). */
    abstract void groups(int row, byte[] q, float[] a, float[] b);

    final Unpacked unpacked() {
        Unpacked u = unpacked;
        if (u == null) {
            synchronized (this) {
                u = unpacked;
                if (u == null) {
                    int ng = cols / GROUP;
                    Unpacked byRow = new Unpacked(new byte[rows * cols], new float[rows * ng], new float[rows * ng]);
                    for (int r = 0; r < rows; r++) {
                        groups(r, byRow.q(), byRow.a(), byRow.b());
                    }
                    int padded = (rows + ROWS - 1) / ROWS * ROWS;
                    u = new Unpacked(new byte[padded * cols], new float[padded * ng], new float[padded * ng]);
                    for (int r = 0; r < rows; r++) {
                        for (int g = 0; g < ng; g++) {
                            System.arraycopy(
                                    byRow.q(), r * cols + g * GROUP, u.q(), quantsAt(r) + g * ROWS * GROUP, GROUP);
                            u.a()[factorsAt(r) + g * ROWS] = byRow.a()[r * ng + g];
                            u.b()[factorsAt(r) + g * ROWS] = byRow.b()[r * ng + g];
                        }
                    }
                    unpacked = u;
                }
            }
        }
        return u;
    }

    /** Index in the unpacked quants of row r's first value. */
    private int quantsAt(int r) {
        return sideBySide(r, 0, cols, GROUP);
    }

    /** Index in the unpacked factors (and offsets) of row r's first group. */
    private int factorsAt(int r) {
        return sideBySide(r, 0, cols / GROUP, 1);
    }

    @Override
    final void widen(int row, float[] dst, int off) {
        if (!UnpackedKernels.OK) {
            row(row, dst, off);
            return;
        }
        Unpacked u = unpacked();
        UnpackedKernels.widen(u.q(), quantsAt(row), u.a(), u.b(), factorsAt(row), dst, off, cols);
    }

    @Override
    final boolean groupKernels() {
        return UnpackedKernels.OK;
    }

    @Override
    final void rows4(int r, float[] x, float[] xp, int xOff, float[] out, int outOff) {
        Unpacked u = unpacked();
        UnpackedKernels.rows4(u.q(), quantsAt(r), u.a(), u.b(), factorsAt(r), cols, x, xOff, out, outOff);
    }

    @Override
    final float dotRow(int r, float[] x, float[] xp, int xOff) {
        Unpacked u = unpacked();
        return UnpackedKernels.dot(u.q(), quantsAt(r), u.a(), u.b(), factorsAt(r), x, xOff, cols);
    }

    @Override
    final float dotVector(int row, float[] x, int xOff) {
        if (!UnpackedKernels.OK) {
            return super.dotVector(row, x, xOff);
        }
        Unpacked u = unpacked();
        return UnpackedKernels.dot(u.q(), quantsAt(row), u.a(), u.b(), factorsAt(row), x, xOff, cols);
    }
}
