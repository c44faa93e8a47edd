package dev.drafthorse.kernels.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels of the unpacked layout of {@link BlockMatrix}: one signed byte per quant, and per group
 * of 16 values a factor a and an offset b; value = (float) ((float) (a·q) + b), exactly ggml's
 * dequantization (a multiply and an add, never fused). Four rows side by side (see {@link BlockMatrix}): per
 * group of 16 values their 4 × 16 quants and 4 factors and offsets, so a row of a group of rows is read with
 * a stride (its quants 64 apart, its factors 4 apart). Values are multiplied into one accumulator per
 * (row, input) in element order: the F32 canonical order over the dequantized row. Needs L to divide 16
 * and a byte species of L lanes (L ≥ 8); otherwise {@link #OK} is false and rows are widened by the scalar
 * dequantization (the same values, the same order). Conversions are written out in the loops (see
 * {@link HalfKernels}). Only loaded when {@link Simd#ENABLED}.
 */
final class UnpackedKernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final boolean OK = L >= 8 && BlockMatrix.GROUP % L == 0;
    static final VectorSpecies<Byte> B = OK ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int G = BlockMatrix.GROUP;
    private static final int ROWS = BlockMatrix.ROWS; // rows side by side

    private UnpackedKernels() {}

    /** One row (its first group's quants at qOff, its first factor at gOff) · x[xOff, xOff + n). */
    static float dot(byte[] q, int qOff, float[] a, float[] b, int gOff, float[] x, int xOff, int n) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        FloatVector acc = FloatVector.zero(F);
        for (int e = 0; e < n; e += G) {
            int g = gOff + ROWS * (e / G);
            FloatVector av = FloatVector.broadcast(F, a[g]);
            FloatVector bv = FloatVector.broadcast(F, b[g]);
            for (int j = 0; j < G; j += L) { // constant trip count: C2 unrolls it fully
                IntVector qi = (IntVector)
                        ByteVector.fromArray(B, q, qOff + ROWS * e + j).convertShape(VectorOperators.B2I, I, 0);
                FloatVector w = ((FloatVector) qi.convertShape(VectorOperators.I2F, F, 0))
                        .mul(av)
                        .add(bv);
                acc = w.fma(FloatVector.fromArray(F, x, xOff + e + j), acc);
            }
        }
        acc.intoArray(lanes, 0);
        return Lanes.sum(lanes, 0);
    }

    /** The four rows of a group of rows (quants from qOff, factors from gOff) · one input: out[outOff + k], k < 4. */
    static void rows4(
            byte[] q, int qOff, float[] a, float[] b, int gOff, int n, float[] x, int xOff, float[] out, int outOff) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int e = 0; e < n; e += G) {
            int g = gOff + ROWS * (e / G);
            FloatVector f0 = FloatVector.broadcast(F, a[g]);
            FloatVector f1 = FloatVector.broadcast(F, a[g + 1]);
            FloatVector f2 = FloatVector.broadcast(F, a[g + 2]);
            FloatVector f3 = FloatVector.broadcast(F, a[g + 3]);
            FloatVector c0 = FloatVector.broadcast(F, b[g]);
            FloatVector c1 = FloatVector.broadcast(F, b[g + 1]);
            FloatVector c2 = FloatVector.broadcast(F, b[g + 2]);
            FloatVector c3 = FloatVector.broadcast(F, b[g + 3]);
            for (int j = 0; j < G; j += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + e + j);
                int o = qOff + ROWS * e + j;
                IntVector q0 = (IntVector) ByteVector.fromArray(B, q, o).convertShape(VectorOperators.B2I, I, 0);
                IntVector q1 = (IntVector) ByteVector.fromArray(B, q, o + G).convertShape(VectorOperators.B2I, I, 0);
                IntVector q2 =
                        (IntVector) ByteVector.fromArray(B, q, o + 2 * G).convertShape(VectorOperators.B2I, I, 0);
                IntVector q3 =
                        (IntVector) ByteVector.fromArray(B, q, o + 3 * G).convertShape(VectorOperators.B2I, I, 0);
                a0 = ((FloatVector) q0.convertShape(VectorOperators.I2F, F, 0))
                        .mul(f0)
                        .add(c0)
                        .fma(xv, a0);
                a1 = ((FloatVector) q1.convertShape(VectorOperators.I2F, F, 0))
                        .mul(f1)
                        .add(c1)
                        .fma(xv, a1);
                a2 = ((FloatVector) q2.convertShape(VectorOperators.I2F, F, 0))
                        .mul(f2)
                        .add(c2)
                        .fma(xv, a2);
                a3 = ((FloatVector) q3.convertShape(VectorOperators.I2F, F, 0))
                        .mul(f3)
                        .add(c3)
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

    /** A row (as {@link #dot}) dequantized into dst[off, off + n) (exactly ggml's values, element order). */
    static void widen(byte[] q, int qOff, float[] a, float[] b, int gOff, float[] dst, int off, int n) {
        for (int e = 0; e < n; e += G) {
            int g = gOff + ROWS * (e / G);
            FloatVector av = FloatVector.broadcast(F, a[g]);
            FloatVector bv = FloatVector.broadcast(F, b[g]);
            for (int j = 0; j < G; j += L) {
                IntVector qi = (IntVector)
                        ByteVector.fromArray(B, q, qOff + ROWS * e + j).convertShape(VectorOperators.B2I, I, 0);
                ((FloatVector) qi.convertShape(VectorOperators.I2F, F, 0))
                        .mul(av)
                        .add(bv)
                        .intoArray(dst, off + e + j);
            }
        }
    }
}
