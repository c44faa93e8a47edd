package dev.drafthorse.kernels.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels of {@link F16Matrix} and {@link BF16Matrix}: rows of halves packed two to an int, four rows
 * side by side in chunks of L ints (see {@link HalfMatrix}), so a row's chunk k/L is at its first chunk plus
 * 4·k and the four rows of a group are L ints apart. One load of L ints is 2L halves; the low halves are
 * the even elements, the high halves the odd ones, widened with shifts and masks alone (no lane-count
 * conversion). The activations come de-interleaved
 * (xd: evens, then odds). Canonical order: an even and an odd accumulator over the full 2L chunks,
 * added, reduced, then the scalar tail in element order. Only loaded when {@link Simd#ENABLED}.
 *
 * <p>F16 → F32 of a half h in the top 16 bits of an int x: (x >> 3, arithmetic) &amp; 0x8FFFE000 keeps the
 * sign in bit 31 and moves exponent and mantissa to their F32 places; read as a float and multiplied by
 * 2^112 (which re-biases the exponent) it is exactly h's value, normal or subnormal. Even elements are
 * shifted to the top first. A subnormal half would make that float an F32 subnormal, and x86 multiplies
 * subnormal operands in microcode (real weights have a few per thousand: decode ran 1.7× slower), so
 * {@link HalfMatrix} stores F16 rows scaled by 2^shift, which makes every half normal, and the kernels
 * multiply by {@code rebiasF16} = 2^(112 − shift) instead: the same values, exactly.
 *
 * <p>The widening is written out inside every loop on purpose: C2 does not reliably inline
 * vector-returning helpers into loops this large, and an op that is not inlined falls back to boxed Java
 * code (measured: decode ten times slower).
 */
final class HalfKernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final int L = F.length();
    private static final int F16_BITS = 0x8fffe000;
    private static final int GROUP = HalfMatrix.GROUP;

    private HalfKernels() {}

    /** The 16 bits of element i of the row whose first chunk starts at rowOff (chunks of L ints, GROUP·L apart). */
    private static short half(int[] w, int rowOff, int i) {
        int k = i / 2;
        int v = w[rowOff + GROUP * (k - k % L) + k % L];
        return (short) (i % 2 == 0 ? v : v >>> 16);
    }

    // ---- F16

    /** One F16 row (ints from wOff, stored as {@link HalfMatrix} scales them) · x, with xd = x de-interleaved. */
    static float dotF16(int[] w, int wOff, float rebiasF16, float[] x, int xOff, float[] xd, int xdOff, int n) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        int half = n / 2;
        int upper = n - n % (2 * L);
        float unscale = rebiasF16 * 0x1p-112f; // 2^-shift: the tail's halves back to their values
        FloatVector rebias =
                FloatVector.broadcast(F, rebiasF16); // constants as locals: C2 then keeps them in registers
        IntVector bits = IntVector.broadcast(I, F16_BITS);
        FloatVector ae = FloatVector.zero(F);
        FloatVector ao = ae;
        for (int i = 0; i < upper; i += 2 * L) {
            int k = i / 2;
            IntVector v = IntVector.fromArray(I, w, wOff + GROUP * k);
            FloatVector we = v.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            FloatVector wo = v.lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            ae = we.fma(FloatVector.fromArray(F, xd, xdOff + k), ae);
            ao = wo.fma(FloatVector.fromArray(F, xd, xdOff + half + k), ao);
        }
        ae.add(ao).intoArray(lanes, 0);
        float s = Lanes.sum(lanes, 0);
        for (int i = upper; i < n; i++) {
            s += Float16.toFloat(half(w, wOff, i)) * unscale * x[xOff + i];
        }
        return s;
    }

    /** Four consecutive F16 rows (ints from wOff, wOff + ws, ...) · one input: out[outOff + j], j < 4. */
    static void rows4F16(
            int[] w,
            int wOff,
            int ws,
            float rebiasF16,
            float[] x,
            int xOff,
            float[] xd,
            int xdOff,
            int n,
            float[] out,
            int outOff) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        int half = n / 2;
        int upper = n - n % (2 * L);
        float unscale = rebiasF16 * 0x1p-112f; // 2^-shift: the tail's halves back to their values
        FloatVector rebias =
                FloatVector.broadcast(F, rebiasF16); // constants as locals: C2 then keeps them in registers
        IntVector bits = IntVector.broadcast(I, F16_BITS);
        FloatVector e0 = FloatVector.zero(F);
        FloatVector o0 = e0;
        FloatVector e1 = e0;
        FloatVector o1 = e0;
        FloatVector e2 = e0;
        FloatVector o2 = e0;
        FloatVector e3 = e0;
        FloatVector o3 = e0;
        int w1 = wOff + ws;
        int w2 = w1 + ws;
        int w3 = w2 + ws;
        for (int i = 0; i < upper; i += 2 * L) {
            int k = i / 2;
            FloatVector xe = FloatVector.fromArray(F, xd, xdOff + k);
            FloatVector xo = FloatVector.fromArray(F, xd, xdOff + half + k);
            IntVector v0 = IntVector.fromArray(I, w, wOff + GROUP * k);
            FloatVector we0 = v0.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            FloatVector wo0 = v0.lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            e0 = we0.fma(xe, e0);
            o0 = wo0.fma(xo, o0);
            IntVector v1 = IntVector.fromArray(I, w, w1 + GROUP * k);
            FloatVector we1 = v1.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            FloatVector wo1 = v1.lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            e1 = we1.fma(xe, e1);
            o1 = wo1.fma(xo, o1);
            IntVector v2 = IntVector.fromArray(I, w, w2 + GROUP * k);
            FloatVector we2 = v2.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            FloatVector wo2 = v2.lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            e2 = we2.fma(xe, e2);
            o2 = wo2.fma(xo, o2);
            IntVector v3 = IntVector.fromArray(I, w, w3 + GROUP * k);
            FloatVector we3 = v3.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            FloatVector wo3 = v3.lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            e3 = we3.fma(xe, e3);
            o3 = wo3.fma(xo, o3);
        }
        e0.add(o0).intoArray(lanes, 0);
        e1.add(o1).intoArray(lanes, L);
        e2.add(o2).intoArray(lanes, 2 * L);
        e3.add(o3).intoArray(lanes, 3 * L);
        Lanes.sum4(lanes, 0);
        float s0 = lanes[0];
        float s1 = lanes[1];
        float s2 = lanes[2];
        float s3 = lanes[3];
        for (int i = upper; i < n; i++) {
            float xi = x[xOff + i];
            s0 += Float16.toFloat(half(w, wOff, i)) * unscale * xi;
            s1 += Float16.toFloat(half(w, w1, i)) * unscale * xi;
            s2 += Float16.toFloat(half(w, w2, i)) * unscale * xi;
            s3 += Float16.toFloat(half(w, w3, i)) * unscale * xi;
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
    }

    /** Whether {@link #rows4F16x2} runs: with 512-bit vectors (its 16 accumulators would spill AVX2's 16 registers). */
    static final boolean PAIRS = L >= 16;

    /**
     * Four consecutive F16 rows (ints from wOff, wOff + ws, ...) · two inputs, the second n further in x and xd:
     * out[outOff + j] and out[outOff + outStride + j], j < 4, each in the order of {@link #rows4F16} (so the same
     * bits). Each weight vector is converted once for both inputs: the conversion, not the multiply-adds, is most of
     * {@link #rows4F16}'s work, and a verification pass of a few positions would otherwise repeat it per position.
     */
    static void rows4F16x2(
            int[] w,
            int wOff,
            int ws,
            float rebiasF16,
            float[] x,
            int xOff,
            float[] xd,
            int xdOff,
            int n,
            float[] out,
            int outOff,
            int outStride) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        int half = n / 2;
        int upper = n - n % (2 * L);
        FloatVector rebias =
                FloatVector.broadcast(F, rebiasF16); // constants as locals: C2 then keeps them in registers
        IntVector bits = IntVector.broadcast(I, F16_BITS);
        // e, o: the first input's even and odd accumulators per row; f, p: the second input's
        FloatVector e0 = FloatVector.zero(F);
        FloatVector o0 = e0;
        FloatVector e1 = e0;
        FloatVector o1 = e0;
        FloatVector e2 = e0;
        FloatVector o2 = e0;
        FloatVector e3 = e0;
        FloatVector o3 = e0;
        FloatVector f0 = e0;
        FloatVector p0 = e0;
        FloatVector f1 = e0;
        FloatVector p1 = e0;
        FloatVector f2 = e0;
        FloatVector p2 = e0;
        FloatVector f3 = e0;
        FloatVector p3 = e0;
        int w1 = wOff + ws;
        int w2 = w1 + ws;
        int w3 = w2 + ws;
        int yd = xdOff + n; // the second input, de-interleaved
        for (int i = 0; i < upper; i += 2 * L) {
            int k = i / 2;
            FloatVector xe = FloatVector.fromArray(F, xd, xdOff + k);
            FloatVector xo = FloatVector.fromArray(F, xd, xdOff + half + k);
            FloatVector ye = FloatVector.fromArray(F, xd, yd + k);
            FloatVector yo = FloatVector.fromArray(F, xd, yd + half + k);
            IntVector v0 = IntVector.fromArray(I, w, wOff + GROUP * k);
            FloatVector we0 = v0.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            FloatVector wo0 = v0.lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            e0 = we0.fma(xe, e0);
            o0 = wo0.fma(xo, o0);
            f0 = we0.fma(ye, f0);
            p0 = wo0.fma(yo, p0);
            IntVector v1 = IntVector.fromArray(I, w, w1 + GROUP * k);
            FloatVector we1 = v1.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            FloatVector wo1 = v1.lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            e1 = we1.fma(xe, e1);
            o1 = wo1.fma(xo, o1);
            f1 = we1.fma(ye, f1);
            p1 = wo1.fma(yo, p1);
            IntVector v2 = IntVector.fromArray(I, w, w2 + GROUP * k);
            FloatVector we2 = v2.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            FloatVector wo2 = v2.lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            e2 = we2.fma(xe, e2);
            o2 = wo2.fma(xo, o2);
            f2 = we2.fma(ye, f2);
            p2 = wo2.fma(yo, p2);
            IntVector v3 = IntVector.fromArray(I, w, w3 + GROUP * k);
            FloatVector we3 = v3.lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            FloatVector wo3 = v3.lanewise(VectorOperators.ASHR, 3)
                    .and(bits)
                    .reinterpretAsFloats()
                    .mul(rebias);
            e3 = we3.fma(xe, e3);
            o3 = wo3.fma(xo, o3);
            f3 = we3.fma(ye, f3);
            p3 = wo3.fma(yo, p3);
        }
        e0.add(o0).intoArray(lanes, 0);
        e1.add(o1).intoArray(lanes, L);
        e2.add(o2).intoArray(lanes, 2 * L);
        e3.add(o3).intoArray(lanes, 3 * L);
        Lanes.sum4(lanes, 0);
        float s0 = lanes[0];
        float s1 = lanes[1];
        float s2 = lanes[2];
        float s3 = lanes[3];
        f0.add(p0).intoArray(lanes, 0);
        f1.add(p1).intoArray(lanes, L);
        f2.add(p2).intoArray(lanes, 2 * L);
        f3.add(p3).intoArray(lanes, 3 * L);
        Lanes.sum4(lanes, 0);
        float t0 = lanes[0];
        float t1 = lanes[1];
        float t2 = lanes[2];
        float t3 = lanes[3];
        float unscale = rebiasF16 * 0x1p-112f; // 2^-shift: the tail's halves back to their values
        int yOff = xOff + n;
        for (int i = upper; i < n; i++) {
            float h0 = Float16.toFloat(half(w, wOff, i)) * unscale;
            float h1 = Float16.toFloat(half(w, w1, i)) * unscale;
            float h2 = Float16.toFloat(half(w, w2, i)) * unscale;
            float h3 = Float16.toFloat(half(w, w3, i)) * unscale;
            float xi = x[xOff + i];
            float yi = x[yOff + i];
            s0 += h0 * xi;
            s1 += h1 * xi;
            s2 += h2 * xi;
            s3 += h3 * xi;
            t0 += h0 * yi;
            t1 += h1 * yi;
            t2 += h2 * yi;
            t3 += h3 * yi;
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
        out[outOff + outStride] = t0;
        out[outOff + outStride + 1] = t1;
        out[outOff + outStride + 2] = t2;
        out[outOff + outStride + 3] = t3;
    }

    /** Elements [upper, n) of the F16 row at wOff into their de-interleaved places in dst[dOff, ...). */
    private static void widenTailF16(int[] w, int wOff, float rebiasF16, float[] dst, int dOff, int n, int upper) {
        int half = n / 2;
        float unscale = rebiasF16 * 0x1p-112f; // 2^-shift: the tail's halves back to their values
        for (int i = upper; i < n; i++) {
            int k = i % 2 == 0 ? i / 2 : half + i / 2;
            dst[dOff + k] = Float16.toFloat(half(w, wOff, i)) * unscale;
        }
    }

    /**
     * {@code rows} consecutive F16 rows of one group (rows ≤ 4; the first one's chunk 0 at wOff, the next L ints
     * further) widened and de-interleaved, row j into dst[dOff + j·n, ...): its evens, then its odds. Walks the
     * group's chunks in memory order.
     */
    static void widenF16(int[] w, int wOff, int rows, float rebiasF16, float[] dst, int dOff, int n) {
        int half = n / 2;
        int upper = n - n % (2 * L);
        FloatVector rebias =
                FloatVector.broadcast(F, rebiasF16); // constants as locals: C2 then keeps them in registers
        IntVector bits = IntVector.broadcast(I, F16_BITS);
        for (int i = 0; i < upper; i += 2 * L) {
            int k = i / 2;
            for (int j = 0; j < rows; j++) {
                IntVector v = IntVector.fromArray(I, w, wOff + GROUP * k + j * L);
                FloatVector we = v.lanewise(VectorOperators.LSHL, 16)
                        .lanewise(VectorOperators.ASHR, 3)
                        .and(bits)
                        .reinterpretAsFloats()
                        .mul(rebias);
                FloatVector wo = v.lanewise(VectorOperators.ASHR, 3)
                        .and(bits)
                        .reinterpretAsFloats()
                        .mul(rebias);
                we.intoArray(dst, dOff + j * n + k);
                wo.intoArray(dst, dOff + j * n + half + k);
            }
        }
        for (int j = 0; j < rows; j++) {
            widenTailF16(w, wOff + j * L, rebiasF16, dst, dOff + j * n, n, upper);
        }
    }

    // ---- BF16

    /** One BF16 row (ints from wOff) · x, with xd = x de-interleaved. */
    static float dotBF16(int[] w, int wOff, float[] x, int xOff, float[] xd, int xdOff, int n) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        int half = n / 2;
        int upper = n - n % (2 * L);
        FloatVector ae = FloatVector.zero(F);
        FloatVector ao = ae;
        for (int i = 0; i < upper; i += 2 * L) {
            int k = i / 2;
            IntVector v = IntVector.fromArray(I, w, wOff + GROUP * k);
            FloatVector we = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector wo = v.and(0xffff0000).reinterpretAsFloats();
            ae = we.fma(FloatVector.fromArray(F, xd, xdOff + k), ae);
            ao = wo.fma(FloatVector.fromArray(F, xd, xdOff + half + k), ao);
        }
        ae.add(ao).intoArray(lanes, 0);
        float s = Lanes.sum(lanes, 0);
        for (int i = upper; i < n; i++) {
            s += Float16.bf16ToFloat(half(w, wOff, i)) * x[xOff + i];
        }
        return s;
    }

    /** Four consecutive BF16 rows (ints from wOff, wOff + ws, ...) · one input: out[outOff + j], j < 4. */
    static void rows4BF16(
            int[] w, int wOff, int ws, float[] x, int xOff, float[] xd, int xdOff, int n, float[] out, int outOff) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        int half = n / 2;
        int upper = n - n % (2 * L);
        FloatVector e0 = FloatVector.zero(F);
        FloatVector o0 = e0;
        FloatVector e1 = e0;
        FloatVector o1 = e0;
        FloatVector e2 = e0;
        FloatVector o2 = e0;
        FloatVector e3 = e0;
        FloatVector o3 = e0;
        int w1 = wOff + ws;
        int w2 = w1 + ws;
        int w3 = w2 + ws;
        for (int i = 0; i < upper; i += 2 * L) {
            int k = i / 2;
            FloatVector xe = FloatVector.fromArray(F, xd, xdOff + k);
            FloatVector xo = FloatVector.fromArray(F, xd, xdOff + half + k);
            IntVector v0 = IntVector.fromArray(I, w, wOff + GROUP * k);
            FloatVector we0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector wo0 = v0.and(0xffff0000).reinterpretAsFloats();
            e0 = we0.fma(xe, e0);
            o0 = wo0.fma(xo, o0);
            IntVector v1 = IntVector.fromArray(I, w, w1 + GROUP * k);
            FloatVector we1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector wo1 = v1.and(0xffff0000).reinterpretAsFloats();
            e1 = we1.fma(xe, e1);
            o1 = wo1.fma(xo, o1);
            IntVector v2 = IntVector.fromArray(I, w, w2 + GROUP * k);
            FloatVector we2 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector wo2 = v2.and(0xffff0000).reinterpretAsFloats();
            e2 = we2.fma(xe, e2);
            o2 = wo2.fma(xo, o2);
            IntVector v3 = IntVector.fromArray(I, w, w3 + GROUP * k);
            FloatVector we3 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector wo3 = v3.and(0xffff0000).reinterpretAsFloats();
            e3 = we3.fma(xe, e3);
            o3 = wo3.fma(xo, o3);
        }
        e0.add(o0).intoArray(lanes, 0);
        e1.add(o1).intoArray(lanes, L);
        e2.add(o2).intoArray(lanes, 2 * L);
        e3.add(o3).intoArray(lanes, 3 * L);
        Lanes.sum4(lanes, 0);
        float s0 = lanes[0];
        float s1 = lanes[1];
        float s2 = lanes[2];
        float s3 = lanes[3];
        for (int i = upper; i < n; i++) {
            float xi = x[xOff + i];
            s0 += Float16.bf16ToFloat(half(w, wOff, i)) * xi;
            s1 += Float16.bf16ToFloat(half(w, w1, i)) * xi;
            s2 += Float16.bf16ToFloat(half(w, w2, i)) * xi;
            s3 += Float16.bf16ToFloat(half(w, w3, i)) * xi;
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
    }

    /** {@code rows} consecutive BF16 rows of one group widened as {@link #widenF16} widens F16 ones. */
    static void widenBF16(int[] w, int wOff, int rows, float[] dst, int dOff, int n) {
        int half = n / 2;
        int upper = n - n % (2 * L);
        for (int i = 0; i < upper; i += 2 * L) {
            int k = i / 2;
            for (int j = 0; j < rows; j++) {
                IntVector v = IntVector.fromArray(I, w, wOff + GROUP * k + j * L);
                v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dOff + j * n + k);
                v.and(0xffff0000).reinterpretAsFloats().intoArray(dst, dOff + j * n + half + k);
            }
        }
        for (int j = 0; j < rows; j++) {
            for (int i = upper; i < n; i++) {
                int k = i % 2 == 0 ? i / 2 : half + i / 2;
                dst[dOff + j * n + k] = Float16.bf16ToFloat(half(w, wOff + j * L, i));
            }
        }
    }
}
