package dev.drafthorse.kernels.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels of {@link Q8_0Matrix}, over its load-time layout: four rows side by side, per block their
 * 4 × 32 quants and 4 scales, so a row of a group is read with a stride (its quants 128 apart, its scales 4
 * apart). L quants load as bytes, widen to floats (B2F), are scaled by
 * their block's d (exact) and multiplied into one accumulator per (row, input) — the F32 canonical order
 * over the dequantized row. Needs L to divide the block of 32 and a byte species of L lanes (L ≥ 8);
 * otherwise {@link #OK} is false and the matrix widens rows to F32 instead (the same order). Only loaded
 * when {@link Simd#ENABLED}. Conversions are written out in the loops: C2 does not reliably inline
 * vector-returning helpers into loops this large (see {@link HalfKernels}).
 */
final class Q8_0Kernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final boolean OK = L >= 8 && 32 % L == 0;
    static final VectorSpecies<Byte> B = OK ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int BLOCK = 32;
    private static final int BYTES_STEP = Q8_0Matrix.GROUP * BLOCK; // a group's quants per block
    private static final int SCALES_STEP = Q8_0Matrix.GROUP; // a group's scales per block

    private Q8_0Kernels() {}

    /** One row (its block 0's quants at qOff, its scale at dOff) · x[xOff, xOff + n). */
    static float dot(byte[] q, int qOff, float[] d, int dOff, float[] x, int xOff, int n) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        FloatVector acc = FloatVector.zero(F);
        int nb = n / BLOCK;
        for (int k = 0; k < nb; k++) {
            FloatVector scale = FloatVector.broadcast(F, d[dOff + SCALES_STEP * k]);
            for (int j = 0; j < BLOCK; j += L) { // constant trip count: C2 unrolls it fully
                int b = BLOCK * k;
                FloatVector w = ((FloatVector) ((IntVector) ByteVector.fromArray(B, q, qOff + BYTES_STEP * k + j)
                                        .convertShape(VectorOperators.B2I, I, 0))
                                .convertShape(VectorOperators.I2F, F, 0))
                        .mul(scale);
                acc = w.fma(FloatVector.fromArray(F, x, xOff + b + j), acc);
            }
        }
        acc.intoArray(lanes, 0);
        return Lanes.sum(lanes, 0);
    }

    /** The four rows of a group (quants from qOff, scales from dOff) · one input: out[outOff + k] for k < 4. */
    static void rows4(byte[] q, int qOff, float[] d, int dOff, int n, float[] x, int xOff, float[] out, int outOff) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        int nb = n / BLOCK;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        // indices linear in the block number k, so that C2 hoists the bounds checks out of the loop
        for (int k = 0; k < nb; k++) {
            int s = dOff + SCALES_STEP * k;
            FloatVector d0 = FloatVector.broadcast(F, d[s]);
            FloatVector d1 = FloatVector.broadcast(F, d[s + 1]);
            FloatVector d2 = FloatVector.broadcast(F, d[s + 2]);
            FloatVector d3 = FloatVector.broadcast(F, d[s + 3]);
            for (int j = 0; j < BLOCK; j += L) { // constant trip count: C2 unrolls it fully
                FloatVector xv = FloatVector.fromArray(F, x, xOff + BLOCK * k + j);
                int o = qOff + BYTES_STEP * k + j;
                a0 = ((FloatVector) ((IntVector) ByteVector.fromArray(B, q, o).convertShape(VectorOperators.B2I, I, 0))
                                .convertShape(VectorOperators.I2F, F, 0))
                        .mul(d0)
                        .fma(xv, a0);
                a1 = ((FloatVector) ((IntVector)
                                        ByteVector.fromArray(B, q, o + BLOCK).convertShape(VectorOperators.B2I, I, 0))
                                .convertShape(VectorOperators.I2F, F, 0))
                        .mul(d1)
                        .fma(xv, a1);
                a2 = ((FloatVector) ((IntVector) ByteVector.fromArray(B, q, o + 2 * BLOCK)
                                        .convertShape(VectorOperators.B2I, I, 0))
                                .convertShape(VectorOperators.I2F, F, 0))
                        .mul(d2)
                        .fma(xv, a2);
                a3 = ((FloatVector) ((IntVector) ByteVector.fromArray(B, q, o + 3 * BLOCK)
                                        .convertShape(VectorOperators.B2I, I, 0))
                                .convertShape(VectorOperators.I2F, F, 0))
                        .mul(d3)
                        .fma(xv, a3);
            }
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        Lanes.sum4(lanes, 0);
        out[outOff] = lanes[0];
        out[outOff + 1] = lanes[1];
        out[outOff + 2] = lanes[2];
        out[outOff + 3] = lanes[3];
    }

    /** A row (its block 0's quants at qOff, its scale at dOff) dequantized into dst[off, off + n) (exact, element order). */
    static void widen(byte[] q, int qOff, float[] d, int dOff, float[] dst, int off, int n) {
        // indices linear in the block number k, so that C2 hoists the bounds checks out of the loop
        for (int k = 0; k < n / BLOCK; k++) {
            FloatVector scale = FloatVector.broadcast(F, d[dOff + SCALES_STEP * k]);
            int p = qOff + BYTES_STEP * k;
            int o = off + BLOCK * k;
            for (int j = 0; j < BLOCK; j += L) { // constant trip count: C2 unrolls it fully
                ((FloatVector) ((IntVector) ByteVector.fromArray(B, q, p + j).convertShape(VectorOperators.B2I, I, 0))
                                .convertShape(VectorOperators.I2F, F, 0))
                        .mul(scale)
                        .intoArray(dst, o + j);
            }
        }
    }
}
