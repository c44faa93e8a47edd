package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A read-only weight matrix (rows, cols) kept in its file type. Values are dequantized on the fly inside
 * the dot products; accumulation is always F32.
 *
 * <p>The bytes live in a heap {@code byte[]} copied from the mapped GGUF tensor: on Java 17 the Vector
 * API reads heap arrays about twice as fast as mapped buffers (measured in BENCHMARKS.md), and decoding
 * is bound by exactly those reads.
 *
 * <p>One final subclass per format. Each has a scalar reference ({@link #dotScalar}) and a vector path;
 * {@link #dot} and {@link #multiply} pick one through {@link Simd#ENABLED}. On the vector path every
 * (row, input) dot product follows one canonical order of operations — a single vector accumulator
 * walked along the row (per block, then scaled, for the quantized types) — whether it is computed
 * alone, in a tile of four rows (decode) or of four inputs (prefill). Tiles only add independent chains
 * for the CPU to overlap, so results never depend on batch size, prompt chunking or threads.
 */
public abstract sealed class WeightMatrix permits F32Matrix, F16Matrix, BF16Matrix, Q8_0Matrix, Q4_0Matrix,
        Q4_1Matrix, Q5_0Matrix, Q5_1Matrix, Q2_KMatrix, Q3_KMatrix, Q4_KMatrix, Q5_KMatrix, Q6_KMatrix {
    static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    protected final byte[] data; // (rows, rowBytes)
    protected final int rows;
    protected final int cols;
    protected final int rowBytes;

    protected WeightMatrix(ByteBuffer buffer, int rows, int cols, GgmlType type) {
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException("cols " + cols + " is not a multiple of the " + type + " block size");
        }
        long rb = type.bytesFor(cols);
        long total = rb * rows;
        if (total > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException(type + " matrix (" + rows + ", " + cols + ") of " + total + " bytes exceeds 2 GiB");
        }
        ByteBuffer b = buffer.duplicate();
        if (b.remaining() < total) {
            throw new IllegalArgumentException(type + " matrix (" + rows + ", " + cols + ") needs " + total + " bytes, buffer has "
                    + b.remaining());
        }
        this.data = new byte[(int) total];
        b.get(data);
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = (int) rb;
    }

    /** Wraps {@code data} (the tensor's bytes) as a matrix of the given type. */
    public static WeightMatrix of(GgmlType type, ByteBuffer data, int rows, int cols) {
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case BF16 -> new BF16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
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

    public abstract GgmlType type();

    /** The kernel selector of {@link VectorKernels}; {@link #NO_VECTOR_KERNEL} for the formats without one. */
    abstract int kind();

    /** {@link #kind} of a format that has only its scalar reference (the K-quants and legacy Q4_1/Q5_0/Q5_1). */
    static final int NO_VECTOR_KERNEL = -1;

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Bytes of weight data read by one pass over the matrix. */
    public long bytes() {
        return (long) rowBytes * rows;
    }

    /** Row {@code row} · x[xOff, xOff + cols). */
    public final float dot(int row, float[] x, int xOff) {
        int k = kind();
        boolean vector = Simd.ENABLED && k != NO_VECTOR_KERNEL && !((k == 1 || k == 2) && cols % 2 != 0);
        return vector ? VectorKernels.dot(k, data, row * rowBytes, x, xOff, cols) : dotScalar(row, x, xOff);
    }

    /**
     * out[i·outStride + r] = row r · x[i·cols, (i+1)·cols) for rows r in [r0, r1) and inputs i in [0, t).
     * Decode-shaped work (few inputs) goes four rows at a time; prefill-shaped work four inputs at a time
     * per row, so each weight is loaded and dequantized once per four inputs.
     */
    public final void multiply(int r0, int r1, float[] x, int t, float[] out, int outStride) {
        multiply(r0, r1, x, null, t, out, outStride);
    }

    /**
     * Whether {@link #multiply} reads the activations de-interleaved ({@link #prepare}): F16 and
     * BF16 on the vector path.
     */
    final boolean wantsDeinterleaved() {
        int k = kind();
        return Simd.ENABLED && (k == 1 || k == 2) && cols % 2 == 0;
    }

    /** x (t rows of cols) de-interleaved for {@link #multiply(int, int, float[], float[], int, float[], int)}. */
    final float[] prepare(float[] x, int t) {
        float[] xd = new float[t * cols];
        for (int i = 0; i < t; i++) {
            VectorKernels.deinterleave(x, i * cols, cols, xd, i * cols);
        }
        return xd;
    }

    /**
     * As {@link #multiply(int, int, float[], int, float[], int)}, with x already de-interleaved in xd when
     * {@link #wantsDeinterleaved} (or null: computed here), so that the tasks of one product share it.
     */
    final void multiply(int r0, int r1, float[] x, float[] xd, int t, float[] out, int outStride) {
        int k = kind();
        if (!Simd.ENABLED || k == NO_VECTOR_KERNEL || (k == 1 || k == 2) && cols % 2 != 0) {
            multiplyScalar(r0, r1, x, t, out, outStride);
            return;
        }
        if (k == 1 || k == 2) {
            xd = xd != null ? xd : prepare(x, t);
        }
        if (t >= TILE_AT && k <= 2) {
            multiplyTiled(k, r0, r1, x, xd, t, out, outStride);
            return;
        }
        if (k == 1 || k == 2) {
            multiplyHalf(k == 1, r0, r1, x, xd, t, out, outStride);
            return;
        }
        if (t < 4) {
            for (int i = 0; i < t; i++) {
                int r = r0;
                for (; r + 4 <= r1; r += 4) {
                    VectorKernels.dotRows4(k, data, r * rowBytes, rowBytes, x, i * cols, cols, out, i * outStride + r);
                }
                for (; r < r1; r++) {
                    out[i * outStride + r] = VectorKernels.dot(k, data, r * rowBytes, x, i * cols, cols);
                }
            }
            return;
        }
        if (t >= WIDEN_AT && k != 0) {
            // Prefill-shaped: widen a block of rows once (Q8_0/Q4_0 to float quants and block scales) and
            // multiply each group of four inputs against the whole block while the group is in L1. The
            // widened values are exact, so the products and their order are those of the direct kernels.
            int nb = cols / 32;
            int blockRows = Math.max(1, Math.min(r1 - r0, BLOCK_FLOATS / cols));
            float[] wq = new float[blockRows * cols];
            float[] wd = new float[blockRows * nb];
            float[] rq = new float[cols];
            float[] rd = new float[nb + 1];
            for (int rc = r0; rc < r1; rc += blockRows) {
                int re = Math.min(r1, rc + blockRows);
                for (int r = rc; r < re; r++) {
                    widen(r, rq, rd);
                    System.arraycopy(rq, 0, wq, (r - rc) * cols, cols);
                    System.arraycopy(rd, 0, wd, (r - rc) * nb, nb);
                }
                int i = 0;
                for (; i + 4 <= t; i += 4) {
                    for (int r = rc; r < re; r++) {
                        VectorKernels.widenedInputs4(k, wq, (r - rc) * cols, wd, (r - rc) * nb, x, i * cols, cols, out, i * outStride + r,
                                outStride);
                    }
                }
                for (; i < t; i++) {
                    for (int r = rc; r < re; r++) {
                        out[i * outStride + r] = VectorKernels.widenedDot(k, wq, (r - rc) * cols, wd, (r - rc) * nb, x, i * cols, cols);
                    }
                }
            }
            return;
        }
        for (int r = r0; r < r1; r++) {
            int i = 0;
            for (; i + 4 <= t; i += 4) {
                VectorKernels.dotInputs4(k, data, r * rowBytes, x, i * cols, cols, out, i * outStride + r, outStride);
            }
            for (; i < t; i++) {
                out[i * outStride + r] = VectorKernels.dot(k, data, r * rowBytes, x, i * cols, cols);
            }
        }
    }

    /**
     * F16 and BF16: the activations are de-interleaved once (evens, then odds), so one load of 2L halves
     * widens into an even and an odd vector with shifts and masks alone; see VectorKernels.halfF16.
     */
    private void multiplyHalf(boolean f16, int r0, int r1, float[] x, float[] xd, int t, float[] out, int outStride) {
        if (t >= WIDEN_AT) {
            float[] wq = new float[cols];
            float[] tmp = new float[cols];
            for (int r = r0; r < r1; r++) {
                row(r, tmp, 0);
                VectorKernels.deinterleave(tmp, 0, cols, wq, 0); // exact floats, evens then odds
                int i = 0;
                for (; i + 4 <= t; i += 4) {
                    VectorKernels.widenedHalfInputs4(wq, x, i * cols, xd, i * cols, cols, out, i * outStride + r, outStride);
                }
                for (; i < t; i++) {
                    out[i * outStride + r] = VectorKernels.widenedHalf(wq, x, i * cols, xd, i * cols, cols);
                }
            }
            return;
        }
        if (t < 4) {
            for (int i = 0; i < t; i++) {
                int r = r0;
                for (; r + 4 <= r1; r += 4) {
                    if (f16) {
                        VectorKernels.halfF16Rows4(data, r * rowBytes, rowBytes, x, i * cols, xd, i * cols, cols, out, i * outStride + r);
                    } else {
                        VectorKernels.halfBF16Rows4(data, r * rowBytes, rowBytes, x, i * cols, xd, i * cols, cols, out, i * outStride + r);
                    }
                }
                for (; r < r1; r++) {
                    out[i * outStride + r] = f16 ? VectorKernels.halfF16(data, r * rowBytes, x, i * cols, xd, i * cols, cols)
                            : VectorKernels.halfBF16(data, r * rowBytes, x, i * cols, xd, i * cols, cols);
                }
            }
            return;
        }
        for (int r = r0; r < r1; r++) {
            int i = 0;
            for (; i + 4 <= t; i += 4) {
                if (f16) {
                    VectorKernels.halfF16Inputs4(data, r * rowBytes, x, i * cols, xd, i * cols, cols, out, i * outStride + r, outStride);
                } else {
                    VectorKernels.halfBF16Inputs4(data, r * rowBytes, x, i * cols, xd, i * cols, cols, out, i * outStride + r, outStride);
                }
            }
            for (; i < t; i++) {
                out[i * outStride + r] = f16 ? VectorKernels.halfF16(data, r * rowBytes, x, i * cols, xd, i * cols, cols)
                        : VectorKernels.halfBF16(data, r * rowBytes, x, i * cols, xd, i * cols, cols);
            }
        }
    }

    /**
     * The previous tiling of {@link #multiply} (one row by four inputs for prefill, no cache blocking), kept
     * as the baseline of {@link MatmulBench} and as a second oracle in the tests: it follows the same
     * canonical order, so its results are bit-identical to {@link #multiply}'s.
     */
    final void multiplyBaseline(int r0, int r1, float[] x, int t, float[] out, int outStride) {
        int k = kind();
        if (!Simd.ENABLED || k == NO_VECTOR_KERNEL || (k == 1 || k == 2) && cols % 2 != 0) {
            multiplyScalar(r0, r1, x, t, out, outStride);
            return;
        }
        if (k == 1 || k == 2) {
            multiplyHalfBaseline(k == 1, r0, r1, x, t, out, outStride);
            return;
        }
        if (t < 4) {
            for (int i = 0; i < t; i++) {
                int r = r0;
                for (; r + 4 <= r1; r += 4) {
                    VectorKernels.dotRows4(k, data, r * rowBytes, rowBytes, x, i * cols, cols, out, i * outStride + r);
                }
                for (; r < r1; r++) {
                    out[i * outStride + r] = VectorKernels.dot(k, data, r * rowBytes, x, i * cols, cols);
                }
            }
            return;
        }
        if (t >= WIDEN_AT && k != 0) {
            // Prefill-shaped: widen each row once (Q8_0/Q4_0 to float quants and block scales) and reuse it
            // for all t inputs. The widened values are exact, so the products and their order are those of
            // the direct kernels, bit for bit.
            float[] wq = new float[cols];
            float[] wd = new float[cols / 32 + 1];
            for (int r = r0; r < r1; r++) {
                widen(r, wq, wd);
                int i = 0;
                for (; i + 4 <= t; i += 4) {
                    VectorKernels.widenedInputs4(k, wq, 0, wd, 0, x, i * cols, cols, out, i * outStride + r, outStride);
                }
                for (; i < t; i++) {
                    out[i * outStride + r] = VectorKernels.widenedDot(k, wq, 0, wd, 0, x, i * cols, cols);
                }
            }
            return;
        }
        for (int r = r0; r < r1; r++) {
            int i = 0;
            for (; i + 4 <= t; i += 4) {
                VectorKernels.dotInputs4(k, data, r * rowBytes, x, i * cols, cols, out, i * outStride + r, outStride);
            }
            for (; i < t; i++) {
                out[i * outStride + r] = VectorKernels.dot(k, data, r * rowBytes, x, i * cols, cols);
            }
        }
    }

    /**
     * F16 and BF16: the activations are de-interleaved once (evens, then odds), so one load of 2L halves
     * widens into an even and an odd vector with shifts and masks alone; see VectorKernels.halfF16.
     */
    private void multiplyHalfBaseline(boolean f16, int r0, int r1, float[] x, int t, float[] out, int outStride) {
        float[] xd = new float[t * cols];
        for (int i = 0; i < t; i++) {
            VectorKernels.deinterleave(x, i * cols, cols, xd, i * cols);
        }
        if (t >= WIDEN_AT) {
            float[] wq = new float[cols];
            float[] tmp = new float[cols];
            for (int r = r0; r < r1; r++) {
                row(r, tmp, 0);
                VectorKernels.deinterleave(tmp, 0, cols, wq, 0); // exact floats, evens then odds
                int i = 0;
                for (; i + 4 <= t; i += 4) {
                    VectorKernels.widenedHalfInputs4(wq, x, i * cols, xd, i * cols, cols, out, i * outStride + r, outStride);
                }
                for (; i < t; i++) {
                    out[i * outStride + r] = VectorKernels.widenedHalf(wq, x, i * cols, xd, i * cols, cols);
                }
            }
            return;
        }
        if (t < 4) {
            for (int i = 0; i < t; i++) {
                int r = r0;
                for (; r + 4 <= r1; r += 4) {
                    if (f16) {
                        VectorKernels.halfF16Rows4(data, r * rowBytes, rowBytes, x, i * cols, xd, i * cols, cols, out, i * outStride + r);
                    } else {
                        VectorKernels.halfBF16Rows4(data, r * rowBytes, rowBytes, x, i * cols, xd, i * cols, cols, out, i * outStride + r);
                    }
                }
                for (; r < r1; r++) {
                    out[i * outStride + r] = f16 ? VectorKernels.halfF16(data, r * rowBytes, x, i * cols, xd, i * cols, cols)
                            : VectorKernels.halfBF16(data, r * rowBytes, x, i * cols, xd, i * cols, cols);
                }
            }
            return;
        }
        for (int r = r0; r < r1; r++) {
            int i = 0;
            for (; i + 4 <= t; i += 4) {
                if (f16) {
                    VectorKernels.halfF16Inputs4(data, r * rowBytes, x, i * cols, xd, i * cols, cols, out, i * outStride + r, outStride);
                } else {
                    VectorKernels.halfBF16Inputs4(data, r * rowBytes, x, i * cols, xd, i * cols, cols, out, i * outStride + r, outStride);
                }
            }
            for (; i < t; i++) {
                out[i * outStride + r] = f16 ? VectorKernels.halfF16(data, r * rowBytes, x, i * cols, xd, i * cols, cols)
                        : VectorKernels.halfBF16(data, r * rowBytes, x, i * cols, xd, i * cols, cols);
            }
        }
    }

    /** Inputs from which F32/F16/BF16 products go through widened row blocks and register tiles. */
    static final int TILE_AT = 4;
    /** Floats of widened rows per block: 128 KiB, which stays in L2 next to a block of four inputs. */
    static final int BLOCK_FLOATS = 32 * 1024;

    /**
     * Prefill-shaped F32, F16 and BF16 products: a block of rows is widened to exact floats once (F16/BF16
     * de-interleaved into evens and odds, like the activations), then every group of four inputs is
     * multiplied against it two rows at a time ({@link VectorKernels#tile2x4}). Per (row, input) the
     * vector accumulators, their reduction and the scalar tail are those of the direct kernels, so the
     * results are bit-identical to {@link #dot}'s.
     */
    private void multiplyTiled(int k, int r0, int r1, float[] x, float[] xd, int t, float[] out, int outStride) {
        boolean half = k != 0;
        int l = VectorKernels.L;
        int n = cols;
        int hn = n / 2;
        float[] xs = half ? xd : x;
        int vec; // vector length of each accumulator walk: the full vectors (F32) or full 2L chunks' halves (F16/BF16)
        if (half) {
            vec = (n - n % (2 * l)) / 2;
        } else {
            vec = n - n % l;
        }
        int tail = half ? 2 * vec : vec; // first element of the scalar tail, in element order
        int blockRows = Math.max(2, Math.min(r1 - r0, BLOCK_FLOATS / n) & ~1);
        float[] wb = new float[blockRows * n];
        float[] acc = new float[8 * l];
        float[] odd = half ? new float[8 * l] : null;
        for (int rc = r0; rc < r1; rc += blockRows) {
            int re = Math.min(r1, rc + blockRows);
            for (int r = rc; r < re; r++) {
                if (half) {
                    VectorKernels.widenHalfDeinterleaved(k == 1, data, r * rowBytes, wb, (r - rc) * n, n);
                } else {
                    VectorKernels.widenF32(data, r * rowBytes, wb, (r - rc) * n, n);
                }
            }
            int i = 0;
            for (; i + 4 <= t; i += 4) {
                int r = rc;
                for (; r + 2 <= re; r += 2) {
                    int wa = (r - rc) * n;
                    VectorKernels.tile2x4(wb, wa, n, xs, i * n, n, vec, acc);
                    if (half) {
                        VectorKernels.tile2x4(wb, wa + hn, n, xs, i * n + hn, n, vec, odd);
                    }
                    for (int j = 0; j < 4; j++) {
                        for (int q = 0; q < 2; q++) {
                            int a = 2 * j + q;
                            float v = half ? VectorKernels.reduceHalf(acc, odd, a) : VectorKernels.reduce(acc, a);
                            out[(i + j) * outStride + r + q] = tailFold(v, wb, wa + q * n, half, x, (i + j) * n, tail);
                        }
                    }
                }
                if (r < re) {
                    int wa = (r - rc) * n;
                    VectorKernels.tile1x4(wb, wa, xs, i * n, n, vec, acc);
                    if (half) {
                        VectorKernels.tile1x4(wb, wa + hn, xs, i * n + hn, n, vec, odd);
                    }
                    for (int j = 0; j < 4; j++) {
                        float v = half ? VectorKernels.reduceHalf(acc, odd, j) : VectorKernels.reduce(acc, j);
                        out[(i + j) * outStride + r] = tailFold(v, wb, wa, half, x, (i + j) * n, tail);
                    }
                }
            }
            for (; i < t; i++) {
                int r = rc;
                for (; r + 4 <= re; r += 4) {
                    int wa = (r - rc) * n;
                    VectorKernels.tile4x1(wb, wa, n, xs, i * n, vec, acc);
                    if (half) {
                        VectorKernels.tile4x1(wb, wa + hn, n, xs, i * n + hn, vec, odd);
                    }
                    for (int q = 0; q < 4; q++) {
                        float v = half ? VectorKernels.reduceHalf(acc, odd, q) : VectorKernels.reduce(acc, q);
                        out[i * outStride + r + q] = tailFold(v, wb, wa + q * n, half, x, i * n, tail);
                    }
                }
                for (; r < re; r++) {
                    int wa = (r - rc) * n;
                    VectorKernels.tile1x1(wb, wa, xs, i * n, vec, acc);
                    if (half) {
                        VectorKernels.tile1x1(wb, wa + hn, xs, i * n + hn, vec, odd);
                    }
                    float v = half ? VectorKernels.reduceHalf(acc, odd, 0) : VectorKernels.reduce(acc, 0);
                    out[i * outStride + r] = tailFold(v, wb, wa, half, x, i * n, tail);
                }
            }
        }
    }

    /**
     * The scalar tail of the canonical order: v (the reduced vector part) plus w·x for elements [from, cols)
     * one at a time in element order; wb holds the widened row at wa (F16/BF16 de-interleaved).
     */
    private float tailFold(float v, float[] wb, int wa, boolean half, float[] x, int xOff, int from) {
        int hn = cols / 2;
        for (int e = from; e < cols; e++) {
            v += wb[wa + (half ? (e % 2 == 0 ? e / 2 : hn + e / 2) : e)] * x[xOff + e];
        }
        return v;
    }

    /** Inputs from which a row is widened once and reused, rather than converted per group of four. */
    static final int WIDEN_AT = 8;

    /**
     * Row {@code row} as exact floats for the widened kernels: plain types their values; block types their
     * quants (Q4_0 in element order, nibble − 8) in {@code q} and each block's scale in {@code d}.
     */
    void widen(int row, float[] q, float[] d) {
        row(row, q, 0);
    }

    /**
     * The scalar path of {@link #multiply}: {@link #dotScalar} for every (row, input). Formats that multiply
     * in integers as ggml does (the K-quants, Q4_1, Q5_0, Q5_1) override it to quantize the inputs once per
     * call and use their integer reference, so that near-ties break as they do in llama.cpp.
     */
    void multiplyScalar(int r0, int r1, float[] x, int t, float[] out, int outStride) {
        for (int r = r0; r < r1; r++) {
            for (int i = 0; i < t; i++) {
                out[i * outStride + r] = dotScalar(r, x, i * cols);
            }
        }
    }

    /** The scalar reference dot product: dequantize each value, multiply, accumulate in order. */
    public abstract float dotScalar(int row, float[] x, int xOff);

    /** Dequantizes row {@code row} into dst[off, off + cols) (embedding lookup). */
    public abstract void row(int row, float[] dst, int off);

    protected final float f32(int byteOff) {
        return (float) FLOAT.get(data, byteOff);
    }

    protected final short i16(int byteOff) {
        return (short) SHORT.get(data, byteOff);
    }
}
