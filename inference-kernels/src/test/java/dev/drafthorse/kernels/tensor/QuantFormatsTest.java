package dev.drafthorse.kernels.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The K-quants and the legacy Q4_1/Q5_0/Q5_1 on random blocks: {@link WeightMatrix#row} equals an independent
 * reading of ggml's dequantize_row_* ({@link GgmlSpec}) bit for bit; the float reference equals a double
 * oracle over those values; the integer reference against 8-bit activations equals a double oracle over
 * the dequantized weights and the dequantized activations (so its scales, mins and block sums are right)
 * and stays within the activation rounding of the float reference; and {@link WeightMatrix#multiply} is the
 * integer reference, whatever the split of its rows.
 */
class QuantFormatsTest {
    private static final String NAMES = "Q4_1|Q5_0|Q5_1|Q2_K|Q3_K|Q4_K|Q5_K|Q6_K";

    /** Offsets of the F16 fields (scales and mins) in a block, set to sane values over random bytes. */
    private static int[] f16Fields(GgmlType t) {
        return switch (t) {
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q5_0 -> new int[] {0};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(t.toString());
        };
    }

    /** rows × cols of type t: random quants and sub-block scales, F16 super-block fields of a few hundredths. */
    static byte[] randomRows(GgmlType t, int rows, int cols, Random rnd) {
        byte[] b = new byte[(int) t.bytesFor((long) rows * cols)];
        rnd.nextBytes(b);
        for (int p = 0; p < b.length; p += t.blockBytes()) {
            for (int off : f16Fields(t)) {
                short h = Float16.fromFloat((float) (rnd.nextGaussian() * 0.03));
                b[p + off] = (byte) h;
                b[p + off + 1] = (byte) (h >> 8);
            }
        }
        return b;
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    private static int[] colsFor(GgmlType t) {
        return t.blockSize() == 256 ? new int[] {256, 512, 1280} : new int[] {32, 96, 256, 1376};
    }

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void rowsEqualTheSpecAndDotsTheirOracles(GgmlType type) {
        Random rnd = new Random(1234 + type.ordinal());
        for (int cols : colsFor(type)) {
            int rows = 5;
            int t = 3;
            byte[] bytes = randomRows(type, rows, cols, rnd);
            WeightMatrix w = WeightMatrix.of(type, ByteBuffer.wrap(bytes), rows, cols);
            assertEquals(type, w.type());
            float[] x = gaussian(rnd, t * cols);
            x[5] = 0f;
            Arrays.fill(x, cols, cols + Math.min(cols, 256), 0f); // an all-zero activation block
            float[] out = new float[t * rows];
            w.multiply(0, rows, x, t, out, rows);
            float[] split = new float[t * rows];
            w.multiply(0, 2, x, t, split, rows);
            w.multiply(2, rows, x, t, split, rows);
            assertArrayEquals(out, split, type + " cols " + cols + ": multiply depends on the split of its rows");
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                String what = type + " cols " + cols + " row " + r;
                byte[] rb =
                        Arrays.copyOfRange(bytes, r * (int) type.bytesFor(cols), (r + 1) * (int) type.bytesFor(cols));
                w.row(r, row, 0);
                assertArrayEquals(GgmlSpec.dequantize(type, rb, cols), row, what + ": row() vs ggml's dequantization");
                for (int i = 0; i < t; i++) {
                    double oracle = 0;
                    double mag = 0;
                    for (int e = 0; e < cols; e++) {
                        oracle += (double) row[e] * x[i * cols + e];
                        mag += Math.abs((double) row[e] * x[i * cols + e]);
                    }
                    float scalar = w.dotScalar(r, x, i * cols);
                    assertEquals(
                            oracle, scalar, 1e-5 * mag + 1e-6, what + " input " + i + ": float reference vs oracle");
                    checkIntegerDot(type, w, r, row, x, t, i, out[i * rows + r], scalar, what + " input " + i);
                }
            }
        }
    }

    /**
     * The integer reference against a double oracle over the dequantized weights and activations, and
     * against the float reference within the activation rounding (half a step of each 8-bit block).
     */
    private static void checkIntegerDot(
            GgmlType type,
            WeightMatrix w,
            int r,
            float[] row,
            float[] x,
            int t,
            int i,
            float viaMultiply,
            float scalar,
            String what) {
        int cols = w.cols();
        BlockMatrix bm = (BlockMatrix) w;
        int off = r * bm.rowBytes;
        double oracle = 0;
        double mag = 0;
        double rounding = 0; // |w|·(half an activation step), summed
        float got;
        if (type.blockSize() == 256) {
            ActivationQuant.Q8K a = ActivationQuant.q8K(x, t, cols);
            got = switch (type) {
                case Q2_K -> Q2_KMatrix.dotQ8K(bm.data, off, cols, a, i);
                case Q3_K -> Q3_KMatrix.dotQ8K(bm.data, off, cols, a, i);
                case Q4_K -> Q4_KMatrix.dotQ8K(bm.data, off, cols, a, i);
                case Q5_K -> Q5_KMatrix.dotQ8K(bm.data, off, cols, a, i);
                case Q6_K -> Q6_KMatrix.dotQ8K(bm.data, off, cols, a, i);
                default -> throw new IllegalArgumentException();
            };
            for (int e = 0; e < cols; e++) {
                float d8 = a.d[i * (cols / 256) + e / 256];
                oracle += (double) row[e] * d8 * a.qs[i * cols + e];
                mag += Math.abs((double) row[e] * d8 * a.qs[i * cols + e]);
                rounding += Math.abs((double) row[e]) * Math.abs(d8) * 0.5;
            }
        } else {
            boolean q8_1 = type != GgmlType.Q5_0;
            ActivationQuant.Q8 a = q8_1 ? ActivationQuant.q8_1(x, t, cols) : ActivationQuant.q8_0(x, t, cols);
            got = switch (type) {
                case Q4_1 -> Q4_1Matrix.dotQ8_1(bm.data, off, cols, a, i);
                case Q5_0 -> Q5_0Matrix.dotQ8_0(bm.data, off, cols, a, i);
                case Q5_1 -> Q5_1Matrix.dotQ8_1(bm.data, off, cols, a, i);
                default -> throw new IllegalArgumentException();
            };
            for (int e = 0; e < cols; e++) {
                float d8 = a.d[i * (cols / 32) + e / 32];
                oracle += (double) row[e] * d8 * a.qs[i * cols + e];
                mag += Math.abs((double) row[e] * d8 * a.qs[i * cols + e]);
                // the F16 d8 was rounded from the d the quants were made with: up to 2^-11 relative
                rounding += Math.abs((double) row[e]) * (Math.abs(d8) * 0.5 + Math.abs(x[i * cols + e]) / 1024);
            }
            if (q8_1) {
                // the offset m multiplies s = F16(d·Σq), not Σ d8·q8: F16 rounding of s per block
                for (int b = 0; b < cols / 32; b++) {
                    mag += Math.abs((double) a.s[i * (cols / 32) + b]) * 16 * 0.1;
                }
            }
        }
        assertEquals(oracle, got, 2e-5 * mag + 1e-6, what + ": integer reference vs oracle over 8-bit activations");
        assertEquals(scalar, got, rounding + 2e-5 * mag + 1e-5, what + ": integer vs float reference");
        if (Simd.ENABLED) {
            // the vector path: F32 order over ggml's exact dequantization, the single dot's bits in any tile
            assertEquals(
                    Float.floatToIntBits(w.dot(r, x, i * cols)),
                    Float.floatToIntBits(viaMultiply),
                    what + ": multiply (vector)");
            assertEquals(scalar, viaMultiply, 2e-5 * mag + 1e-5, what + ": multiply (vector) vs float reference");
        } else {
            assertEquals(ActivationQuant.INTEGER_DOT ? got : scalar, viaMultiply, 0f, what + ": multiply");
        }
    }

    @Test
    void nearestIntRoundsHalfToEvenAndRoundfAwayFromZero() {
        assertEquals(2, ActivationQuant.nearestInt(2.5f));
        assertEquals(4, ActivationQuant.nearestInt(3.5f));
        assertEquals(-2, ActivationQuant.nearestInt(-2.5f));
        assertEquals(-127, ActivationQuant.nearestInt(-127f));
        assertEquals(3, ActivationQuant.roundf(2.5f));
        assertEquals(-3, ActivationQuant.roundf(-2.5f));
        assertEquals(0, ActivationQuant.roundf(0.49999997f));
        assertEquals(-1, ActivationQuant.roundf(-0.5f));
        Random rnd = new Random(5);
        for (int k = 0; k < 100_000; k++) {
            float v = (float) ((rnd.nextDouble() - 0.5) * 400);
            assertEquals((int) Math.rint(v), ActivationQuant.nearestInt(v), "nearest_int(" + v + ")");
            double a = Math.abs((double) v);
            double frac = a - Math.floor(a);
            int away = (int) Math.signum(v) * (int) (frac >= 0.5 ? Math.ceil(a) : Math.floor(a));
            assertEquals(away, ActivationQuant.roundf(v), "roundf(" + v + ")");
        }
    }

    @Test
    void q8KBlocksFollowQuantizeRowQ8KRef() {
        Random rnd = new Random(9);
        int n = 768;
        float[] x = gaussian(rnd, 2 * n);
        Arrays.fill(x, 256, 512, 0f); // a zero block
        x[600] = -9f; // block 2: the largest magnitude is negative
        ActivationQuant.Q8K a = ActivationQuant.q8K(x, 2, n);
        assertEquals(0f, a.d[1]);
        for (int b = 0; b < 6; b++) {
            float max = 0;
            float amax = 0;
            for (int j = 0; j < 256; j++) {
                if (Math.abs(x[256 * b + j]) > amax) {
                    amax = Math.abs(x[256 * b + j]);
                    max = x[256 * b + j];
                }
            }
            for (int s = 0; s < 16; s++) {
                int sum = 0;
                for (int l = 0; l < 16; l++) {
                    sum += a.qs[256 * b + 16 * s + l];
                }
                assertEquals(sum, a.bsums[16 * b + s], "block " + b + " sum " + s);
            }
            if (amax == 0) {
                continue;
            }
            float iscale = -127f / max;
            assertEquals(1f / iscale, a.d[b], "block " + b + " d");
            for (int j = 0; j < 256; j++) {
                float v = x[256 * b + j];
                assertEquals(
                        Math.min(127, (int) Math.rint(iscale * v)), a.qs[256 * b + j], "block " + b + " value " + j);
                assertTrue(
                        Math.abs(a.d[b] * a.qs[256 * b + j] - v) <= Math.abs(a.d[b]) * 0.5001,
                        "block " + b + " value " + j);
            }
        }
        assertEquals(-127, a.qs[600]); // max = −9: iscale = 127/9 > 0, so −9 → −127 and d > 0
    }

    @Test
    void q8_0AndQ8_1BlocksFollowTheirReferences() {
        Random rnd = new Random(10);
        int n = 96;
        float[] x = gaussian(rnd, n);
        Arrays.fill(x, 32, 64, 0f);
        ActivationQuant.Q8 a0 = ActivationQuant.q8_0(x, 1, n);
        ActivationQuant.Q8 a1 = ActivationQuant.q8_1(x, 1, n);
        assertArrayEquals(a0.qs, a1.qs);
        assertArrayEquals(a0.d, a1.d);
        for (int b = 0; b < 3; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * b + j]));
            }
            float d = amax / 127f;
            assertEquals(Float16.toFloat(Float16.fromFloat(d)), a0.d[b], "block " + b + " d");
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                float v = x[32 * b + j] * (d != 0 ? 1f / d : 0f);
                long away = Math.round(Math.abs((double) v)) * (v < 0 ? -1 : 1);
                assertEquals(away, a0.qs[32 * b + j], "block " + b + " value " + j);
                sum += a0.qs[32 * b + j];
            }
            assertEquals(Float16.toFloat(Float16.fromFloat(sum * d)), a1.s[b], "block " + b + " s");
        }
    }
}
