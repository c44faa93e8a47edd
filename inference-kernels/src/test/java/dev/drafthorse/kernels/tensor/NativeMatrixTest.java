package dev.drafthorse.kernels.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The native integer kernels against their Java reference (the same bits), and the reference against a
 * double-precision oracle over the dequantized weights and quantized inputs. The Java reference runs here
 * whether or not the native library loaded; the native comparisons need it.
 */
class NativeMatrixTest {

    /** Where the CPU (read from /proc/cpuinfo, independently of the library's own probe) runs them, they run. */
    @Test
    void nativeKernelsRunWhereTheyCan() throws IOException {
        if (!"false".equals(System.getProperty("drafthorse.native"))
                && NativeKernels.class.getResource(NativeKernels.RESOURCE) != null) {
            boolean vnni = cpuHas("avx512f", "avx512bw", "avx512vl", "avx512_vnni", "f16c", "fma");
            boolean avx2 = cpuHas("avx2", "f16c", "fma");
            assertEquals(vnni ? 2 : avx2 ? 1 : 0, NativeKernels.LEVEL, NativeKernels.describe());
        }
        if (NativeKernels.ENABLED) {
            assertTrue(
                    WeightMatrix.of(GgmlType.Q8_0, encode(GgmlType.Q8_0, 3, 64, new Random(1)), 3, 64)
                            instanceof NativeMatrix);
        }
        if (Simd.ENABLED && NativeKernels.LEVEL == 2 && Tiles.L == 16) {
            // the F32 register tiles run natively too: WeightMatrixTest's tiling tests then compare them with the
            // Java kernels' single dot products, bit for bit, for every format
            assertTrue(Tiles.NATIVE);
        }
    }

    /** Runs body once per native level this CPU has (AVX2, then AVX-512 VNNI), or once on the Java reference. */
    private static void atEveryLevel(java.util.function.IntConsumer body) {
        if (!NativeKernels.ENABLED) {
            body.accept(0);
            return;
        }
        for (int level = 1; level <= NativeKernels.LEVEL; level++) {
            int was = NativeKernels.useLevel(level);
            try {
                body.accept(level);
            } finally {
                NativeKernels.useLevel(was);
            }
        }
    }

    private static boolean cpuHas(String... flags) throws IOException {
        Path info = Path.of("/proc/cpuinfo");
        if (!Files.exists(info)) {
            return false;
        }
        String text = Files.readString(info);
        for (String f : flags) {
            if (!text.matches("(?s).*\\bflags\\s*:[^\\n]*\\b" + f + "\\b.*")) {
                return false;
            }
        }
        return true;
    }

    @Test
    void quantizationEqualsJavaReference() {
        Random rnd = new Random(3);
        int t = 5;
        int n = 256;
        float[] x = new float[t * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
        }
        for (int i = 0; i < 32; i++) {
            x[64 + i] = 0f; // an all-zero block
            x[n + 96 + i] = (i % 7) * 0.5f; // halves: roundf's ties
        }
        Q8Input ref = new Q8Input().quantizeJava(x, t, n);
        atEveryLevel(level -> {
            Q8Input got = new Q8Input().quantize(x, t, n);
            assertArrayEquals(ref.q, got.q, "level " + level);
            assertArrayEquals(ref.d, got.d, "level " + level);
            assertArrayEquals(ref.s, got.s, "level " + level);
        });
    }

    /**
     * Every shape of tile the kernels have (AVX-512: 1–2 groups of 16 rows by 1–4 inputs; AVX2: one group by 1–2),
     * partial groups, row ranges inside groups.
     */
    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"Q8_0", "Q4_0"})
    void nativeEqualsReferenceBitForBit(GgmlType type) {
        Random rnd = new Random(5 + type.ordinal());
        for (int[] shape : new int[][] {{1, 32}, {11, 96}, {16, 64}, {37, 256}, {70, 800}}) {
            int rows = shape[0];
            int cols = shape[1];
            NativeMatrix w = nativeMatrix(type, rows, cols, rnd);
            for (int t : new int[] {1, 2, 3, 4, 5, 8, 9, 13}) {
                float[] x = new float[t * cols];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rnd.nextGaussian();
                }
                Q8Input a = new Q8Input().quantizeJava(x, t, cols);
                int tt = t;
                atEveryLevel(level -> {
                    float[] out = new float[tt * rows];
                    w.multiply(0, rows, a, tt, out, rows);
                    int r0 = Math.min(rows, 3);
                    int r1 = Math.max(r0, rows - 2);
                    float[] part = new float[tt * rows];
                    w.multiply(r0, r1, a, tt, part, rows);
                    for (int i = 0; i < tt; i++) {
                        for (int r = 0; r < rows; r++) {
                            String what = type + " " + rows + "x" + cols + " t=" + tt + " input " + i + " row " + r
                                    + " level " + level;
                            int ref = Float.floatToIntBits(w.dotScalar(r, a, i));
                            assertEquals(ref, Float.floatToIntBits(out[i * rows + r]), what);
                            assertEquals(ref, Float.floatToIntBits(w.dot(r, x, i * cols)), what + " (dot)");
                            float inPart = part[i * rows + r];
                            assertEquals(r >= r0 && r < r1 ? ref : 0, Float.floatToIntBits(inPart), what + " (part)");
                        }
                    }
                });
            }
        }
    }

    /** The reference against a double-precision sum of dequantized weights times dequantized input quants. */
    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"Q8_0", "Q4_0"})
    void referenceMatchesOracle(GgmlType type) {
        Random rnd = new Random(9);
        int rows = 19;
        int cols = 512;
        NativeMatrix w = nativeMatrix(type, rows, cols, rnd);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        Q8Input a = new Q8Input().quantizeJava(x, 1, cols);
        float[] deq = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.row(r, deq, 0);
            double oracle = 0;
            double mag = 0;
            double exact = 0;
            for (int i = 0; i < cols; i++) {
                double xq = (double) a.d[i / 32] * a.q[i];
                oracle += deq[i] * xq;
                mag += Math.abs(deq[i] * xq);
                exact += (double) deq[i] * x[i];
            }
            float ref = w.dotScalar(r, a, 0);
            assertEquals(oracle, ref, 1e-5 * mag, type + " row " + r);
            // the inputs' quantization: at most half a step (d/2) per value
            assertEquals(exact, ref, 1e-2 * mag, type + " row " + r + " against the float input");
        }
    }

    private static NativeMatrix nativeMatrix(GgmlType type, int rows, int cols, Random rnd) {
        ByteBuffer data = encode(type, rows, cols, rnd);
        return type == GgmlType.Q8_0 ? new Q8_0NativeMatrix(data, rows, cols) : new Q4_0NativeMatrix(data, rows, cols);
    }

    private static ByteBuffer encode(GgmlType type, int rows, int cols, Random rnd) {
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rnd.nextGaussian();
        }
        return ByteBuffer.wrap(Quantize.encode(type, values, cols));
    }
}
