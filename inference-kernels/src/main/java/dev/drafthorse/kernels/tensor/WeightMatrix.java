package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A read-only weight matrix W (rows, cols), laid out at load time for its kernels: typed heap arrays,
 * quants apart from their scales, scales already in F32, and (all but F32, which prefill reads in place) four
 * rows side by side so that the four-row decode kernel reads one memory stream (see each format's class).
 * Accumulation is F32.
 *
 * <p>One final subclass per format, each with a scalar reference ({@link #dotScalar}) and, where the
 * format has one, a vector kernel class beside it ({@code F32Kernels}, {@code HalfKernels},
 * {@code Q8_0Kernels}, {@code Q4_0Kernels}); {@link #multiply} picks the vector path when
 * {@link Simd#ENABLED}. Formats without their own kernels widen rows to F32 and use the F32 ones.
 *
 * <p><b>The canonical order.</b> Every (row, input) dot product is computed by one fixed sequence of
 * float operations, whatever the tile it is computed in (one row, four rows for decoding, a register
 * tile of widened rows for prefill), so results never depend on batch size, prompt chunking or threads:
 * <ul>
 *   <li>F32, Q8_0, Q4_0 (and widened formats): the row's values w_i (block types dequantized exactly:
 *       d·q is exact in F32) multiplied into ONE vector accumulator over the row's full vectors, reduced
 *       across lanes by {@link Lanes#sum} (a fixed tree), then the scalar tail added in element order;</li>
 *   <li>F16, BF16: an even and an odd accumulator over full chunks of 2L values (one load of 2L halves
 *       is L ints whose low halves are the even elements), added, reduced, then the tail.</li>
 * </ul>
 */
public abstract sealed class WeightMatrix
        permits F32Matrix, HalfMatrix, Q8_0Matrix, Q4_0Matrix, BlockMatrix, NativeMatrix {
    protected final int rows;
    protected final int cols;

    protected WeightMatrix(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * Wraps {@code data} (the tensor's bytes, little-endian) as a matrix of the given type: Q8_0 and Q4_0 as a
     * {@link NativeMatrix} when the native integer kernels run ({@link NativeKernels#ENABLED}).
     */
    public static WeightMatrix of(GgmlType type, ByteBuffer data, int rows, int cols) {
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case BF16 -> new BF16Matrix(data, rows, cols);
            case Q8_0 ->
                NativeKernels.ENABLED ? new Q8_0NativeMatrix(data, rows, cols) : new Q8_0Matrix(data, rows, cols);
            case Q4_0 ->
                NativeKernels.ENABLED ? new Q4_0NativeMatrix(data, rows, cols) : new Q4_0Matrix(data, rows, cols);
            case Q4_1 -> new Q4_1Matrix(data, rows, cols);
            case Q5_0 -> new Q5_0Matrix(data, rows, cols);
            case Q5_1 -> new Q5_1Matrix(data, rows, cols);
            case Q2_K -> new Q2_KMatrix(data, rows, cols);
            case Q3_K -> new Q3_KMatrix(data, rows, cols);
            case Q4_K -> new Q4_KMatrix(data, rows, cols);
            case Q5_K -> new Q5_KMatrix(data, rows, cols);
            case Q6_K -> new Q6_KMatrix(data, rows, cols);
            default -> throw new IllegalArgumentException("unsupported weight type " + type);
        };
    }

    /**
     * The tensor's bytes as a little-endian buffer positioned at its start, after checking the shape
     * against the type's block size and the 2 GiB limit of one heap array.
     */
    static ByteBuffer checked(ByteBuffer data, int rows, int cols, GgmlType type) {
        if (rows < 0 || cols <= 0) {
            throw new IllegalArgumentException(
                    type + " matrix needs positive dimensions, got (" + rows + ", " + cols + ")");
        }
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException("cols " + cols + " is not a multiple of the " + type + " block size");
        }
        long total = type.bytesFor(cols) * rows;
        long elements = (long) rows * cols;
        if (total > Integer.MAX_VALUE - 64 || elements > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException(
                    type + " matrix (" + rows + ", " + cols + ") of " + total + " bytes exceeds 2 GiB");
        }
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < total) {
            throw new IllegalArgumentException(type + " matrix (" + rows + ", " + cols + ") needs " + total
                    + " bytes, buffer has " + b.remaining());
        }
        return b.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public abstract GgmlType type();

    public final int rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    /** Bytes of weight data read by one pass over the matrix, as stored in the file. */
    public final long bytes() {
        return type().bytesFor(cols) * rows;
    }

    /** The scalar reference dot product, row {@code row} · x[xOff, xOff + cols): the canonical math, in order. */
    public abstract float dotScalar(int row, float[] x, int xOff);

    /** Dequantizes row {@code row} into dst[off, off + cols) (embedding lookup, widening). */
    public abstract void row(int row, float[] dst, int off);

    /** Row {@code row} · x[xOff, xOff + cols), on the vector path when it runs. */
    public final float dot(int row, float[] x, int xOff) {
        return Simd.ENABLED ? dotVector(row, x, xOff) : dotScalarPath(row, x, xOff);
    }

    /** One row on the scalar path: the arithmetic of {@link #multiplyScalar}, so dot and multiply agree. */
    float dotScalarPath(int row, float[] x, int xOff) {
        return dotScalar(row, x, xOff);
    }

    /**
     * out[i·outStride + r] = row r · x[i·cols, (i+1)·cols) for rows r in [r0, r1) and inputs i in [0, t).
     * Decode-shaped work (fewer than {@link #TILE_AT} inputs) goes four rows at a time straight from the
     * stored layout; prefill-shaped work widens a block of rows to F32 once and runs register tiles of
     * two rows by four inputs over it.
     */
    public final void multiply(int r0, int r1, float[] x, int t, float[] out, int outStride) {
        multiply(r0, r1, x, null, t, out, outStride);
    }

    /**
     * As {@link #multiply(int, int, float[], int, float[], int)}, with x already prepared in xp by
     * {@link #prepare} (or null: prepared here when needed), so that the tasks of one product share it.
     * {@link NativeMatrix} overrides it (its inputs are quantized instead).
     */
    void multiply(int r0, int r1, float[] x, float[] xp, int t, float[] out, int outStride) {
        if (!Simd.ENABLED) {
            multiplyScalar(r0, r1, x, t, out, outStride);
            return;
        }
        float[] prepared = xp;
        if (prepared == null && wantsPrepared()) {
            prepared = new float[t * cols];
            prepare(x, t, prepared);
        }
        if (t >= tileAt()) {
            Tiles.multiply(this, r0, r1, x, prepared, t, out, outStride);
        } else {
            multiplyFew(r0, r1, x, prepared, t, out, outStride);
        }
    }

    /**
     * The scalar path of {@link #multiply}: {@link #dotScalar} for every (row, input). Formats that multiply
     * in integers as ggml does ({@link BlockMatrix}) override it to quantize the inputs once per call and use
     * their integer reference, so that near-ties break as they do in llama.cpp.
     */
    void multiplyScalar(int r0, int r1, float[] x, int t, float[] out, int outStride) {
        for (int r = r0; r < r1; r++) {
            for (int i = 0; i < t; i++) {
                out[i * outStride + r] = dotScalar(r, x, i * cols);
            }
        }
    }

    /** Multiple of which a task's first row is ({@link Matmul}): the rows a kernel computes together. */
    int rowAlign() {
        return GROUP_ROWS;
    }

    /** Inputs from which products go through widened row blocks and register tiles, unless a format says otherwise. */
    static final int TILE_AT = 4;

    /** Inputs from which this matrix's products go through {@link Tiles} ({@link #TILE_AT} unless overridden). */
    int tileAt() {
        return TILE_AT;
    }
    /** Floats of widened rows per block of the register tiles: 128 KiB, which stays in L2 next to four inputs. */
    static final int BLOCK_FLOATS = 32 * 1024;

    /** Whether the vector kernels read the activations in a prepared form ({@link #prepare}). */
    boolean wantsPrepared() {
        return false;
    }

    /**
     * Writes the activations x (t rows of cols) into xp in the form the vector kernels read (F16/BF16:
     * de-interleaved); only called when {@link #wantsPrepared}.
     */
    void prepare(float[] x, int t, float[] xp) {
        throw new UnsupportedOperationException(type() + " reads the activations as they are");
    }

    /** Whether widened rows are de-interleaved (evens, then odds) like {@link #prepare}'s activations. */
    boolean widensDeinterleaved() {
        return false;
    }

    /**
     * Row {@code row} as exact F32 into dst[off, off + cols) for the register tiles: element order, or
     * evens then odds when {@link #widensDeinterleaved}. Vector formats override this with a vector loop.
     */
    void widen(int row, float[] dst, int off) {
        row(row, dst, off);
    }

    /**
     * Rows [r0, r1) widened as {@link #widen} does, row r at dst[off + (r − r0)·cols]: each whole group of rows stored
     * side by side ({@link #groupKernels}) by {@link #widenGroup}, in memory order; the others one by one.
     */
    void widenRows(int r0, int r1, float[] dst, int off) {
        for (int r = r0; r < r1; r++) {
            int at = off + (r - r0) * cols;
            if (groupKernels() && r % GROUP_ROWS == 0 && r + GROUP_ROWS <= r1) {
                widenGroup(r, dst, at);
                r += GROUP_ROWS - 1;
            } else {
                widen(r, dst, at);
            }
        }
    }

    /**
     * The group of rows from r (a multiple of {@link #GROUP_ROWS}) widened as {@link #widen} does, row r + j at
     * dst[off + j·cols]. F16/BF16 override it to read the group once in memory order (a row alone reads one chunk in
     * four: row by row made 8-token passes 12–14% slower than before the side-by-side layout). For Q8_0 and Q4_0 the
     * same measured 2–10% slower than row by row (16-token passes), so they keep this default.
     */
    void widenGroup(int r, float[] dst, int off) {
        for (int j = 0; j < GROUP_ROWS; j++) {
            widen(r + j, dst, off + j * cols);
        }
    }

    /** Rows stored side by side, per group, by every format but F32 (see {@link #sideBySide}). */
    static final int GROUP_ROWS = 4;

    /**
     * Where element k of row r lies when rows are stored side by side: per group of {@link #GROUP_ROWS} rows, block by
     * block of {@code block} elements, the group's rows one after the other; {@code rowLength} elements per row.
     */
    static int sideBySide(int r, int k, int rowLength, int block) {
        return (r / GROUP_ROWS) * (GROUP_ROWS * rowLength)
                + (k / block) * (GROUP_ROWS * block)
                + (r % GROUP_ROWS) * block
                + k % block;
    }

    /**
     * Fewer than {@link #TILE_AT} inputs (decoding, small verifications), vector path. Where the format's kernels run
     * over rows side by side ({@link #groupKernels}), each whole group of rows goes through its four-row kernel, input
     * after input, and the rows left one by one; otherwise each row is widened once and multiplied by the F32 kernel
     * (the canonical order of widened formats).
     */
    void multiplyFew(int r0, int r1, float[] x, float[] xp, int t, float[] out, int outStride) {
        if (groupKernels()) {
            // rows outer: a group's weights come from memory once and serve every input from L1
            for (int r = r0; r < r1; r++) {
                if (r % GROUP_ROWS == 0 && r + GROUP_ROWS <= r1) {
                    int i = 0;
                    for (; pairKernel() && i + 2 <= t; i += 2) {
                        rows4x2(r, x, xp, i * cols, out, i * outStride + r, outStride);
                    }
                    for (; i < t; i++) {
                        rows4(r, x, xp, i * cols, out, i * outStride + r);
                    }
                    r += GROUP_ROWS - 1;
                } else {
                    for (int i = 0; i < t; i++) {
                        out[i * outStride + r] = dotRow(r, x, xp, i * cols);
                    }
                }
            }
            return;
        }
        float[] w = new float[cols];
        for (int r = r0; r < r1; r++) {
            widen(r, w, 0);
            for (int i = 0; i < t; i++) {
                out[i * outStride + r] = F32Kernels.dot(w, 0, x, i * cols, cols);
            }
        }
    }

    /** Whether {@link #rows4} and {@link #dotRow} run here: the format's vector kernels over its stored layout. */
    boolean groupKernels() {
        return false;
    }

    /**
     * The group of rows from r (a multiple of {@link #GROUP_ROWS}) · one input, x (and its prepared form xp) at xOff:
     * out[outOff + j] for j < 4. Only called when {@link #groupKernels}.
     */
    void rows4(int r, float[] x, float[] xp, int xOff, float[] out, int outOff) {
        throw new UnsupportedOperationException(type() + " has no four-row kernel");
    }

    /** Whether {@link #rows4x2} runs here (with {@link #groupKernels}). */
    boolean pairKernel() {
        return false;
    }

    /**
     * As {@link #rows4} for two inputs, the second cols further in x (and xp), its results outStride further in out:
     * the same bits as two {@link #rows4} calls. Only called when {@link #pairKernel}.
     */
    void rows4x2(int r, float[] x, float[] xp, int xOff, float[] out, int outOff, int outStride) {
        throw new UnsupportedOperationException(type() + " has no two-input kernel");
    }

    /** Row r · one input, x (and its prepared form xp) at xOff, by the format's kernel. Only called when {@link #groupKernels}. */
    float dotRow(int r, float[] x, float[] xp, int xOff) {
        throw new UnsupportedOperationException(type() + " has no one-row kernel");
    }

    /** One row on the vector path; the default widens it and uses the F32 kernel. */
    float dotVector(int row, float[] x, int xOff) {
        float[] w = new float[cols];
        widen(row, w, 0);
        return F32Kernels.dot(w, 0, x, xOff, cols);
    }
}
