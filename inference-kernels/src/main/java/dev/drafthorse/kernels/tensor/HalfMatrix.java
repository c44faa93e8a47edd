package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The layout shared by F16 and BF16 weights: the file's 16-bit values two to an {@code int} (element 2k
 * in the low half, 2k + 1 in the high half), each row padded to a whole int. One vector load of L ints
 * is 2L halves that widen into an even and an odd float vector with shifts and masks alone, against
 * activations de-interleaved once per product ({@link #prepare}: evens, then odds).
 */
abstract sealed class HalfMatrix extends WeightMatrix permits F16Matrix, BF16Matrix {
    protected final int[] w; // (rows, rowInts) pairs of halves, from Aligned.PAD; F16 ones scaled by 2^shift
    protected final int rowInts; // ceil(cols / 2)
    private final boolean pairs; // even cols: the even/odd kernels run; odd cols widen to the F32 order
    /** F16: the stored halves are the file's times 2^shift (exactly), so that none is subnormal; 0 for BF16. */
    protected final int shift;
    /** The F16 kernels' multiplier: 2^(112 − shift) (see {@link HalfKernels}). */
    protected final float rebiasF16;

    HalfMatrix(ByteBuffer data, int rows, int cols, GgmlType type) {
        super(rows, cols);
        ByteBuffer b = checked(data, rows, cols, type).order(ByteOrder.LITTLE_ENDIAN);
        rowInts = (cols + 1) / 2;
        w = new int[Aligned.PAD + rows * rowInts];
        java.nio.ShortBuffer halves = b.asShortBuffer();
        shift = type == GgmlType.F16 ? normalizingShift(halves) : 0;
        rebiasF16 = Math.scalb(1f, 112 - shift);
        short[] row = new short[cols];
        for (int r = 0; r < rows; r++) {
            halves.get(r * cols, row);
            for (int i = 0; i < cols; i++) {
                int h = scaled(row[i], shift) & 0xffff;
                w[Aligned.PAD + r * rowInts + i / 2] |= (i % 2 == 0) ? h : h << 16;
            }
        }
        pairs = cols % 2 == 0;
    }

    /**
     * The power of two that lifts every subnormal F16 value of the matrix into the normal range (at most 10),
     * capped so that the largest finite value stays finite; 0 when there is no subnormal. Real weight
     * matrices have a few subnormals per thousand values and magnitudes far below the cap.
     */
    static int normalizingShift(java.nio.ShortBuffer halves) {
        int smallest = 0x400; // the smallest subnormal mantissa seen (0x400: none)
        int largest = 0; // the largest finite magnitude's bits
        for (int i = 0; i < halves.limit(); i++) {
            int mag = halves.get(i) & 0x7fff;
            if (mag != 0 && mag < 0x400) {
                smallest = Math.min(smallest, mag);
            }
            if (mag < 0x7c00) {
                largest = Math.max(largest, mag);
            }
        }
        if (smallest == 0x400) {
            return 0;
        }
        int need = 10 - (31 - Integer.numberOfLeadingZeros(smallest)); // m·2^-24·2^need ≥ 2^-14
        int room = 30 - (largest >> 10); // exponent steps left below the largest finite exponent (30)
        return Math.min(need, room);
    }

    /** A half times 2^shift, exactly (the shift keeps it finite); NaN and infinities unchanged. */
    static short scaled(short h, int shift) {
        if (shift == 0 || (h & 0x7c00) == 0x7c00) {
            return h;
        }
        return Float16.fromFloat(Float16.toFloat(h) * (1 << shift));
    }

    /** Element {@code i} of row {@code row}: its 16 bits. */
    final short half(int row, int i) {
        int v = w[Aligned.PAD + row * rowInts + i / 2];
        return (short) (i % 2 == 0 ? v : v >>> 16);
    }

    /** The 16 bits of a stored value widened to F32: the file's value, exactly. */
    abstract float toFloat(short h);

    final boolean f16() {
        return type() == GgmlType.F16;
    }

    @Override
    public final float dotScalar(int row, float[] x, int xOff) {
        float s = 0f;
        for (int i = 0; i < cols; i++) {
            s += toFloat(half(row, i)) * x[xOff + i];
        }
        return s;
    }

    @Override
    public final void row(int row, float[] dst, int off) {
        for (int i = 0; i < cols; i++) {
            dst[off + i] = toFloat(half(row, i));
        }
    }

    @Override
    final boolean wantsPrepared() {
        return pairs;
    }

    @Override
    final void prepare(float[] x, int t, float[] xp) {
        for (int i = 0; i < t; i++) {
            deinterleave(x, i * cols, cols, xp, i * cols);
        }
    }

    /** x[xOff, xOff + n) de-interleaved into xd[xdOff, ...): the n/2 even elements, then the n/2 odd ones. */
    static void deinterleave(float[] x, int xOff, int n, float[] xd, int xdOff) {
        int half = n / 2;
        for (int k = 0; k < half; k++) {
            xd[xdOff + k] = x[xOff + 2 * k];
            xd[xdOff + half + k] = x[xOff + 2 * k + 1];
        }
    }

    @Override
    final boolean widensDeinterleaved() {
        return pairs;
    }

    @Override
    final void widen(int row, float[] dst, int off) {
        if (pairs) {
            if (f16()) {
                HalfKernels.widenF16(w, Aligned.PAD + row * rowInts, rebiasF16, dst, off, cols);
            } else {
                HalfKernels.widenBF16(w, Aligned.PAD + row * rowInts, dst, off, cols);
            }
        } else {
            row(row, dst, off);
        }
    }

    @Override
    final void multiplyFew(int r0, int r1, float[] x, float[] xp, int t, float[] out, int outStride) {
        if (!pairs) {
            super.multiplyFew(r0, r1, x, xp, t, out, outStride);
            return;
        }
        boolean f16 = f16();
        for (int i = 0; i < t; i++) {
            int r = r0;
            for (; r + 4 <= r1; r += 4) {
                if (f16) {
                    HalfKernels.rows4F16(
                            w,
                            Aligned.PAD + r * rowInts,
                            rowInts,
                            rebiasF16,
                            x,
                            i * cols,
                            xp,
                            i * cols,
                            cols,
                            out,
                            i * outStride + r);
                } else {
                    HalfKernels.rows4BF16(
                            w,
                            Aligned.PAD + r * rowInts,
                            rowInts,
                            x,
                            i * cols,
                            xp,
                            i * cols,
                            cols,
                            out,
                            i * outStride + r);
                }
            }
            for (; r < r1; r++) {
                out[i * outStride + r] = dotPrepared(r, x, i * cols, xp, i * cols);
            }
        }
    }

    @Override
    final float dotVector(int row, float[] x, int xOff) {
        if (!pairs) {
            return super.dotVector(row, x, xOff);
        }
        float[] xd = new float[cols];
        deinterleave(x, xOff, cols, xd, 0);
        return dotPrepared(row, x, xOff, xd, 0);
    }

    private float dotPrepared(int row, float[] x, int xOff, float[] xd, int xdOff) {
        if (f16()) {
            return HalfKernels.dotF16(w, Aligned.PAD + row * rowInts, rebiasF16, x, xOff, xd, xdOff, cols);
        }
        return HalfKernels.dotBF16(w, Aligned.PAD + row * rowInts, x, xOff, xd, xdOff, cols);
    }
}
