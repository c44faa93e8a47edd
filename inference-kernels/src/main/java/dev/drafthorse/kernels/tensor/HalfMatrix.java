package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The layout shared by F16 and BF16 weights: the file's 16-bit values two to an {@code int} (element 2k
 * in the low half, 2k + 1 in the high half), each row padded to whole chunks of {@link #chunk} ints (the
 * kernels' vector length L). Rows go in groups of four (the last padded with zero rows), and within a group
 * chunk c of its four rows side by side, so that the four-row decode kernel reads one sequential stream (rows
 * stored one after the other made every four-row call start three new memory streams; see
 * {@link Q4_0Matrix}). One vector load of L ints is 2L halves that widen into an even and an odd float vector
 * with shifts and masks alone, against activations de-interleaved once per product ({@link #prepare}: evens,
 * then odds).
 */
abstract sealed class HalfMatrix extends WeightMatrix permits F16Matrix, BF16Matrix {
    /** Rows stored side by side. */
    static final int GROUP = GROUP_ROWS;

    protected final int[]
            w; // (groups, chunks, GROUP, chunk) pairs of halves, from Aligned.PAD; F16 ones scaled by 2^shift
    private final int chunk; // ints per row per chunk: the kernels' L on the vector path
    private final int groupInts; // ints per group of rows
    private final boolean pairs; // even cols: the even/odd kernels run; odd cols widen to the F32 order
    /** F16: the stored halves are the file's times 2^shift (exactly), so that none is subnormal; 0 for BF16. */
    protected final int shift;
    /** The F16 kernels' multiplier: 2^(112 − shift) (see {@link HalfKernels}). */
    protected final float rebiasF16;

    HalfMatrix(ByteBuffer data, int rows, int cols, GgmlType type) {
        super(rows, cols);
        ByteBuffer b = checked(data, rows, cols, type).order(ByteOrder.LITTLE_ENDIAN);
        int rowInts = (cols + 1) / 2;
        chunk = Simd.ENABLED ? HalfKernels.L : 16;
        groupInts = GROUP * ((rowInts + chunk - 1) / chunk) * chunk;
        w = new int[Aligned.PAD + (rows + GROUP - 1) / GROUP * groupInts];
        java.nio.ShortBuffer halves = b.asShortBuffer();
        shift = type == GgmlType.F16 ? normalizingShift(halves) : 0;
        rebiasF16 = Math.scalb(1f, 112 - shift);
        short[] row = new short[cols];
        for (int r = 0; r < rows; r++) {
            halves.get(r * cols, row);
            for (int i = 0; i < cols; i++) {
                int h = scaled(row[i], shift) & 0xffff;
                w[intAt(r, i / 2)] |= (i % 2 == 0) ? h : h << 16;
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

    /** Index in {@code w} of int k (elements 2k and 2k + 1) of row {@code row}. */
    private int intAt(int row, int k) {
        return Aligned.PAD + sideBySide(row, k, groupInts / GROUP, chunk);
    }

    /** Element {@code i} of row {@code row}: its 16 bits. */
    final short half(int row, int i) {
        int v = w[intAt(row, i / 2)];
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
                HalfKernels.widenF16(w, intAt(row, 0), 1, rebiasF16, dst, off, cols);
            } else {
                HalfKernels.widenBF16(w, intAt(row, 0), 1, dst, off, cols);
            }
        } else {
            row(row, dst, off);
        }
    }

    @Override
    final void widenGroup(int r, float[] dst, int off) {
        if (f16()) {
            HalfKernels.widenF16(w, intAt(r, 0), GROUP, rebiasF16, dst, off, cols);
        } else {
            HalfKernels.widenBF16(w, intAt(r, 0), GROUP, dst, off, cols);
        }
    }

    @Override
    final boolean groupKernels() {
        return pairs;
    }

    /** The group of rows from r · one input (x at xOff, de-interleaved in xd at xOff). */
    @Override
    final void rows4(int r, float[] x, float[] xd, int xOff, float[] out, int outOff) {
        if (f16()) {
            HalfKernels.rows4F16(w, intAt(r, 0), chunk, rebiasF16, x, xOff, xd, xOff, cols, out, outOff);
        } else {
            HalfKernels.rows4BF16(w, intAt(r, 0), chunk, x, xOff, xd, xOff, cols, out, outOff);
        }
    }

    @Override
    final boolean pairKernel() {
        return Simd.ENABLED && pairs && f16() && HalfKernels.PAIRS;
    }

    @Override
    final void rows4x2(int r, float[] x, float[] xd, int xOff, float[] out, int outOff, int outStride) {
        HalfKernels.rows4F16x2(w, intAt(r, 0), chunk, rebiasF16, x, xOff, xd, xOff, cols, out, outOff, outStride);
    }

    /**
     * F16 products go through the register tiles from {@link #F16_TILE_AT} inputs: below, converting each group of
     * rows in registers for every pair of inputs beats widening every weight to F32 in memory first (speculative
     * steps on tinystories-23m F16: step_cost 5.5–6.3 → 5.2–5.7 decode steps with the draft model, 3.4 → 2.6–2.7
     * with the Medusa heads, whose step multiplies the 32000-row output matrix by 3 and by 4 inputs).
     */
    @Override
    final int tileAt() {
        return pairKernel() ? F16_TILE_AT : TILE_AT;
    }

    static final int F16_TILE_AT = 10;

    /**
     * Decode-shaped F16 products: whole groups of rows natively where the AVX-512 kernels run ({@link
     * NativeKernels#rowsF16}: vcvtph2ps converts a chunk in one instruction per 16 halves, where the Vector API needs
     * shifts, a mask and a multiply; the same bits), the rest as {@link WeightMatrix#multiplyFew} does.
     */
    @Override
    final void multiplyFew(int r0, int r1, float[] x, float[] xp, int t, float[] out, int outStride) {
        int g0 = (r0 + GROUP - 1) / GROUP * GROUP;
        int g1 = r1 / GROUP * GROUP;
        if (!nativeRows() || g0 >= g1 || xp == null) {
            super.multiplyFew(r0, r1, x, xp, t, out, outStride);
            return;
        }
        if (xp.length < t * cols || out.length < (t - 1) * outStride + g1 || outStride < g1) {
            throw new IllegalArgumentException("inputs or outputs too small for " + t + " inputs of " + cols);
        }
        super.multiplyFew(r0, g0, x, xp, t, out, outStride);
        float unscale = Math.scalb(1f, -shift);
        NativeKernels.rowsF16(w, intAt(g0, 0), groupInts, (g1 - g0) / GROUP, unscale, xp, t, cols, out, g0, outStride);
        super.multiplyFew(g1, r1, x, xp, t, out, outStride);
    }

    /** Whether {@link #multiplyFew} runs natively: F16 rows of whole 32-value chunks, 16-int chunks, AVX-512 kernels. */
    private boolean nativeRows() {
        return f16() && pairs && cols % 32 == 0 && chunk == 16 && NativeKernels.ENABLED && NativeKernels.f32Tiles();
    }

    @Override
    final float dotRow(int r, float[] x, float[] xd, int xOff) {
        return dotPrepared(r, x, xOff, xd, xOff);
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
            return HalfKernels.dotF16(w, intAt(row, 0), rebiasF16, x, xOff, xd, xdOff, cols);
        }
        return HalfKernels.dotBF16(w, intAt(row, 0), x, xOff, xd, xdOff, cols);
    }
}
