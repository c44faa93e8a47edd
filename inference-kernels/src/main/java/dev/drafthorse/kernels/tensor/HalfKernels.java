package dev.drafthorse.kernels.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels of {@link F16Matrix} and {@link BF16Matrix}: rows of halves packed two to an int.
 * One load of L ints is 2L halves; the low halves are the even elements, the high halves the odd ones,
 * widened with shifts and masks alone (no lane-count conversion). The activations come de-interleaved
 * (xd: evens, then odds). Canonical order: an even and an odd accumulator over the full 2L chunks,
 * added, reduced, then the scalar tail in element order. Only loaded when {@link Simd#ENABLED}.
 *
 * <p>F16 → F32 of a half h in the low 16 bits: ((h &amp; 0x7fff) &lt;&lt; 13 | sign &lt;&lt; 16) read as a
 * float, times 2^112, which re-biases the exponent and is exact for normal and subnormal halves alike.
 */
final class HalfKernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final int L = F.length();
    private static final float REBIAS = 0x1p112f;

    private HalfKernels() {}

    /** The even elements (low halves) of v as floats. */
    private static FloatVector even(boolean f16, IntVector v) {
        if (!f16) {
            return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }
        IntVector magnitude = v.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        IntVector sign = v.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        return magnitude.or(sign).reinterpretAsFloats().mul(REBIAS);
    }

    /** The odd elements (high halves) of v as floats. */
    private static FloatVector odd(boolean f16, IntVector v) {
        if (!f16) {
            return v.and(0xffff0000).reinterpretAsFloats();
        }
        IntVector magnitude = v.lanewise(VectorOperators.LSHR, 3).and(0x0fffe000);
        IntVector sign = v.and(0x80000000);
        return magnitude.or(sign).reinterpretAsFloats().mul(REBIAS);
    }

    private static float scalar(boolean f16, int[] w, int rowOff, int i) {
        int v = w[rowOff + i / 2];
        short h = (short) (i % 2 == 0 ? v : v >>> 16);
        return f16 ? Float16.toFloat(h) : Float16.bf16ToFloat(h);
    }

    /** One row (ints from wOff) · x, with xd = x de-interleaved. */
    static float dot(boolean f16, int[] w, int wOff, float[] x, int xOff, float[] xd, int xdOff, int n) {
        int half = n / 2;
        int upper = n - n % (2 * L);
        FloatVector ae = FloatVector.zero(F);
        FloatVector ao = ae;
        for (int i = 0; i < upper; i += 2 * L) {
            IntVector v = IntVector.fromArray(I, w, wOff + i / 2);
            ae = even(f16, v).fma(FloatVector.fromArray(F, xd, xdOff + i / 2), ae);
            ao = odd(f16, v).fma(FloatVector.fromArray(F, xd, xdOff + half + i / 2), ao);
        }
        float s = ae.add(ao).reduceLanes(VectorOperators.ADD);
        for (int i = upper; i < n; i++) {
            s += scalar(f16, w, wOff, i) * x[xOff + i];
        }
        return s;
    }

    /** Four consecutive rows (ints from wOff, wOff + ws, ...) · one input: out[outOff + j] for j < 4. */
    static void rows4(boolean f16, int[] w, int wOff, int ws, float[] x, int xOff, float[] xd, int xdOff, int n, float[] out,
            int outOff) {
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
            IntVector v0 = IntVector.fromArray(I, w, wOff + k);
            IntVector v1 = IntVector.fromArray(I, w, w1 + k);
            IntVector v2 = IntVector.fromArray(I, w, w2 + k);
            IntVector v3 = IntVector.fromArray(I, w, w3 + k);
            e0 = even(f16, v0).fma(xe, e0);
            o0 = odd(f16, v0).fma(xo, o0);
            e1 = even(f16, v1).fma(xe, e1);
            o1 = odd(f16, v1).fma(xo, o1);
            e2 = even(f16, v2).fma(xe, e2);
            o2 = odd(f16, v2).fma(xo, o2);
            e3 = even(f16, v3).fma(xe, e3);
            o3 = odd(f16, v3).fma(xo, o3);
        }
        float s0 = e0.add(o0).reduceLanes(VectorOperators.ADD);
        float s1 = e1.add(o1).reduceLanes(VectorOperators.ADD);
        float s2 = e2.add(o2).reduceLanes(VectorOperators.ADD);
        float s3 = e3.add(o3).reduceLanes(VectorOperators.ADD);
        for (int i = upper; i < n; i++) {
            float xi = x[xOff + i];
            s0 += scalar(f16, w, wOff, i) * xi;
            s1 += scalar(f16, w, w1, i) * xi;
            s2 += scalar(f16, w, w2, i) * xi;
            s3 += scalar(f16, w, w3, i) * xi;
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
    }

    /**
     * A row (ints from wOff, n values) widened and de-interleaved into dst[dOff, ...): the n/2 even
     * elements, then the n/2 odd ones (the layout of {@link HalfMatrix#deinterleave}).
     */
    static void widenDeinterleaved(boolean f16, int[] w, int wOff, float[] dst, int dOff, int n) {
        int half = n / 2;
        int upper = n - n % (2 * L);
        for (int i = 0; i < upper; i += 2 * L) {
            IntVector v = IntVector.fromArray(I, w, wOff + i / 2);
            even(f16, v).intoArray(dst, dOff + i / 2);
            odd(f16, v).intoArray(dst, dOff + half + i / 2);
        }
        for (int i = upper; i < n; i++) {
            int k = i % 2 == 0 ? i / 2 : half + i / 2;
            dst[dOff + k] = scalar(f16, w, wOff, i);
        }
    }
}
