package dev.drafthorse.kernels.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector versions of {@link ScalarKernels}: a vector body over the preferred species and a scalar tail.
 * Only loaded when {@link Simd#ENABLED}.
 */
final class VectorKernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Ints, shorts and bytes with as many lanes as F. */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Short> S = L * 16 >= 64 ? VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16)) : null;
    static final VectorSpecies<Byte> B = L * 8 >= 64 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private VectorKernels() {}

    static String describe() {
        return F.vectorBitSize() + "-bit, " + F.length() + " floats";
    }

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        int upper = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        for (; i < upper; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        int upper = F.loopBound(n);
        FloatVector va = FloatVector.broadcast(F, alpha);
        for (; i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    static void scale(float alpha, float[] y, int yOff, int n) {
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += F.length()) {
            FloatVector.fromArray(F, y, yOff + i).mul(alpha).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] *= alpha;
        }
    }

    // ---------------------------------------------------------------- weight rows in their file type

    /** F32 row at byte offset {@code off} · x. */
    static float dotF32(ByteBuffer w, int off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            acc = FloatVector.fromByteBuffer(F, w, off + 4 * i, LE).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += w.getFloat(off + 4 * i) * x[xOff + i];
        }
        return s;
    }

    /**
     * F16 row · x. Widening without a hardware conversion: move exponent and mantissa into F32 position
     * and multiply by 2^112, which rebiases normal values and turns half subnormals into the right F32
     * values; the sign is carried over bitwise. (Infinities and NaN, which weights do not hold, come out
     * as large finite values; the scalar reference handles them exactly.)
     */
    static float dotF16(ByteBuffer w, int off, float[] x, int xOff, int n) {
        if (S == null) {
            return scalarF16(w, off, x, xOff, 0, n, 0f);
        }
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            IntVector h = (IntVector) ShortVector.fromByteBuffer(S, w, off + 2 * i, LE).convertShape(VectorOperators.S2I, I, 0);
            FloatVector f = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13)
                    .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats().mul(0x1p112f);
            acc = f.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        return scalarF16(w, off, x, xOff, i, n, acc.reduceLanes(VectorOperators.ADD));
    }

    private static float scalarF16(ByteBuffer w, int off, float[] x, int xOff, int from, int n, float s) {
        for (int i = from; i < n; i++) {
            s += Float16.toFloat(w.getShort(off + 2 * i)) * x[xOff + i];
        }
        return s;
    }

    /** BF16 row · x: each value is the upper half of an F32. */
    static float dotBF16(ByteBuffer w, int off, float[] x, int xOff, int n) {
        float s = 0f;
        int i = 0;
        if (S != null) {
            FloatVector acc = FloatVector.zero(F);
            int upper = F.loopBound(n);
            for (; i < upper; i += L) {
                IntVector h = (IntVector) ShortVector.fromByteBuffer(S, w, off + 2 * i, LE).convertShape(VectorOperators.S2I, I, 0);
                acc = h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xOff + i), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            s += Float16.bf16ToFloat(w.getShort(off + 2 * i)) * x[xOff + i];
        }
        return s;
    }

    /** Q8_0 row · x: per block of 32, Σ q·x in F32 lanes, then scaled by the block's d. */
    static float dotQ8_0(ByteBuffer w, int off, float[] x, int xOff, int n) {
        if (B == null || L > 32) {
            return fallbackQ8_0(w, off, x, xOff, n);
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, p = off; b < n; b += 32, p += 34) {
            float d = Float16.toFloat(w.getShort(p));
            FloatVector block = FloatVector.zero(F);
            for (int j = 0; j < 32; j += L) {
                FloatVector q = (FloatVector) ByteVector.fromByteBuffer(B, w, p + 2 + j, LE).convertShape(VectorOperators.B2F, F, 0);
                block = q.fma(FloatVector.fromArray(F, x, xOff + b + j), block);
            }
            acc = block.fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** Q4_0 row · x: low nibbles are values 0..15 of a block, high nibbles values 16..31. */
    static float dotQ4_0(ByteBuffer w, int off, float[] x, int xOff, int n) {
        if (B == null || L > 16) {
            return fallbackQ4_0(w, off, x, xOff, n);
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, p = off; b < n; b += 32, p += 18) {
            float d = Float16.toFloat(w.getShort(p));
            FloatVector block = FloatVector.zero(F);
            for (int j = 0; j < 16; j += L) {
                ByteVector q = ByteVector.fromByteBuffer(B, w, p + 2 + j, LE);
                FloatVector lo = (FloatVector) q.and((byte) 0x0f).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
                FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
                block = lo.fma(FloatVector.fromArray(F, x, xOff + b + j), block);
                block = hi.fma(FloatVector.fromArray(F, x, xOff + b + j + 16), block);
            }
            acc = block.fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static float fallbackQ8_0(ByteBuffer w, int off, float[] x, int xOff, int n) {
        float s = 0f;
        for (int b = 0, p = off; b < n; b += 32, p += 34) {
            float d = Float16.toFloat(w.getShort(p));
            float block = 0f;
            for (int j = 0; j < 32; j++) {
                block += w.get(p + 2 + j) * x[xOff + b + j];
            }
            s += block * d;
        }
        return s;
    }

    private static float fallbackQ4_0(ByteBuffer w, int off, float[] x, int xOff, int n) {
        float s = 0f;
        for (int b = 0, p = off; b < n; b += 32, p += 18) {
            float d = Float16.toFloat(w.getShort(p));
            float block = 0f;
            for (int j = 0; j < 16; j++) {
                int q = w.get(p + 2 + j) & 0xff;
                block += ((q & 0x0f) - 8) * x[xOff + b + j];
                block += ((q >>> 4) - 8) * x[xOff + b + j + 16];
            }
            s += block * d;
        }
        return s;
    }
}
