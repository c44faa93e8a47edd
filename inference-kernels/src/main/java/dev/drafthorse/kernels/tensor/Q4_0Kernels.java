package dev.drafthorse.kernels.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector kernels of {@link Q4_0Matrix}. L packed bytes load once and widen to ints (B2I); the low nibbles
 * are values j..j+L of the block, the high nibbles values j+16..j+16+L. Each nibble vector becomes its
 * exact value d·(nibble − 8) in one fused multiply-add, fma(nibble, d, −8d), and is multiplied into one
 * accumulator per (row, input) in element order — the F32 canonical order over the dequantized row.
 * Needs L to divide 16 and a byte species of L lanes (L ≥ 8); otherwise {@link #OK} is false and the
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

    private Q4_0Kernels() {}

    /** One row (packed bytes from qOff, scales from dOff) · x[xOff, xOff + n). */
    static float dot(byte[] q, int qOff, float[] d, int dOff, float[] x, int xOff, int n) {
        float[] lanes = Lanes.scratch(); // (4, L) the stored accumulators, reduced by a fixed tree
        IntVector nibble = IntVector.broadcast(I, 0x0f); // constants as locals: C2 keeps them in registers
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n; b += BLOCK) {
            float db = d[dOff + b / BLOCK];
            FloatVector scale = FloatVector.broadcast(F, db);
            FloatVector offset = FloatVector.broadcast(F, -8f * db);
            int p = qOff + b / 2;
            for (int j = 0; j < 16; j += L) {
                FloatVector w = ((FloatVector)
                                ((IntVector) ByteVector.fromArray(B, q, p + j).convertShape(VectorOperators.B2I, I, 0))
                                        .and(nibble)
                                        .convertShape(VectorOperators.I2F, F, 0))
                        .fma(scale, offset);
                acc = w.fma(FloatVector.fromArray(F, x, xOff + b + j), acc);
            }
            for (int j = 0; j < 16; j += L) {
                FloatVector w = ((FloatVector)
                                ((IntVector) ByteVector.fromArray(B, q, p + j).convertShape(VectorOperators.B2I, I, 0))
                                        .lanewise(VectorOperators.LSHR, 4)
                                        .and(nibble)
                                        .convertShape(VectorOperators.I2F, F, 0))
                        .fma(scale, offset);
                acc = w.fma(FloatVector.fromArray(F, x, xOff + b + 16 + j), acc);
            }
        }
        acc.intoArray(lanes, 0);
        return Lanes.sum(lanes, 0);
    }

    /** Four consecutive rows (n/2 packed bytes and n/32 scales each) · one input: out[outOff + k], k < 4. */
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
        int nb = n / BLOCK;
        int rb = n / 2;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        // indices linear in the block number k, so that C2 hoists the bounds checks out of the loop
        for (int k = 0; k < nb; k++) {
            float db0 = d[dOff + k];
            float db1 = d[dOff + nb + k];
            float db2 = d[dOff + 2 * nb + k];
            float db3 = d[dOff + 3 * nb + k];
            FloatVector s0 = FloatVector.broadcast(F, db0);
            FloatVector s1 = FloatVector.broadcast(F, db1);
            FloatVector s2 = FloatVector.broadcast(F, db2);
            FloatVector s3 = FloatVector.broadcast(F, db3);
            FloatVector m0 = FloatVector.broadcast(F, -8f * db0);
            FloatVector m1 = FloatVector.broadcast(F, -8f * db1);
            FloatVector m2 = FloatVector.broadcast(F, -8f * db2);
            FloatVector m3 = FloatVector.broadcast(F, -8f * db3);
            int p = qOff + 16 * k;
            FloatVector xl = FloatVector.fromArray(F, x, xOff + BLOCK * k);
            FloatVector xh = FloatVector.fromArray(F, x, xOff + BLOCK * k + 16);
            IntVector v0 = (IntVector) ByteVector.fromArray(B, q, p).convertShape(VectorOperators.B2I, I, 0);
            IntVector v1 = (IntVector) ByteVector.fromArray(B, q, p + rb).convertShape(VectorOperators.B2I, I, 0);
            IntVector v2 = (IntVector) ByteVector.fromArray(B, q, p + 2 * rb).convertShape(VectorOperators.B2I, I, 0);
            IntVector v3 = (IntVector) ByteVector.fromArray(B, q, p + 3 * rb).convertShape(VectorOperators.B2I, I, 0);
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
            a0 = ((FloatVector)
                            v0.lanewise(VectorOperators.LSHR, 4).and(nibble).convertShape(VectorOperators.I2F, F, 0))
                    .fma(s0, m0)
                    .fma(xh, a0);
            a1 = ((FloatVector)
                            v1.lanewise(VectorOperators.LSHR, 4).and(nibble).convertShape(VectorOperators.I2F, F, 0))
                    .fma(s1, m1)
                    .fma(xh, a1);
            a2 = ((FloatVector)
                            v2.lanewise(VectorOperators.LSHR, 4).and(nibble).convertShape(VectorOperators.I2F, F, 0))
                    .fma(s2, m2)
                    .fma(xh, a2);
            a3 = ((FloatVector)
                            v3.lanewise(VectorOperators.LSHR, 4).and(nibble).convertShape(VectorOperators.I2F, F, 0))
                    .fma(s3, m3)
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
        int nb = n / BLOCK;
        int rb = n / 2;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int b = 0; b < n; b += BLOCK) {
            int blk = dOff + b / BLOCK;
            float db0 = d[blk];
            float db1 = d[blk + nb];
            float db2 = d[blk + 2 * nb];
            float db3 = d[blk + 3 * nb];
            FloatVector s0 = FloatVector.broadcast(F, db0);
            FloatVector s1 = FloatVector.broadcast(F, db1);
            FloatVector s2 = FloatVector.broadcast(F, db2);
            FloatVector s3 = FloatVector.broadcast(F, db3);
            FloatVector m0 = FloatVector.broadcast(F, -8f * db0);
            FloatVector m1 = FloatVector.broadcast(F, -8f * db1);
            FloatVector m2 = FloatVector.broadcast(F, -8f * db2);
            FloatVector m3 = FloatVector.broadcast(F, -8f * db3);
            int p = qOff + b / 2;
            for (int j = 0; j < 16; j += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + b + j);
                a0 = ((FloatVector)
                                ((IntVector) ByteVector.fromArray(B, q, p + j).convertShape(VectorOperators.B2I, I, 0))
                                        .and(nibble)
                                        .convertShape(VectorOperators.I2F, F, 0))
                        .fma(s0, m0)
                        .fma(xv, a0);
                a1 = ((FloatVector) ((IntVector)
                                        ByteVector.fromArray(B, q, p + rb + j).convertShape(VectorOperators.B2I, I, 0))
                                .and(nibble)
                                .convertShape(VectorOperators.I2F, F, 0))
                        .fma(s1, m1)
                        .fma(xv, a1);
                a2 = ((FloatVector) ((IntVector) ByteVector.fromArray(B, q, p + 2 * rb + j)
                                        .convertShape(VectorOperators.B2I, I, 0))
                                .and(nibble)
                                .convertShape(VectorOperators.I2F, F, 0))
                        .fma(s2, m2)
                        .fma(xv, a2);
                a3 = ((FloatVector) ((IntVector) ByteVector.fromArray(B, q, p + 3 * rb + j)
                                        .convertShape(VectorOperators.B2I, I, 0))
                                .and(nibble)
                                .convertShape(VectorOperators.I2F, F, 0))
                        .fma(s3, m3)
                        .fma(xv, a3);
            }
            for (int j = 0; j < 16; j += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + b + 16 + j);
                a0 = ((FloatVector)
                                ((IntVector) ByteVector.fromArray(B, q, p + j).convertShape(VectorOperators.B2I, I, 0))
                                        .lanewise(VectorOperators.LSHR, 4)
                                        .and(nibble)
                                        .convertShape(VectorOperators.I2F, F, 0))
                        .fma(s0, m0)
                        .fma(xv, a0);
                a1 = ((FloatVector) ((IntVector)
                                        ByteVector.fromArray(B, q, p + rb + j).convertShape(VectorOperators.B2I, I, 0))
                                .lanewise(VectorOperators.LSHR, 4)
                                .and(nibble)
                                .convertShape(VectorOperators.I2F, F, 0))
                        .fma(s1, m1)
                        .fma(xv, a1);
                a2 = ((FloatVector) ((IntVector) ByteVector.fromArray(B, q, p + 2 * rb + j)
                                        .convertShape(VectorOperators.B2I, I, 0))
                                .lanewise(VectorOperators.LSHR, 4)
                                .and(nibble)
                                .convertShape(VectorOperators.I2F, F, 0))
                        .fma(s2, m2)
                        .fma(xv, a2);
                a3 = ((FloatVector) ((IntVector) ByteVector.fromArray(B, q, p + 3 * rb + j)
                                        .convertShape(VectorOperators.B2I, I, 0))
                                .lanewise(VectorOperators.LSHR, 4)
                                .and(nibble)
                                .convertShape(VectorOperators.I2F, F, 0))
                        .fma(s3, m3)
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

    /** A row dequantized into dst[off, off + n) (exact, element order). */
    static void widen(byte[] q, int qOff, float[] d, int dOff, float[] dst, int off, int n) {
        IntVector nibble = IntVector.broadcast(I, 0x0f); // constants as locals: C2 keeps them in registers
        for (int b = 0; b < n; b += BLOCK) {
            float db = d[dOff + b / BLOCK];
            FloatVector scale = FloatVector.broadcast(F, db);
            FloatVector offset = FloatVector.broadcast(F, -8f * db);
            int p = qOff + b / 2;
            for (int j = 0; j < 16; j += L) {
                IntVector v = (IntVector) ByteVector.fromArray(B, q, p + j).convertShape(VectorOperators.B2I, I, 0);
                ((FloatVector) v.and(nibble).convertShape(VectorOperators.I2F, F, 0))
                        .fma(scale, offset)
                        .intoArray(dst, off + b + j);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(nibble).convertShape(VectorOperators.I2F, F, 0))
                        .fma(scale, offset)
                        .intoArray(dst, off + b + 16 + j);
            }
        }
    }
}
