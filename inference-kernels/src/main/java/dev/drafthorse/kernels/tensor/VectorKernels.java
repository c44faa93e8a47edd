package dev.drafthorse.kernels.tensor;

import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
    //
    // kind: 0 F32, 1 F16, 2 BF16 (plain element types), 3 Q8_0, 4 Q4_0 (blocks of 32).
    // Canonical order per (row, input): plain types keep one vector accumulator over the row's full
    // vectors, reduce it, then add the scalar tail in order; block types keep one accumulator per block
    // (its sub-vectors in order; Q4_0 low nibbles before high) and fold it into the row accumulator
    // with the block's scale. dot, dotRows4 and dotInputs4 all follow it exactly.

    private static final int BLOCK_OK_Q8 = B != null && L <= 32 && 32 % L == 0 ? 1 : 0;
    private static final int BLOCK_OK_Q4 = B != null && L <= 16 && 16 % L == 0 ? 1 : 0;

    // Vector-valued helpers are avoided on purpose: if C2 does not inline one (these methods are large),
    // its result is boxed and the kernel runs a hundred times slower. So each kind has its own loops.

    /** One row (at byte offset {@code off}) · x[xOff, xOff + n). */
    static float dot(int kind, byte[] w, int off, float[] x, int xOff, int n) {
        return switch (kind) {
            case 0 -> dotF32(w, off, x, xOff, n);
            case 1, 2 -> {
                float[] xd = new float[n];
                deinterleave(x, xOff, n, xd, 0);
                yield kind == 1 ? halfF16(w, off, x, xOff, xd, 0, n) : halfBF16(w, off, x, xOff, xd, 0, n);
            }
            case 3 -> BLOCK_OK_Q8 == 1 ? dotQ8(w, off, x, xOff, n) : fallbackQ8(w, off, x, xOff, n);
            default -> BLOCK_OK_Q4 == 1 ? dotQ4(w, off, x, xOff, n) : fallbackQ4(w, off, x, xOff, n);
        };
    }

    /** Four consecutive rows (byte offsets off, off + rb, ...) · one x: out[outOff + j] for j < 4. */
    static void dotRows4(int kind, byte[] w, int off, int rb, float[] x, int xOff, int n, float[] out, int outOff) {
        if (kind == 0) {
            rows4F32(w, off, rb, x, xOff, n, out, outOff);
        } else if (kind == 3 && BLOCK_OK_Q8 == 1) {
            q8Rows4(w, off, rb, x, xOff, n, out, outOff);
        } else if (kind == 4 && BLOCK_OK_Q4 == 1) {
            q4Rows4(w, off, rb, x, xOff, n, out, outOff);
        } else {
            for (int j = 0; j < 4; j++) {
                out[outOff + j] = dot(kind, w, off + j * rb, x, xOff, n);
            }
        }
    }

    /**
     * One row · four inputs x[xOff + j·n, ...): out[outOff + j·outStride] for j < 4. Each weight vector
     * is loaded (and widened or dequantized) once for the four inputs.
     */
    static void dotInputs4(int kind, byte[] w, int off, float[] x, int xOff, int n, float[] out, int outOff, int outStride) {
        if (kind == 0) {
            inputs4F32(w, off, x, xOff, n, out, outOff, outStride);
        } else if (kind == 3 && BLOCK_OK_Q8 == 1) {
            q8Inputs4(w, off, x, xOff, n, out, outOff, outStride);
        } else if (kind == 4 && BLOCK_OK_Q4 == 1) {
            q4Inputs4(w, off, x, xOff, n, out, outOff, outStride);
        } else {
            for (int j = 0; j < 4; j++) {
                out[outOff + j * outStride] = dot(kind, w, off, x, xOff + j * n, n);
            }
        }
    }

    private static float dotF32(byte[] w, int off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector wv = FloatVector.fromByteArray(F, w, off + 4 * i, LE);
            acc = wv.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += (float) WeightMatrix.FLOAT.get(w, off + 4 * i) * x[xOff + i];
        }
        return s;
    }

    private static void rows4F32(byte[] w, int off, int rb, float[] x, int xOff, int n, float[] out, int outOff) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            int o = off + 4 * i;
            FloatVector w0 = FloatVector.fromByteArray(F, w, o, LE);
            FloatVector w1 = FloatVector.fromByteArray(F, w, o + rb, LE);
            FloatVector w2 = FloatVector.fromByteArray(F, w, o + 2 * rb, LE);
            FloatVector w3 = FloatVector.fromByteArray(F, w, o + 3 * rb, LE);
            a0 = w0.fma(xv, a0);
            a1 = w1.fma(xv, a1);
            a2 = w2.fma(xv, a2);
            a3 = w3.fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            int o = off + 4 * i;
            s0 += (float) WeightMatrix.FLOAT.get(w, o) * x[xOff + i];
            s1 += (float) WeightMatrix.FLOAT.get(w, o + rb) * x[xOff + i];
            s2 += (float) WeightMatrix.FLOAT.get(w, o + 2 * rb) * x[xOff + i];
            s3 += (float) WeightMatrix.FLOAT.get(w, o + 3 * rb) * x[xOff + i];
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
    }

    private static void inputs4F32(byte[] w, int off, float[] x, int xOff, int n, float[] out, int outOff, int outStride) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector wv = FloatVector.fromByteArray(F, w, off + 4 * i, LE);
            a0 = wv.fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, xOff + n + i), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, xOff + 2 * n + i), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, xOff + 3 * n + i), a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float v = (float) WeightMatrix.FLOAT.get(w, off + 4 * i);
            s0 += v * x[xOff + i];
            s1 += v * x[xOff + n + i];
            s2 += v * x[xOff + 2 * n + i];
            s3 += v * x[xOff + 3 * n + i];
        }
        out[outOff] = s0;
        out[outOff + outStride] = s1;
        out[outOff + 2 * outStride] = s2;
        out[outOff + 3 * outStride] = s3;
    }









    // ---- Q8_0: blocks of 34 bytes: F16 scale d, 32 signed quants.

    private static float dotQ8(byte[] w, int off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, p = off; b < n; b += 32, p += 34) {
            FloatVector blk = FloatVector.zero(F);
            for (int j = 0; j < 32; j += L) {
                blk = ((FloatVector) ByteVector.fromArray(B, w, p + 2 + j).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xOff + b + j), blk);
            }
            acc = blk.fma(FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p))), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static void q8Rows4(byte[] w, int off, int rb, float[] x, int xOff, int n, float[] out, int outOff) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int b = 0, p = off; b < n; b += 32, p += 34) {
            FloatVector b0 = FloatVector.zero(F);
            FloatVector b1 = b0;
            FloatVector b2 = b0;
            FloatVector b3 = b0;
            for (int j = 0; j < 32; j += L) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + b + j);
                b0 = ((FloatVector) ByteVector.fromArray(B, w, p + 2 + j).convertShape(VectorOperators.B2F, F, 0)).fma(xv, b0);
                b1 = ((FloatVector) ByteVector.fromArray(B, w, p + rb + 2 + j).convertShape(VectorOperators.B2F, F, 0)).fma(xv, b1);
                b2 = ((FloatVector) ByteVector.fromArray(B, w, p + 2 * rb + 2 + j).convertShape(VectorOperators.B2F, F, 0)).fma(xv, b2);
                b3 = ((FloatVector) ByteVector.fromArray(B, w, p + 3 * rb + 2 + j).convertShape(VectorOperators.B2F, F, 0)).fma(xv, b3);
            }
            a0 = b0.fma(FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p))), a0);
            a1 = b1.fma(FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p + rb))), a1);
            a2 = b2.fma(FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p + 2 * rb))), a2);
            a3 = b3.fma(FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p + 3 * rb))), a3);
        }
        out[outOff] = a0.reduceLanes(VectorOperators.ADD);
        out[outOff + 1] = a1.reduceLanes(VectorOperators.ADD);
        out[outOff + 2] = a2.reduceLanes(VectorOperators.ADD);
        out[outOff + 3] = a3.reduceLanes(VectorOperators.ADD);
    }

    private static void q8Inputs4(byte[] w, int off, float[] x, int xOff, int n, float[] out, int outOff, int outStride) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int b = 0, p = off; b < n; b += 32, p += 34) {
            FloatVector b0 = FloatVector.zero(F);
            FloatVector b1 = b0;
            FloatVector b2 = b0;
            FloatVector b3 = b0;
            for (int j = 0; j < 32; j += L) {
                FloatVector q = (FloatVector) ByteVector.fromArray(B, w, p + 2 + j).convertShape(VectorOperators.B2F, F, 0);
                int xi = xOff + b + j;
                b0 = q.fma(FloatVector.fromArray(F, x, xi), b0);
                b1 = q.fma(FloatVector.fromArray(F, x, xi + n), b1);
                b2 = q.fma(FloatVector.fromArray(F, x, xi + 2 * n), b2);
                b3 = q.fma(FloatVector.fromArray(F, x, xi + 3 * n), b3);
            }
            FloatVector d = FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p)));
            a0 = b0.fma(d, a0);
            a1 = b1.fma(d, a1);
            a2 = b2.fma(d, a2);
            a3 = b3.fma(d, a3);
        }
        out[outOff] = a0.reduceLanes(VectorOperators.ADD);
        out[outOff + outStride] = a1.reduceLanes(VectorOperators.ADD);
        out[outOff + 2 * outStride] = a2.reduceLanes(VectorOperators.ADD);
        out[outOff + 3 * outStride] = a3.reduceLanes(VectorOperators.ADD);
    }

    // ---- Q4_0: blocks of 18 bytes: F16 scale d, 16 bytes; byte j = value j (low nibble), value j+16 (high).

    private static float dotQ4(byte[] w, int off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, p = off; b < n; b += 32, p += 18) {
            FloatVector blk = FloatVector.zero(F);
            for (int j = 0; j < 16; j += L) {
                ByteVector q = ByteVector.fromArray(B, w, p + 2 + j);
                blk = ((FloatVector) q.and((byte) 0x0f).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xOff + b + j), blk);
                blk = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xOff + b + j + 16), blk);
            }
            acc = blk.fma(FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p))), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static void q4Rows4(byte[] w, int off, int rb, float[] x, int xOff, int n, float[] out, int outOff) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int b = 0, p = off; b < n; b += 32, p += 18) {
            FloatVector b0 = FloatVector.zero(F);
            FloatVector b1 = b0;
            FloatVector b2 = b0;
            FloatVector b3 = b0;
            for (int j = 0; j < 16; j += L) {
                FloatVector xl = FloatVector.fromArray(F, x, xOff + b + j);
                FloatVector xh = FloatVector.fromArray(F, x, xOff + b + j + 16);
                ByteVector q0 = ByteVector.fromArray(B, w, p + 2 + j);
                ByteVector q1 = ByteVector.fromArray(B, w, p + rb + 2 + j);
                ByteVector q2 = ByteVector.fromArray(B, w, p + 2 * rb + 2 + j);
                ByteVector q3 = ByteVector.fromArray(B, w, p + 3 * rb + 2 + j);
                b0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).fma(xh, ((FloatVector) q0.and((byte) 0x0f).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).fma(xl, b0));
                b1 = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).fma(xh, ((FloatVector) q1.and((byte) 0x0f).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).fma(xl, b1));
                b2 = ((FloatVector) q2.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).fma(xh, ((FloatVector) q2.and((byte) 0x0f).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).fma(xl, b2));
                b3 = ((FloatVector) q3.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).fma(xh, ((FloatVector) q3.and((byte) 0x0f).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).fma(xl, b3));
            }
            a0 = b0.fma(FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p))), a0);
            a1 = b1.fma(FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p + rb))), a1);
            a2 = b2.fma(FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p + 2 * rb))), a2);
            a3 = b3.fma(FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p + 3 * rb))), a3);
        }
        out[outOff] = a0.reduceLanes(VectorOperators.ADD);
        out[outOff + 1] = a1.reduceLanes(VectorOperators.ADD);
        out[outOff + 2] = a2.reduceLanes(VectorOperators.ADD);
        out[outOff + 3] = a3.reduceLanes(VectorOperators.ADD);
    }

    private static void q4Inputs4(byte[] w, int off, float[] x, int xOff, int n, float[] out, int outOff, int outStride) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int b = 0, p = off; b < n; b += 32, p += 18) {
            FloatVector b0 = FloatVector.zero(F);
            FloatVector b1 = b0;
            FloatVector b2 = b0;
            FloatVector b3 = b0;
            for (int j = 0; j < 16; j += L) {
                ByteVector q = ByteVector.fromArray(B, w, p + 2 + j);
                FloatVector lo = ((FloatVector) q.and((byte) 0x0f).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0));
                FloatVector hi = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0));
                int xi = xOff + b + j;
                b0 = hi.fma(FloatVector.fromArray(F, x, xi + 16), lo.fma(FloatVector.fromArray(F, x, xi), b0));
                b1 = hi.fma(FloatVector.fromArray(F, x, xi + n + 16), lo.fma(FloatVector.fromArray(F, x, xi + n), b1));
                b2 = hi.fma(FloatVector.fromArray(F, x, xi + 2 * n + 16), lo.fma(FloatVector.fromArray(F, x, xi + 2 * n), b2));
                b3 = hi.fma(FloatVector.fromArray(F, x, xi + 3 * n + 16), lo.fma(FloatVector.fromArray(F, x, xi + 3 * n), b3));
            }
            FloatVector d = FloatVector.broadcast(F, Float16.toFloat((short) WeightMatrix.SHORT.get(w, p)));
            a0 = b0.fma(d, a0);
            a1 = b1.fma(d, a1);
            a2 = b2.fma(d, a2);
            a3 = b3.fma(d, a3);
        }
        out[outOff] = a0.reduceLanes(VectorOperators.ADD);
        out[outOff + outStride] = a1.reduceLanes(VectorOperators.ADD);
        out[outOff + 2 * outStride] = a2.reduceLanes(VectorOperators.ADD);
        out[outOff + 3 * outStride] = a3.reduceLanes(VectorOperators.ADD);
    }

    // ---- Fallbacks for vector shapes the block kernels do not cover (e.g. 128-bit SSE): scalar math in
    // the same block order, used for every tile so results stay tile-independent.

    private static float fallbackQ8(byte[] w, int off, float[] x, int xOff, int n) {
        float s = 0f;
        for (int b = 0, p = off; b < n; b += 32, p += 34) {
            float blk = 0f;
            for (int j = 0; j < 32; j++) {
                blk += w[p + 2 + j] * x[xOff + b + j];
            }
            s += blk * Float16.toFloat((short) WeightMatrix.SHORT.get(w, p));
        }
        return s;
    }

    private static float fallbackQ4(byte[] w, int off, float[] x, int xOff, int n) {
        float s = 0f;
        for (int b = 0, p = off; b < n; b += 32, p += 18) {
            float blk = 0f;
            for (int j = 0; j < 16; j++) {
                int q = w[p + 2 + j] & 0xff;
                blk += ((q & 0x0f) - 8) * x[xOff + b + j];
                blk += ((q >>> 4) - 8) * x[xOff + b + j + 16];
            }
            s += blk * Float16.toFloat((short) WeightMatrix.SHORT.get(w, p));
        }
        return s;
    }

    // ---- Widened rows (prefill): the same canonical order as the direct kernels above, reading exact
    // floats instead of converting the file's bytes for every group of inputs.

    /** A widened Q8_0/Q4_0 row (kind 3 or 4) · one input. */
    static float widenedDot(int kind, float[] wq, int qOff, float[] wd, int dOff, float[] x, int xOff, int n) {
        boolean q8 = kind == 3;
        if (q8 ? BLOCK_OK_Q8 == 0 : BLOCK_OK_Q4 == 0) {
            return widenedBlockScalar(q8, wq, qOff, wd, dOff, x, xOff, n);
        }
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n; b += 32) {
            FloatVector blk = FloatVector.zero(F);
            if (q8) {
                for (int j = 0; j < 32; j += L) {
                    blk = FloatVector.fromArray(F, wq, qOff + b + j).fma(FloatVector.fromArray(F, x, xOff + b + j), blk);
                }
            } else {
                for (int j = 0; j < 16; j += L) {
                    blk = FloatVector.fromArray(F, wq, qOff + b + j).fma(FloatVector.fromArray(F, x, xOff + b + j), blk);
                    blk = FloatVector.fromArray(F, wq, qOff + b + 16 + j).fma(FloatVector.fromArray(F, x, xOff + b + 16 + j), blk);
                }
            }
            acc = blk.fma(FloatVector.broadcast(F, wd[dOff + b / 32]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** A widened Q8_0/Q4_0 row (kind 3 or 4) · four inputs x[xOff + j·n, ...). */
    static void widenedInputs4(int kind, float[] wq, int qOff, float[] wd, int dOff, float[] x, int xOff, int n, float[] out, int outOff,
            int outStride) {
        if (kind == 3 ? BLOCK_OK_Q8 == 0 : BLOCK_OK_Q4 == 0) {
            for (int j = 0; j < 4; j++) {
                out[outOff + j * outStride] = widenedDot(kind, wq, qOff, wd, dOff, x, xOff + j * n, n);
            }
            return;
        }
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        boolean q8 = kind == 3;
        for (int b = 0; b < n; b += 32) {
            FloatVector b0 = FloatVector.zero(F);
            FloatVector b1 = b0;
            FloatVector b2 = b0;
            FloatVector b3 = b0;
            int half = q8 ? 32 : 16;
            for (int j = 0; j < half; j += L) {
                FloatVector wv = FloatVector.fromArray(F, wq, qOff + b + j);
                int xi = xOff + b + j;
                b0 = wv.fma(FloatVector.fromArray(F, x, xi), b0);
                b1 = wv.fma(FloatVector.fromArray(F, x, xi + n), b1);
                b2 = wv.fma(FloatVector.fromArray(F, x, xi + 2 * n), b2);
                b3 = wv.fma(FloatVector.fromArray(F, x, xi + 3 * n), b3);
                if (!q8) {
                    FloatVector wh = FloatVector.fromArray(F, wq, qOff + b + 16 + j);
                    b0 = wh.fma(FloatVector.fromArray(F, x, xi + 16), b0);
                    b1 = wh.fma(FloatVector.fromArray(F, x, xi + n + 16), b1);
                    b2 = wh.fma(FloatVector.fromArray(F, x, xi + 2 * n + 16), b2);
                    b3 = wh.fma(FloatVector.fromArray(F, x, xi + 3 * n + 16), b3);
                }
            }
            FloatVector d = FloatVector.broadcast(F, wd[dOff + b / 32]);
            a0 = b0.fma(d, a0);
            a1 = b1.fma(d, a1);
            a2 = b2.fma(d, a2);
            a3 = b3.fma(d, a3);
        }
        out[outOff] = a0.reduceLanes(VectorOperators.ADD);
        out[outOff + outStride] = a1.reduceLanes(VectorOperators.ADD);
        out[outOff + 2 * outStride] = a2.reduceLanes(VectorOperators.ADD);
        out[outOff + 3 * outStride] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** The block fallbacks' order on widened values (for vector shapes the block kernels do not cover). */
    private static float widenedBlockScalar(boolean q8, float[] wq, int qOff, float[] wd, int dOff, float[] x, int xOff, int n) {
        float s = 0f;
        for (int b = 0; b < n; b += 32) {
            float blk = 0f;
            if (q8) {
                for (int j = 0; j < 32; j++) {
                    blk += wq[qOff + b + j] * x[xOff + b + j];
                }
            } else {
                for (int j = 0; j < 16; j++) {
                    blk += wq[qOff + b + j] * x[xOff + b + j];
                    blk += wq[qOff + b + j + 16] * x[xOff + b + j + 16];
                }
            }
            s += blk * wd[dOff + b / 32];
        }
        return s;
    }

    // ---- F16 and BF16, even/odd: one 2L-halves load is L ints; the low halves are the even elements and
    // the high halves the odd ones, widened with shifts and masks alone (no lane-count conversion). The
    // activations come de-interleaved (xd: evens, then odds; see WeightMatrix). Canonical order: an even
    // and an odd accumulator over the full 2L chunks, added, reduced, then the scalar tail in order.

    /** x[xOff, xOff + n) de-interleaved into xd[xdOff, ...): the n/2 even elements, then the n/2 odd ones. */
    static void deinterleave(float[] x, int xOff, int n, float[] xd, int xdOff) {
        int half = n / 2;
        for (int k = 0; k < half; k++) {
            xd[xdOff + k] = x[xOff + 2 * k];
            xd[xdOff + half + k] = x[xOff + 2 * k + 1];
        }
    }

    static float halfF16(byte[] w, int off, float[] x, int xOff, float[] xd, int xdOff, int n) {
        int half = n / 2;
        int upper = n - n % (2 * L);
        FloatVector ae = FloatVector.zero(F);
        FloatVector ao = ae;
        for (int i = 0; i < upper; i += 2 * L) {
            IntVector v = IntVector.fromByteArray(I, w, off + 2 * i, LE);
            FloatVector e = v.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(v.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().mul(0x1p112f); FloatVector o = v.lanewise(VectorOperators.LSHR, 3).and(0x0fffe000).or(v.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            ae = e.fma(FloatVector.fromArray(F, xd, xdOff + i / 2), ae);
            ao = o.fma(FloatVector.fromArray(F, xd, xdOff + half + i / 2), ao);
        }
        float s = ae.add(ao).reduceLanes(VectorOperators.ADD);
        for (int i = upper; i < n; i++) {
            s += Float16.toFloat((short) WeightMatrix.SHORT.get(w, off + 2 * i)) * x[xOff + i];
        }
        return s;
    }

    static void halfF16Rows4(byte[] w, int off, int rb, float[] x, int xOff, float[] xd, int xdOff, int n, float[] out, int outOff) {
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
        for (int i = 0; i < upper; i += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, xd, xdOff + i / 2);
            FloatVector xo = FloatVector.fromArray(F, xd, xdOff + half + i / 2);
            int b = off + 2 * i;
            IntVector v0 = IntVector.fromByteArray(I, w, b, LE);
            IntVector v1 = IntVector.fromByteArray(I, w, b + rb, LE);
            IntVector v2 = IntVector.fromByteArray(I, w, b + 2 * rb, LE);
            IntVector v3 = IntVector.fromByteArray(I, w, b + 3 * rb, LE);
            FloatVector we0 = v0.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(v0.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().mul(0x1p112f); FloatVector wo0 = v0.lanewise(VectorOperators.LSHR, 3).and(0x0fffe000).or(v0.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            FloatVector we1 = v1.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(v1.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().mul(0x1p112f); FloatVector wo1 = v1.lanewise(VectorOperators.LSHR, 3).and(0x0fffe000).or(v1.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            FloatVector we2 = v2.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(v2.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().mul(0x1p112f); FloatVector wo2 = v2.lanewise(VectorOperators.LSHR, 3).and(0x0fffe000).or(v2.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            FloatVector we3 = v3.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(v3.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().mul(0x1p112f); FloatVector wo3 = v3.lanewise(VectorOperators.LSHR, 3).and(0x0fffe000).or(v3.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            e0 = we0.fma(xe, e0);
            o0 = wo0.fma(xo, o0);
            e1 = we1.fma(xe, e1);
            o1 = wo1.fma(xo, o1);
            e2 = we2.fma(xe, e2);
            o2 = wo2.fma(xo, o2);
            e3 = we3.fma(xe, e3);
            o3 = wo3.fma(xo, o3);
        }
        float s0 = e0.add(o0).reduceLanes(VectorOperators.ADD);
        float s1 = e1.add(o1).reduceLanes(VectorOperators.ADD);
        float s2 = e2.add(o2).reduceLanes(VectorOperators.ADD);
        float s3 = e3.add(o3).reduceLanes(VectorOperators.ADD);
        for (int i = upper; i < n; i++) {
            int b = off + 2 * i;
            s0 += Float16.toFloat((short) WeightMatrix.SHORT.get(w, b)) * x[xOff + i];
            s1 += Float16.toFloat((short) WeightMatrix.SHORT.get(w, b + rb)) * x[xOff + i];
            s2 += Float16.toFloat((short) WeightMatrix.SHORT.get(w, b + 2 * rb)) * x[xOff + i];
            s3 += Float16.toFloat((short) WeightMatrix.SHORT.get(w, b + 3 * rb)) * x[xOff + i];
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
    }

    static void halfF16Inputs4(byte[] w, int off, float[] x, int xOff, float[] xd, int xdOff, int n, float[] out, int outOff,
            int outStride) {
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
        for (int i = 0; i < upper; i += 2 * L) {
            IntVector v = IntVector.fromByteArray(I, w, off + 2 * i, LE);
            FloatVector we = v.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(v.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().mul(0x1p112f); FloatVector wo = v.lanewise(VectorOperators.LSHR, 3).and(0x0fffe000).or(v.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            int xe = xdOff + i / 2;
            int xo = xe + half;
            e0 = we.fma(FloatVector.fromArray(F, xd, xe), e0);
            o0 = wo.fma(FloatVector.fromArray(F, xd, xo), o0);
            e1 = we.fma(FloatVector.fromArray(F, xd, xe + n), e1);
            o1 = wo.fma(FloatVector.fromArray(F, xd, xo + n), o1);
            e2 = we.fma(FloatVector.fromArray(F, xd, xe + 2 * n), e2);
            o2 = wo.fma(FloatVector.fromArray(F, xd, xo + 2 * n), o2);
            e3 = we.fma(FloatVector.fromArray(F, xd, xe + 3 * n), e3);
            o3 = wo.fma(FloatVector.fromArray(F, xd, xo + 3 * n), o3);
        }
        float s0 = e0.add(o0).reduceLanes(VectorOperators.ADD);
        float s1 = e1.add(o1).reduceLanes(VectorOperators.ADD);
        float s2 = e2.add(o2).reduceLanes(VectorOperators.ADD);
        float s3 = e3.add(o3).reduceLanes(VectorOperators.ADD);
        for (int i = upper; i < n; i++) {
            float v = Float16.toFloat((short) WeightMatrix.SHORT.get(w, off + 2 * i));
            s0 += v * x[xOff + i];
            s1 += v * x[xOff + n + i];
            s2 += v * x[xOff + 2 * n + i];
            s3 += v * x[xOff + 3 * n + i];
        }
        out[outOff] = s0;
        out[outOff + outStride] = s1;
        out[outOff + 2 * outStride] = s2;
        out[outOff + 3 * outStride] = s3;
    }

    static float halfBF16(byte[] w, int off, float[] x, int xOff, float[] xd, int xdOff, int n) {
        int half = n / 2;
        int upper = n - n % (2 * L);
        FloatVector ae = FloatVector.zero(F);
        FloatVector ao = ae;
        for (int i = 0; i < upper; i += 2 * L) {
            IntVector v = IntVector.fromByteArray(I, w, off + 2 * i, LE);
            FloatVector e = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); FloatVector o = v.and(0xffff0000).reinterpretAsFloats();
            ae = e.fma(FloatVector.fromArray(F, xd, xdOff + i / 2), ae);
            ao = o.fma(FloatVector.fromArray(F, xd, xdOff + half + i / 2), ao);
        }
        float s = ae.add(ao).reduceLanes(VectorOperators.ADD);
        for (int i = upper; i < n; i++) {
            s += Float16.bf16ToFloat((short) WeightMatrix.SHORT.get(w, off + 2 * i)) * x[xOff + i];
        }
        return s;
    }

    static void halfBF16Rows4(byte[] w, int off, int rb, float[] x, int xOff, float[] xd, int xdOff, int n, float[] out, int outOff) {
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
        for (int i = 0; i < upper; i += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, xd, xdOff + i / 2);
            FloatVector xo = FloatVector.fromArray(F, xd, xdOff + half + i / 2);
            int b = off + 2 * i;
            IntVector v0 = IntVector.fromByteArray(I, w, b, LE);
            IntVector v1 = IntVector.fromByteArray(I, w, b + rb, LE);
            IntVector v2 = IntVector.fromByteArray(I, w, b + 2 * rb, LE);
            IntVector v3 = IntVector.fromByteArray(I, w, b + 3 * rb, LE);
            FloatVector we0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); FloatVector wo0 = v0.and(0xffff0000).reinterpretAsFloats();
            FloatVector we1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); FloatVector wo1 = v1.and(0xffff0000).reinterpretAsFloats();
            FloatVector we2 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); FloatVector wo2 = v2.and(0xffff0000).reinterpretAsFloats();
            FloatVector we3 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); FloatVector wo3 = v3.and(0xffff0000).reinterpretAsFloats();
            e0 = we0.fma(xe, e0);
            o0 = wo0.fma(xo, o0);
            e1 = we1.fma(xe, e1);
            o1 = wo1.fma(xo, o1);
            e2 = we2.fma(xe, e2);
            o2 = wo2.fma(xo, o2);
            e3 = we3.fma(xe, e3);
            o3 = wo3.fma(xo, o3);
        }
        float s0 = e0.add(o0).reduceLanes(VectorOperators.ADD);
        float s1 = e1.add(o1).reduceLanes(VectorOperators.ADD);
        float s2 = e2.add(o2).reduceLanes(VectorOperators.ADD);
        float s3 = e3.add(o3).reduceLanes(VectorOperators.ADD);
        for (int i = upper; i < n; i++) {
            int b = off + 2 * i;
            s0 += Float16.bf16ToFloat((short) WeightMatrix.SHORT.get(w, b)) * x[xOff + i];
            s1 += Float16.bf16ToFloat((short) WeightMatrix.SHORT.get(w, b + rb)) * x[xOff + i];
            s2 += Float16.bf16ToFloat((short) WeightMatrix.SHORT.get(w, b + 2 * rb)) * x[xOff + i];
            s3 += Float16.bf16ToFloat((short) WeightMatrix.SHORT.get(w, b + 3 * rb)) * x[xOff + i];
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
    }

    static void halfBF16Inputs4(byte[] w, int off, float[] x, int xOff, float[] xd, int xdOff, int n, float[] out, int outOff,
            int outStride) {
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
        for (int i = 0; i < upper; i += 2 * L) {
            IntVector v = IntVector.fromByteArray(I, w, off + 2 * i, LE);
            FloatVector we = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); FloatVector wo = v.and(0xffff0000).reinterpretAsFloats();
            int xe = xdOff + i / 2;
            int xo = xe + half;
            e0 = we.fma(FloatVector.fromArray(F, xd, xe), e0);
            o0 = wo.fma(FloatVector.fromArray(F, xd, xo), o0);
            e1 = we.fma(FloatVector.fromArray(F, xd, xe + n), e1);
            o1 = wo.fma(FloatVector.fromArray(F, xd, xo + n), o1);
            e2 = we.fma(FloatVector.fromArray(F, xd, xe + 2 * n), e2);
            o2 = wo.fma(FloatVector.fromArray(F, xd, xo + 2 * n), o2);
            e3 = we.fma(FloatVector.fromArray(F, xd, xe + 3 * n), e3);
            o3 = wo.fma(FloatVector.fromArray(F, xd, xo + 3 * n), o3);
        }
        float s0 = e0.add(o0).reduceLanes(VectorOperators.ADD);
        float s1 = e1.add(o1).reduceLanes(VectorOperators.ADD);
        float s2 = e2.add(o2).reduceLanes(VectorOperators.ADD);
        float s3 = e3.add(o3).reduceLanes(VectorOperators.ADD);
        for (int i = upper; i < n; i++) {
            float v = Float16.bf16ToFloat((short) WeightMatrix.SHORT.get(w, off + 2 * i));
            s0 += v * x[xOff + i];
            s1 += v * x[xOff + n + i];
            s2 += v * x[xOff + 2 * n + i];
            s3 += v * x[xOff + 3 * n + i];
        }
        out[outOff] = s0;
        out[outOff + outStride] = s1;
        out[outOff + 2 * outStride] = s2;
        out[outOff + 3 * outStride] = s3;
    }

    /**
     * A widened F16/BF16 row, de-interleaved like the activations (wq: evens, then odds), · one input:
     * the even/odd order of {@link #halfF16}.
     */
    static float widenedHalf(float[] wq, float[] x, int xOff, float[] xd, int xdOff, int n) {
        int half = n / 2;
        int upper = n - n % (2 * L);
        FloatVector ae = FloatVector.zero(F);
        FloatVector ao = ae;
        for (int i = 0; i < upper; i += 2 * L) {
            ae = FloatVector.fromArray(F, wq, i / 2).fma(FloatVector.fromArray(F, xd, xdOff + i / 2), ae);
            ao = FloatVector.fromArray(F, wq, half + i / 2).fma(FloatVector.fromArray(F, xd, xdOff + half + i / 2), ao);
        }
        float s = ae.add(ao).reduceLanes(VectorOperators.ADD);
        for (int i = upper; i < n; i++) {
            s += (i % 2 == 0 ? wq[i / 2] : wq[half + i / 2]) * x[xOff + i];
        }
        return s;
    }

    static void widenedHalfInputs4(float[] wq, float[] x, int xOff, float[] xd, int xdOff, int n, float[] out, int outOff,
            int outStride) {
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
        for (int i = 0; i < upper; i += 2 * L) {
            FloatVector we = FloatVector.fromArray(F, wq, i / 2);
            FloatVector wo = FloatVector.fromArray(F, wq, half + i / 2);
            int xe = xdOff + i / 2;
            int xo = xe + half;
            e0 = we.fma(FloatVector.fromArray(F, xd, xe), e0);
            o0 = wo.fma(FloatVector.fromArray(F, xd, xo), o0);
            e1 = we.fma(FloatVector.fromArray(F, xd, xe + n), e1);
            o1 = wo.fma(FloatVector.fromArray(F, xd, xo + n), o1);
            e2 = we.fma(FloatVector.fromArray(F, xd, xe + 2 * n), e2);
            o2 = wo.fma(FloatVector.fromArray(F, xd, xo + 2 * n), o2);
            e3 = we.fma(FloatVector.fromArray(F, xd, xe + 3 * n), e3);
            o3 = wo.fma(FloatVector.fromArray(F, xd, xo + 3 * n), o3);
        }
        float s0 = e0.add(o0).reduceLanes(VectorOperators.ADD);
        float s1 = e1.add(o1).reduceLanes(VectorOperators.ADD);
        float s2 = e2.add(o2).reduceLanes(VectorOperators.ADD);
        float s3 = e3.add(o3).reduceLanes(VectorOperators.ADD);
        for (int i = upper; i < n; i++) {
            float v = i % 2 == 0 ? wq[i / 2] : wq[half + i / 2];
            s0 += v * x[xOff + i];
            s1 += v * x[xOff + n + i];
            s2 += v * x[xOff + 2 * n + i];
            s3 += v * x[xOff + 3 * n + i];
        }
        out[outOff] = s0;
        out[outOff + outStride] = s1;
        out[outOff + 2 * outStride] = s2;
        out[outOff + 3 * outStride] = s3;
    }

    // ---- Register tiles over widened rows (prefill): two rows by four inputs, eight independent vector
    // accumulators (enough to keep both FMA pipes busy), each walked along its (row, input) pair in the
    // canonical order. The callers keep a block of rows widened in cache and a block of four inputs in L1,
    // so each weight vector loaded serves four inputs and each input vector two rows.

    /**
     * acc[k·L, (k+1)·L) for k = 2·j + r (inputs j < 4, rows r < 2) = the unreduced vector accumulator of
     * w[wa + r·ws, ...) · x[xa + j·xs, ...) over len values (a multiple of L), from zero.
     */
    static void tile2x4(float[] w, int wa, int ws, float[] x, int xa, int xs, int len, float[] acc) {
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a20 = a00;
        FloatVector a21 = a00;
        FloatVector a30 = a00;
        FloatVector a31 = a00;
        int wb = wa + ws;
        for (int i = 0; i < len; i += L) {
            FloatVector w0 = FloatVector.fromArray(F, w, wa + i);
            FloatVector w1 = FloatVector.fromArray(F, w, wb + i);
            FloatVector x0 = FloatVector.fromArray(F, x, xa + i);
            a00 = w0.fma(x0, a00);
            a01 = w1.fma(x0, a01);
            FloatVector x1 = FloatVector.fromArray(F, x, xa + xs + i);
            a10 = w0.fma(x1, a10);
            a11 = w1.fma(x1, a11);
            FloatVector x2 = FloatVector.fromArray(F, x, xa + 2 * xs + i);
            a20 = w0.fma(x2, a20);
            a21 = w1.fma(x2, a21);
            FloatVector x3 = FloatVector.fromArray(F, x, xa + 3 * xs + i);
            a30 = w0.fma(x3, a30);
            a31 = w1.fma(x3, a31);
        }
        a00.intoArray(acc, 0);
        a01.intoArray(acc, L);
        a10.intoArray(acc, 2 * L);
        a11.intoArray(acc, 3 * L);
        a20.intoArray(acc, 4 * L);
        a21.intoArray(acc, 5 * L);
        a30.intoArray(acc, 6 * L);
        a31.intoArray(acc, 7 * L);
    }

    /** As {@link #tile2x4} for one row: acc[j·L, ...) for inputs j < 4. */
    static void tile1x4(float[] w, int wa, float[] x, int xa, int xs, int len, float[] acc) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int i = 0; i < len; i += L) {
            FloatVector w0 = FloatVector.fromArray(F, w, wa + i);
            a0 = w0.fma(FloatVector.fromArray(F, x, xa + i), a0);
            a1 = w0.fma(FloatVector.fromArray(F, x, xa + xs + i), a1);
            a2 = w0.fma(FloatVector.fromArray(F, x, xa + 2 * xs + i), a2);
            a3 = w0.fma(FloatVector.fromArray(F, x, xa + 3 * xs + i), a3);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, L);
        a2.intoArray(acc, 2 * L);
        a3.intoArray(acc, 3 * L);
    }

    /** As {@link #tile2x4} for four rows (w[wa + r·ws, ...)) and one input: acc[r·L, ...) for rows r < 4. */
    static void tile4x1(float[] w, int wa, int ws, float[] x, int xa, int len, float[] acc) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int i = 0; i < len; i += L) {
            FloatVector x0 = FloatVector.fromArray(F, x, xa + i);
            a0 = FloatVector.fromArray(F, w, wa + i).fma(x0, a0);
            a1 = FloatVector.fromArray(F, w, wa + ws + i).fma(x0, a1);
            a2 = FloatVector.fromArray(F, w, wa + 2 * ws + i).fma(x0, a2);
            a3 = FloatVector.fromArray(F, w, wa + 3 * ws + i).fma(x0, a3);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, L);
        a2.intoArray(acc, 2 * L);
        a3.intoArray(acc, 3 * L);
    }

    /** As {@link #tile2x4} for one row and one input: acc[0, L). */
    static void tile1x1(float[] w, int wa, float[] x, int xa, int len, float[] acc) {
        FloatVector a0 = FloatVector.zero(F);
        for (int i = 0; i < len; i += L) {
            a0 = FloatVector.fromArray(F, w, wa + i).fma(FloatVector.fromArray(F, x, xa + i), a0);
        }
        a0.intoArray(acc, 0);
    }

    /** The reduction of the canonical order: acc[k·L, (k+1)·L) summed across lanes. */
    static float reduce(float[] acc, int k) {
        return FloatVector.fromArray(F, acc, k * L).reduceLanes(VectorOperators.ADD);
    }

    /** The even/odd reduction of the F16/BF16 order: (even accumulator + odd accumulator) summed across lanes. */
    static float reduceHalf(float[] even, float[] odd, int k) {
        return FloatVector.fromArray(F, even, k * L).add(FloatVector.fromArray(F, odd, k * L)).reduceLanes(VectorOperators.ADD);
    }

    /** F32 row bytes w[off, off + 4n) into dst[dOff, dOff + n). */
    static void widenF32(byte[] w, int off, float[] dst, int dOff, int n) {
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector.fromByteArray(F, w, off + 4 * i, LE).intoArray(dst, dOff + i);
        }
        for (; i < n; i++) {
            dst[dOff + i] = (float) WeightMatrix.FLOAT.get(w, off + 4 * i);
        }
    }

    /**
     * An F16 (or BF16) row w[off, off + 2n) widened and de-interleaved into dst[dOff, ...): the n/2 even
     * elements, then the n/2 odd ones (the layout of {@link #deinterleave}).
     */
    static void widenHalfDeinterleaved(boolean f16, byte[] w, int off, float[] dst, int dOff, int n) {
        int half = n / 2;
        int upper = n - n % (2 * L);
        for (int i = 0; i < upper; i += 2 * L) {
            IntVector v = IntVector.fromByteArray(I, w, off + 2 * i, LE);
            FloatVector e;
            FloatVector o;
            if (f16) {
                e = v.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(v.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().mul(0x1p112f);
                o = v.lanewise(VectorOperators.LSHR, 3).and(0x0fffe000).or(v.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            } else {
                e = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                o = v.and(0xffff0000).reinterpretAsFloats();
            }
            e.intoArray(dst, dOff + i / 2);
            o.intoArray(dst, dOff + half + i / 2);
        }
        for (int i = upper; i < n; i++) {
            short h = (short) WeightMatrix.SHORT.get(w, off + 2 * i);
            dst[dOff + (i % 2 == 0 ? i / 2 : half + i / 2)] = f16 ? Float16.toFloat(h) : Float16.bf16ToFloat(h);
        }
    }
}
