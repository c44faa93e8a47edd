package dev.drafthorse.kernels.tensor;

import java.util.Arrays;

/**
 * Q8_0 and Q4_0 weights for the native integer kernels ({@link NativeKernels}), used instead of
 * {@link Q8_0Matrix} and {@link Q4_0Matrix} when those kernels run. Every product quantizes its inputs once to
 * Q8_0 blocks ({@link Q8Input}) and multiplies in integers, as llama.cpp does for these formats.
 *
 * <p>Layout: rows in groups of {@link #GROUP} = 16 (the last group padded with zero rows); per group and block of
 * 32 values, the rows' quants interleaved by 4 values, so that one 64-byte load holds 4 consecutive values of each
 * of the 16 rows: {@code q} is (groups, blocks, chunks, 16, 4) bytes (each subclass says what a chunk holds) and
 * {@code d} (groups, blocks, 16) scales in F32.
 *
 * <p><b>The canonical arithmetic</b> of one (row, input), whatever the tile, thread split or batch: per block b in
 * order, the exact integer sum isum of weight quant × input quant, then {@code acc = fma((float) isum, d_row · d_x,
 * acc)} from +0. {@link #dotScalar} is that arithmetic in Java and the reference of the native kernel (the same
 * bits: NativeMatrixTest). It differs from the F32 canonical order of {@link Q8_0Matrix} by the inputs'
 * quantization (as llama.cpp's results differ from a float reference), so one model's logits differ slightly
 * between a JVM with the native kernels and one without; each is deterministic.
 */
abstract sealed class NativeMatrix extends WeightMatrix permits Q8_0NativeMatrix, Q4_0NativeMatrix {
    static final int GROUP = 16;
    static final int BLOCK = 32;

    final int nb;
    final byte[] q; // (groups, blocks, chunks, GROUP, 4)
    final float[] d; // (groups, blocks, GROUP)
    private final int blockBytes; // a group's bytes per block

    NativeMatrix(int rows, int cols, int bytesPerRowBlock) {
        super(rows, cols);
        nb = cols / BLOCK;
        int groups = (rows + GROUP - 1) / GROUP;
        blockBytes = GROUP * bytesPerRowBlock;
        q = new byte[groups * nb * blockBytes];
        d = new float[groups * nb * GROUP];
    }

    /** Index in {@code d} of row r's scale of block b. */
    final int scaleAt(int r, int b) {
        return ((r / GROUP) * nb + b) * GROUP + r % GROUP;
    }

    /** Index in {@code q} of byte j of row r's block b, where chunks of 4 bytes of the group's 16 rows alternate. */
    final int byteAt(int r, int b, int j) {
        return ((r / GROUP) * nb + b) * blockBytes + (j / 4) * (4 * GROUP) + (r % GROUP) * 4 + j % 4;
    }

    /** Quant of value i of row r (the value is d · quant). */
    abstract int quant(int r, int i);

    /** The native product over this layout. */
    abstract void multiplyNative(int r0, int r1, Q8Input a, int t, float[] out, int outStride);

    @Override
    public final void row(int r, float[] dst, int off) {
        for (int i = 0; i < cols; i++) {
            dst[off + i] = d[scaleAt(r, i / BLOCK)] * quant(r, i);
        }
    }

    /** The canonical arithmetic in Java: input quantized to Q8_0, integer sums per block, one fma per block. */
    @Override
    public final float dotScalar(int r, float[] x, int xOff) {
        Q8Input a = new Q8Input().quantizeJava(Arrays.copyOfRange(x, xOff, xOff + cols), 1, cols);
        return dotScalar(r, a, 0);
    }

    /** Row r · input i of a (already quantized), the canonical arithmetic in Java. */
    final float dotScalar(int r, Q8Input a, int i) {
        float acc = 0f;
        for (int b = 0; b < nb; b++) {
            int isum = 0;
            for (int j = 0; j < BLOCK; j++) {
                isum += quant(r, b * BLOCK + j) * a.q[i * cols + b * BLOCK + j];
            }
            acc = Math.fma((float) isum, d[scaleAt(r, b)] * a.d[i * nb + b], acc);
        }
        return acc;
    }

    @Override
    float dotScalarPath(int row, float[] x, int xOff) {
        return dotScalar(row, x, xOff);
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        return dotScalar(row, x, xOff);
    }

    @Override
    void multiplyScalar(int r0, int r1, float[] x, int t, float[] out, int outStride) {
        multiply(r0, r1, x, null, t, out, outStride);
    }

    /** Every product, whatever its shape: the inputs quantized here (a {@link Matmul} product shares them). */
    @Override
    void multiply(int r0, int r1, float[] x, float[] xp, int t, float[] out, int outStride) {
        multiply(r0, r1, new Q8Input().quantize(x, t, cols), t, out, outStride);
    }

    /** out[i·outStride + r] for r in [r0, r1), i in [0, t), natively; the sizes checked first (a native kernel would not). */
    final void multiply(int r0, int r1, Q8Input a, int t, float[] out, int outStride) {
        if (r0 < 0 || r1 > rows || r0 > r1 || t < 0) {
            throw new IllegalArgumentException("rows [" + r0 + ", " + r1 + ") of " + rows + ", " + t + " inputs");
        }
        if (r0 == r1 || t == 0) {
            return;
        }
        if (a.n != cols || a.t < t) {
            throw new IllegalArgumentException(a.t + " inputs of " + a.n + " for " + t + " of " + cols);
        }
        if (outStride < r1 || (long) (t - 1) * outStride + r1 > out.length) {
            throw new IllegalArgumentException(
                    "out of " + out.length + " too small for " + t + " rows of stride " + outStride);
        }
        if (NativeKernels.ENABLED) {
            multiplyNative(r0, r1, a, t, out, outStride);
        } else {
            for (int i = 0; i < t; i++) {
                for (int r = r0; r < r1; r++) {
                    out[i * outStride + r] = dotScalar(r, a, i);
                }
            }
        }
    }

    @Override
    int rowAlign() {
        return GROUP;
    }
}
