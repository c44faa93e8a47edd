package dev.drafthorse.kernels.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels over F32 arrays: the weight kernels of {@link F32Matrix} (and of every format widened to
 * F32) and the float primitives of {@link FloatOps}. Canonical order: one vector accumulator over the full
 * vectors, reduced across lanes, then the scalar tail in element order. Only loaded when
 * {@link Simd#ENABLED}.
 */
final class F32Kernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();

    private F32Kernels() {}

    static String describe() {
        return F.vectorBitSize() + "-bit, " + L + " floats";
    }

    /** w[wOff, wOff + n) · x[xOff, xOff + n). */
    static float dot(float[] w, int wOff, float[] x, int xOff, int n) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            acc = FloatVector.fromArray(F, w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        acc.intoArray(lanes, 0);
        float s = Lanes.sum(lanes, 0);
        for (; i < n; i++) {
            s += w[wOff + i] * x[xOff + i];
        }
        return s;
    }

    /**
     * Four consecutive rows (at wOff, wOff + ws, ...) · one input: out[outOff + j] for j < 4. One load of x
     * serves four rows; four independent accumulators keep the loads in flight.
     */
    static void rows4(float[] w, int wOff, int ws, float[] x, int xOff, int n, float[] out, int outOff) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int o1 = wOff + ws;
        int o2 = o1 + ws;
        int o3 = o2 + ws;
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            a0 = FloatVector.fromArray(F, w, wOff + i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, o1 + i).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, o2 + i).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, o3 + i).fma(xv, a3);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        Lanes.sum4(lanes, 0);
        float s0 = lanes[0];
        float s1 = lanes[1];
        float s2 = lanes[2];
        float s3 = lanes[3];
        for (; i < n; i++) {
            float xi = x[xOff + i];
            s0 += w[wOff + i] * xi;
            s1 += w[o1 + i] * xi;
            s2 += w[o2 + i] * xi;
            s3 += w[o3 + i] * xi;
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
    }

    /** Whether {@link #rows8} runs: with 512-bit vectors, where its eight accumulators leave registers to spare. */
    static final boolean ROWS8 = L >= 16;

    /**
     * Eight consecutive rows (at wOff, wOff + ws, ...) · one input: out[outOff + j] for j < 8, each row in the
     * canonical order of {@link #rows4}. Twice the rows per call halves the calls' fixed cost (the reduction,
     * the loop's start), which on rows as short as 768 values is a tenth of the time.
     */
    static void rows8(float[] w, int wOff, int ws, float[] x, int xOff, int n, float[] out, int outOff) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        int o1 = wOff + ws;
        int o2 = o1 + ws;
        int o3 = o2 + ws;
        int o4 = o3 + ws;
        int o5 = o4 + ws;
        int o6 = o5 + ws;
        int o7 = o6 + ws;
        int upper = F.loopBound(n);
        for (int i = 0; i < upper; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            a0 = FloatVector.fromArray(F, w, wOff + i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, o1 + i).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, o2 + i).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, o3 + i).fma(xv, a3);
            a4 = FloatVector.fromArray(F, w, o4 + i).fma(xv, a4);
            a5 = FloatVector.fromArray(F, w, o5 + i).fma(xv, a5);
            a6 = FloatVector.fromArray(F, w, o6 + i).fma(xv, a6);
            a7 = FloatVector.fromArray(F, w, o7 + i).fma(xv, a7);
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        Lanes.sum4(lanes, 0);
        float s0 = lanes[0];
        float s1 = lanes[1];
        float s2 = lanes[2];
        float s3 = lanes[3];
        a4.intoArray(lanes, 0);
        a5.intoArray(lanes, L);
        a6.intoArray(lanes, 2 * L);
        a7.intoArray(lanes, 3 * L);
        Lanes.sum4(lanes, 0);
        float s4 = lanes[0];
        float s5 = lanes[1];
        float s6 = lanes[2];
        float s7 = lanes[3];
        for (int i = upper; i < n; i++) {
            float xi = x[xOff + i];
            s0 += w[wOff + i] * xi;
            s1 += w[o1 + i] * xi;
            s2 += w[o2 + i] * xi;
            s3 += w[o3 + i] * xi;
            s4 += w[o4 + i] * xi;
            s5 += w[o5 + i] * xi;
            s6 += w[o6 + i] * xi;
            s7 += w[o7 + i] * xi;
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
        out[outOff + 4] = s4;
        out[outOff + 5] = s5;
        out[outOff + 6] = s6;
        out[outOff + 7] = s7;
    }

    /** y[yOff + i] += alpha · x[xOff + i] for i in [0, n). */
    static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        int upper = F.loopBound(n);
        FloatVector va = FloatVector.broadcast(F, alpha);
        for (; i < upper; i += L) {
            FloatVector yv = FloatVector.fromArray(F, y, yOff + i);
            FloatVector.fromArray(F, x, xOff + i).fma(va, yv).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /** y[yOff + i] *= alpha for i in [0, n). */
    static void scale(float alpha, float[] y, int yOff, int n) {
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector.fromArray(F, y, yOff + i).mul(alpha).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] *= alpha;
        }
    }

    /** {@link ScalarKernels#siluGated} lane by lane (the same bits): gate[i] ← gate[i] / (1 + e^−gate[i]) · up[i]. */
    static void siluGated(float[] gate, float[] up, int from, int to) {
        int i = from;
        int upper = from + F.loopBound(to - from);
        for (; i < upper; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(expf(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        ScalarKernels.siluGated(gate, up, i, to);
    }

    /** {@link ScalarKernels#expf} lane by lane. */
    static FloatVector expf(FloatVector x) {
        FloatVector v = x.fma(ScalarKernels.LOG2E, ScalarKernels.ROUNDER);
        IntVector n = v.reinterpretAsInts().sub(ScalarKernels.ROUNDER_BITS);
        FloatVector nf = v.sub(ScalarKernels.ROUNDER);
        FloatVector r = nf.fma(broadcast(-ScalarKernels.LN2_HI), x);
        r = nf.fma(broadcast(-ScalarKernels.LN2_LO), r);
        FloatVector p = r.fma(ScalarKernels.EXP_P0, ScalarKernels.EXP_P1);
        p = p.fma(r, broadcast(ScalarKernels.EXP_P2));
        p = p.fma(r, broadcast(ScalarKernels.EXP_P3));
        p = p.fma(r, broadcast(ScalarKernels.EXP_P4));
        p = p.fma(r, broadcast(ScalarKernels.EXP_P5));
        FloatVector e = p.fma(r.mul(r), r).add(1f);
        FloatVector scale = n.add(126).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = e.mul(2f).mul(scale);
        VectorMask<Float> big = x.compare(VectorOperators.GT, ScalarKernels.EXP_MAX);
        VectorMask<Float> small = x.compare(VectorOperators.LT, ScalarKernels.EXP_MIN);
        return y.blend(Float.POSITIVE_INFINITY, big).blend(0f, small);
    }

    private static FloatVector broadcast(float c) {
        return FloatVector.broadcast(F, c);
    }
}
