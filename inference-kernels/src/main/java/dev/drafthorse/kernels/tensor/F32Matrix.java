package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/** F32 weights: the file's little-endian floats, held in a {@code float[]} (rows, cols). */
public final class F32Matrix extends WeightMatrix {
    private final float[] w; // (rows, cols) from Aligned.PAD

    public F32Matrix(ByteBuffer data, int rows, int cols) {
        super(rows, cols);
        ByteBuffer b = checked(data, rows, cols, GgmlType.F32);
        w = new float[Aligned.PAD + rows * cols];
        b.asFloatBuffer().get(w, Aligned.PAD, rows * cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    /** The weights themselves, (rows, cols) row-major from {@link #offset()}: the register tiles read them in place. */
    float[] values() {
        return w;
    }

    /** Where row 0 starts in {@link #values()}. */
    int offset() {
        return Aligned.PAD;
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        int base = Aligned.PAD + row * cols;
        float s = 0f;
        for (int i = 0; i < cols; i++) {
            s += w[base + i] * x[xOff + i];
        }
        return s;
    }

    @Override
    public void row(int row, float[] dst, int off) {
        System.arraycopy(w, Aligned.PAD + row * cols, dst, off, cols);
    }

    /**
     * Decode-shaped products: whole groups of 8 rows natively where the AVX-512 kernels run ({@link
     * NativeKernels#rowsF32}: the same bits, streamed faster than the Vector API's loop does), the
     * rest in Java.
     */
    @Override
    void multiplyFew(int r0, int r1, float[] x, float[] xp, int t, float[] out, int outStride) {
        int groups = Tiles.NATIVE ? (r1 - r0) / 8 : 0; // 16-lane vectors (the Java order), AVX-512 kernels
        if (groups > 0) {
            if (x.length < t * cols || out.length < (t - 1) * outStride + r1) {
                throw new IllegalArgumentException("inputs or outputs too small for " + t + " inputs of " + cols);
            }
            NativeKernels.rowsF32(w, Aligned.PAD + r0 * cols, cols, groups, x, t, out, r0, outStride);
            r0 += groups * 8;
        }
        for (int i = 0; i < t; i++) {
            int r = r0;
            for (; F32Kernels.ROWS8 && r + 8 <= r1; r += 8) {
                F32Kernels.rows8(w, Aligned.PAD + r * cols, cols, x, i * cols, cols, out, i * outStride + r);
            }
            for (; r + 4 <= r1; r += 4) {
                F32Kernels.rows4(w, Aligned.PAD + r * cols, cols, x, i * cols, cols, out, i * outStride + r);
            }
            for (; r < r1; r++) {
                out[i * outStride + r] = F32Kernels.dot(w, Aligned.PAD + r * cols, x, i * cols, cols);
            }
        }
    }

    @Override
    float dotVector(int row, float[] x, int xOff) {
        return F32Kernels.dot(w, Aligned.PAD + row * cols, x, xOff, cols);
    }
}
