package dev.drafthorse.kernels.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every weight format: the vector dot equals the scalar reference, and the scalar reference equals a
 * double-precision dot over the dequantized row (an oracle independent of both kernels).
 */
class WeightMatrixTest {

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {
                "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"
            })
    void vectorEqualsScalarAndOracle(GgmlType type) {
        boolean expectScalar = Boolean.getBoolean("drafthorse.expect.scalar");
        assertEquals(!expectScalar, Simd.ENABLED, "the vector path runs exactly when jdk.incubator.vector is present");
        Random rnd = new Random(42 + type.ordinal());
        for (int cols : new int[] {32, 64, 96, 256, 800, 512}) {
            if (cols % type.blockSize() != 0) {
                continue;
            }
            int rows = 7;
            float[] values = new float[rows * cols];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) rnd.nextGaussian();
            }
            WeightMatrix w = WeightMatrix.of(type, ByteBuffer.wrap(Quantize.encode(type, values, cols)), rows, cols);
            float[] x = new float[cols + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            // the native integer kernels multiply the input quantized to Q8_0 blocks (NativeMatrix): so does the oracle
            double[] input = new double[cols];
            Q8Input quantized = new Q8Input().quantizeJava(java.util.Arrays.copyOfRange(x, 3, 3 + cols), 1, cols);
            for (int i = 0; i < cols; i++) {
                input[i] = w instanceof NativeMatrix ? (double) quantized.d[i / 32] * quantized.q[i] : x[3 + i];
            }
            float[] deq = new float[cols];
            for (int r = 0; r < rows; r++) {
                w.row(r, deq, 0);
                double oracle = 0;
                double mag = 0;
                for (int i = 0; i < cols; i++) {
                    oracle += (double) deq[i] * input[i];
                    mag += Math.abs((double) deq[i] * input[i]);
                }
                float scalar = w.dotScalar(r, x, 3);
                float vector = w.dot(r, x, 3);
                double tol = 1e-5 * mag + 1e-6;
                String what = type + " cols " + cols + " row " + r;
                assertEquals(oracle, scalar, tol, what + ": scalar vs oracle");
                if (Simd.ENABLED || !(w instanceof BlockMatrix)) {
                    assertEquals(scalar, vector, tol, what + ": vector vs scalar");
                }
                // dequantization error against the original values is bounded per type
                for (int i = 0; i < cols; i++) {
                    assertEquals(values[r * cols + i], deq[i], tolerance(type, values, r, cols), what + " value " + i);
                }
            }
        }
    }

    /** ggml's worst-case rounding for each format. */
    private static double tolerance(GgmlType type, float[] v, int r, int cols) {
        float amax = 0;
        for (int i = 0; i < cols; i++) {
            amax = Math.max(amax, Math.abs(v[r * cols + i]));
        }
        return switch (type) {
            case F32 -> 0;
            case F16 -> amax * 1e-3;
            case BF16 -> amax * 8e-3;
            case Q8_0 -> amax / 127 * 0.51 + amax * 1e-3;
            case Q4_0 -> amax / 8 * 1.01 + amax * 1e-3;
            // ggml's K-quant and legacy quantizers fit scales and offsets per block: bounded by a few steps
            case Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, Q3_K -> amax / 4;
            case Q2_K -> amax / 1.5;
            default -> throw new IllegalArgumentException();
        };
    }

    /**
     * Tiles (four or eight rows for decode, natively where the AVX-512 kernels run; four inputs for prefill) give each
     * dot product's exact bits, over whole matrices and row ranges that start off a group.
     */
    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {
                "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"
            })
    void tilesEqualSingleDotsBitForBit(GgmlType type) {
        for (int cols : new int[] {96, 33, 512}) {
            if (cols % type.blockSize() == 0) {
                tilesEqualSingleDots(type, 11, cols);
                tilesEqualSingleDots(type, 27, cols);
            }
        }
    }

    private static void tilesEqualSingleDots(GgmlType type, int rows, int cols) {
        Random rnd = new Random(7);
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rnd.nextGaussian();
        }
        WeightMatrix w = WeightMatrix.of(type, ByteBuffer.wrap(Quantize.encode(type, values, cols)), rows, cols);
        for (int t : new int[] {1, 2, 3, 4, 5, 8, 9, 13, 17}) {
            float[] x = new float[t * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            float[] out = new float[t * rows];
            w.multiply(0, rows, x, t, out, rows);
            float[] part = new float[t * rows];
            w.multiply(1, rows - 2, x, t, part, rows);
            for (int i = 0; i < t; i++) {
                for (int r = 0; r < rows; r++) {
                    float single = w.dot(r, x, i * cols);
                    assertEquals(
                            Float.floatToIntBits(single),
                            Float.floatToIntBits(out[i * rows + r]),
                            type + " cols=" + cols + " t=" + t + " input " + i + " row " + r);
                    if (r >= 1 && r < rows - 2) {
                        assertEquals(Float.floatToIntBits(single), Float.floatToIntBits(part[i * rows + r]));
                    }
                }
            }
        }
    }

    /**
     * The blocked prefill paths (register tiles for the plain types, widened blocks for Q8_0/Q4_0): row counts that leave a single row of a pair,
     * input counts that leave a partial group of four, rows with a scalar tail (100 is not a multiple of
     * the vector length, nor of two vectors for F16/BF16), and more rows than one widened block holds.
     * Every value equals the single dot product's bits and is close to the scalar reference.
     */
    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {
                "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"
            })
    void tiledPrefillEqualsSingleDots(GgmlType type) {
        Random rnd = new Random(11);
        for (int[] shape : new int[][] {
            {37, 100},
            {2 * WeightMatrix.BLOCK_FLOATS / 100 + 3, 100},
            {9, 64},
            {2 * WeightMatrix.BLOCK_FLOATS / 64 + 5, 64},
            {2 * WeightMatrix.BLOCK_FLOATS / 512 + 3, 512}
        }) {
            int rows = shape[0];
            int cols = shape[1];
            if (cols % type.blockSize() != 0) {
                continue;
            }
            float[] values = new float[rows * cols];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) rnd.nextGaussian();
            }
            WeightMatrix w = WeightMatrix.of(type, ByteBuffer.wrap(Quantize.encode(type, values, cols)), rows, cols);
            if (Simd.ENABLED) {
                // the vector path's widening is exactly the scalar dequantization (row): equal values (a zero's
                // sign may differ, which no product or sum can see)
                float[] viaRow = new float[cols];
                float[] viaWiden = new float[cols];
                for (int r = 0; r < rows; r++) {
                    w.row(r, viaRow, 0);
                    if (!w.widensDeinterleaved()) {
                        w.widen(r, viaWiden, 0);
                        for (int i = 0; i < cols; i++) {
                            assertEquals(viaRow[i], viaWiden[i], 0f, type + " widen row " + r + " value " + i);
                        }
                    }
                }
            }
            for (int t : new int[] {4, 6, 9, 11}) {
                float[] x = new float[t * cols];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rnd.nextGaussian();
                }
                float[] out = new float[t * rows];
                w.multiply(0, rows, x, t, out, rows);
                float[] part = new float[t * rows];
                w.multiply(3, rows - 2, x, t, part, rows);
                for (int i = 0; i < t; i++) {
                    for (int r = 0; r < rows; r++) {
                        String what = type + " " + rows + "x" + cols + " t=" + t + " input " + i + " row " + r;
                        float single = w.dot(r, x, i * cols);
                        assertEquals(Float.floatToIntBits(single), Float.floatToIntBits(out[i * rows + r]), what);
                        if (r >= 3 && r < rows - 2) {
                            assertEquals(
                                    Float.floatToIntBits(single),
                                    Float.floatToIntBits(part[i * rows + r]),
                                    what + " (part)");
                        }
                        if (Simd.ENABLED || !(w instanceof BlockMatrix)) {
                            // (the scalar path of block formats multiplies in integers; QuantFormatsTest bounds it)
                            assertEquals(
                                    w.dotScalar(r, x, i * cols), out[i * rows + r], 1e-4 * cols, what + " vs scalar");
                        }
                    }
                }
            }
        }
    }
}
