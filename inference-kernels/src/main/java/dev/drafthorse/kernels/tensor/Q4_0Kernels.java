package dev.drafthorse.kernels.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels of {@link Q4_0Matrix}, over its load-time layout: four rows side by side, per block their
 * 4 × 16 packed bytes (each high nibble's top bit flipped) and their 4 + 4 floats (d, then −8d). A row of a
 * group is therefore read with a stride: its bytes 64 apart, its scales 8 apart.
 *
 * <p>L bytes load once and widen to ints (B2I, sign-extending); the low nibbles are values j..j+L of the
 * block, the high nibbles values j+16..j+16+L. Each becomes its exact value in two operations: low =
 * fma(nibble &amp; 15, d, −8d); high = (byte &gt;&gt; 4, arithmetic: the flipped nibble's signed value is
 * nibble − 8) · d. The values are multiplied into one accumulator per (row, input) in element order — the
 * F32 canonical order over the dequantized row.
 *
 * <p>Needs L to divide 16 and a byte species of L lanes (L ≥ 8); otherwise {@link #OK} is false and the
 * matrix widens rows to F32 instead (the same order). Only loaded when {@link Simd#ENABLED}. Conversions
 * are written out in the loops: C2 does not reliably inline vector-returning helpers into loops this
 * large (see {@link HalfKernels}).
 */
final class Q4_0Kernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final boolean OK = L >= 8 && 16 % L == 0;
    static final VectorSpecies<Byte> B = OK ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int BLOCK = 32;
    private static final int BYTES_STEP = Q4_0Matrix.GROUP * 16; // a group's bytes per block
    private static final int SCALES_STEP = Q4_0Matrix.GROUP * 2; // a group's scale floats per block
    private static final int M = Q4_0Matrix.GROUP; // from a row's d to its −8d

    private Q4_0Kernels() {}

    /** One row (its block 0's bytes at qOff, its scale at dOff) · x[xOff, xOff + n). */
    static float dot(byte[] q, int qOff, float[] d, int dOff, float[] x, int xOff, int n) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        IntVector nibble = IntVector.broadcast(I, 0x0f); // constants as locals: C2 keeps them in registers
        FloatVector acc = FloatVector.zero(F);
        for (int k = 0; k < n / BLOCK; k++) {
            int s = dOff + SCALES_STEP * k;
            FloatVector scale = FloatVector.broadcast(F, d[s]);
            FloatVector offset = FloatVector.broadcast(F, d[s + M]);
            int p = qOff + BYTES_STEP * k;
            int xb = xOff + BLOCK * k;
            for (int j = 0; j < 16; j += L) {
                IntVector v = (IntVector) ByteVector.fromArray(B, q, p + j).convertShape(VectorOperators.B2I, I, 0);
                FloatVector low =
                        ((FloatVector) v.and(nibble).convertShape(VectorOperators.I2F, F, 0)).fma(scale, offset);
                acc = low.fma(FloatVector.fromArray(F, x, xb + j), acc);
            }
            for (int j = 0; j < 16; j += L) {
                IntVector v = (IntVector) ByteVector.fromArray(B, q, p + j).convertShape(VectorOperators.B2I, I, 0);
                FloatVector high = ((FloatVector)
                                v.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0))
                        .mul(scale);
                acc = high.fma(FloatVector.fromArray(F, x, xb + 16 + j), acc);
            }
        }
        acc.intoArray(lanes, 0);
        return Lanes.sum(lanes, 0);
    }

    /** The four rows of a group (bytes from qOff, scales from dOff) · one input: out[outOff + k], k < 4. */
    static void rows4(byte[] q, int qOff, float[] d, int dOff, int n, float[] x, int xOff, float[] out, int outOff) {
        if (L == 16) {
            rows4Wide(q, qOff, d, dOff, n, x, xOff, out, outOff);
        } else {
            rows4Narrow(q, qOff, d, dOff, n, x, xOff, out, outOff);
        }
    }

    /**
     * {@link #rows4} with 16 lanes: one load of a block's 16 bytes serves its low nibbles (values 0–15) and its
     * high nibbles (values 16–31), in that order — element order, as the canonical order requires.
     */
    private static void rows4Wide(
            byte[] q, int qOff, float[] d, int dOff, int n, float[] x, int xOff, float[] out, int outOff) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        IntVector nibble = IntVector.broadcast(I, 0x0f); // constants as locals: C2 keeps them in registers
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        // indices linear in the block number k, so that C2 hoists the bounds checks out of the loop
        for (int k = 0; k < n / BLOCK; k++) {
            int s = dOff + SCALES_STEP * k;
            FloatVector s0 = FloatVector.broadcast(F, d[s]);
            FloatVector s1 = FloatVector.broadcast(F, d[s + 1]);
            FloatVector s2 = FloatVector.broadcast(F, d[s + 2]);
            FloatVector s3 = FloatVector.broadcast(F, d[s + 3]);
            FloatVector m0 = FloatVector.broadcast(F, d[s + M]);
            FloatVector m1 = FloatVector.broadcast(F, d[s + M + 1]);
            FloatVector m2 = FloatVector.broadcast(F, d[s + M + 2]);
            FloatVector m3 = FloatVector.broadcast(F, d[s + M + 3]);
            int p = qOff + BYTES_STEP * k;
            FloatVector xl = FloatVector.fromArray(F, x, xOff + BLOCK * k);
            FloatVector xh = FloatVector.fromArray(F, x, xOff + BLOCK * k + 16);
            IntVector v0 = (IntVector) ByteVector.fromArray(B, q, p).convertShape(VectorOperators.B2I, I, 0);
            IntVector v1 = (IntVector) ByteVector.fromArray(B, q, p + 16).convertShape(VectorOperators.B2I, I, 0);
            IntVector v2 = (IntVector) ByteVector.fromArray(B, q, p + 32).convertShape(VectorOperators.B2I, I, 0);
            IntVector v3 = (IntVector) ByteVector.fromArray(B, q, p + 48).convertShape(VectorOperators.B2I, I, 0);
            a0 = ((FloatVector) v0.and(nibble).convertShape(VectorOperators.I2F, F, 0))
                    .fma(s0, m0)
                    .fma(xl, a0);
            a1 = ((FloatVector) v1.and(nibble).convertShape(VectorOperators.I2F, F, 0))
                    .fma(s1, m1)
                    .fma(xl, a1);
            a2 = ((FloatVector) v2.and(nibble).convertShape(VectorOperators.I2F, F, 0))
                    .fma(s2, m2)
                    .fma(xl, a2);
            a3 = ((FloatVector) v3.and(nibble).convertShape(VectorOperators.I2F, F, 0))
                    .fma(s3, m3)
                    .fma(xl, a3);
            a0 = ((FloatVector) v0.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0))
                    .mul(s0)
                    .fma(xh, a0);
            a1 = ((FloatVector) v1.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0))
                    .mul(s1)
                    .fma(xh, a1);
            a2 = ((FloatVector) v2.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0))
                    .mul(s2)
                    .fma(xh, a2);
            a3 = ((FloatVector) v3.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0))
                    .mul(s3)
                    .fma(xh, a3);
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

    /** {@link #rows4} with 8 lanes: each half-block of bytes loaded once for its low and once for its high nibbles. */
    private static void rows4Narrow(
            byte[] q, int qOff, float[] d, int dOff, int n, float[] x, int xOff, float[] out, int outOff) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        IntVector nibble = IntVector.broadcast(I, 0x0f); // constants as locals: C2 keeps them in registers
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int k = 0; k < n / BLOCK; k++) {
            int s = dOff + SCALES_STEP * k;
            FloatVector s0 = FloatVector.broadcast(F, d[s]);
            FloatVector s1 = FloatVector.broadcast(F, d[s + 1]);
            FloatVector s2 = FloatVector.broadcast(F, d[s + 2]);
            FloatVector s3 = FloatVector.broadcast(F, d[s + 3]);
            FloatVector m0 = FloatVector.broadcast(F, d[s + M]);
            FloatVector m1 = FloatVector.broadcast(F, d[s + M + 1]);
            FloatVector m2 = FloatVector.broadcast(F, d[s + M + 2]);
            FloatVector m3 = FloatVector.broadcast(F, d[s + M + 3]);
            int p = qOff + BYTES_STEP * k;
            for (int j = 0; j < 16; j += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + BLOCK * k + j);
                IntVector v0 = (IntVector) ByteVector.fromArray(B, q, p + j).convertShape(VectorOperators.B2I, I, 0);
                IntVector v1 =
                        (IntVector) ByteVector.fromArray(B, q, p + 16 + j).convertShape(VectorOperators.B2I, I, 0);
                IntVector v2 =
                        (IntVector) ByteVector.fromArray(B, q, p + 32 + j).convertShape(VectorOperators.B2I, I, 0);
                IntVector v3 =
                        (IntVector) ByteVector.fromArray(B, q, p + 48 + j).convertShape(VectorOperators.B2I, I, 0);
                a0 = ((FloatVector) v0.and(nibble).convertShape(VectorOperators.I2F, F, 0))
                        .fma(s0, m0)
                        .fma(xv, a0);
                a1 = ((FloatVector) v1.and(nibble).convertShape(VectorOperators.I2F, F, 0))
                        .fma(s1, m1)
                        .fma(xv, a1);
                a2 = ((FloatVector) v2.and(nibble).convertShape(VectorOperators.I2F, F, 0))
                        .fma(s2, m2)
                        .fma(xv, a2);
                a3 = ((FloatVector) v3.and(nibble).convertShape(VectorOperators.I2F, F, 0))
                        .fma(s3, m3)
                        .fma(xv, a3);
            }
            for (int j = 0; j < 16; j += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + BLOCK * k + 16 + j);
                IntVector v0 = (IntVector) ByteVector.fromArray(B, q, p + j).convertShape(VectorOperators.B2I, I, 0);
                IntVector v1 =
                        (IntVector) ByteVector.fromArray(B, q, p + 16 + j).convertShape(VectorOperators.B2I, I, 0);
                IntVector v2 =
                        (IntVector) ByteVector.fromArray(B, q, p + 32 + j).convertShape(VectorOperators.B2I, I, 0);
                IntVector v3 =
                        (IntVector) ByteVector.fromArray(B, q, p + 48 + j).convertShape(VectorOperators.B2I, I, 0);
                a0 = ((FloatVector) v0.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0))
                        .mul(s0)
                        .fma(xv, a0);
                a1 = ((FloatVector) v1.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0))
                        .mul(s1)
                        .fma(xv, a1);
                a2 = ((FloatVector) v2.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0))
                        .mul(s2)
                        .fma(xv, a2);
                a3 = ((FloatVector) v3.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0))
                        .mul(s3)
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

    /** A row (its block 0's bytes at qOff, its scale at dOff) dequantized into dst[off, off + n) (exact, element order). */
    static void widen(byte[] q, int qOff, float[] d, int dOff, float[] dst, int off, int n) {
        IntVector nibble = IntVector.broadcast(I, 0x0f); // constants as locals: C2 keeps them in registers
        for (int k = 0; k < n / BLOCK; k++) {
            int s = dOff + SCALES_STEP * k;
            FloatVector scale = FloatVector.broadcast(F, d[s]);
            FloatVector offset = FloatVector.broadcast(F, d[s + M]);
            int p = qOff + BYTES_STEP * k;
            int o = off + BLOCK * k;
            for (int j = 0; j < 16; j += L) {
                IntVector v = (IntVector) ByteVector.fromArray(B, q, p + j).convertShape(VectorOperators.B2I, I, 0);
                ((FloatVector) v.and(nibble).convertShape(VectorOperators.I2F, F, 0))
                        .fma(scale, offset)
                        .intoArray(dst, o + j);
                ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).convertShape(VectorOperators.I2F, F, 0))
                        .mul(scale)
                        .intoArray(dst, o + 16 + j);
            }
        }
    }
}
