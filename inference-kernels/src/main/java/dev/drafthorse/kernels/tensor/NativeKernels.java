package dev.drafthorse.kernels.tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The native integer kernels ({@code src/main/c/drafthorse_native.c}, built into the jar as {@value #RESOURCE}):
 * Q8_0 and Q4_0 weights multiplied in 8-bit integers against Q8_0 activations with AVX-512 VNNI (or AVX2 where
 * the CPU has no VNNI: the same bits), as ggml does. The Vector API of JDK 17 to 25 has no int8 dot product,
 * and widening to F32 left 128-token Q4_0 prefill at half of llama.cpp's rate (BENCHMARKS.md, "Native integer
 * kernels").
 *
 * <p>The provider chain, as Jlama's: native when the library loads and the CPU runs it, otherwise the Java
 * kernels (vector, then scalar). {@code -Ddrafthorse.native=false} forces the Java kernels, {@code =avx2} the
 * AVX2 ones. The library needs
 * Linux on x86-64 with AVX-512 F/BW/VL/VNNI or AVX2 (with FMA and F16C); it is copied from the jar to a
 * temporary file, loaded, and the file deleted (the mapping stays). {@link #describe} says which provider runs
 * and why.
 *
 * <p>The arithmetic is {@link NativeMatrix}'s canonical one; its Java reference ({@link NativeMatrix#dotScalar})
 * gives the same bits (NativeMatrixTest).
 */
public final class NativeKernels {
    static final String RESOURCE = "/dev/drafthorse/kernels/native/linux-x86_64/libdrafthorse.so";

    private static final String STATUS;
    /** The widest kernels this CPU runs: 2 AVX-512 VNNI, 1 AVX2, 0 none (or not loaded). */
    static final int LEVEL;
    /** True when the native kernels run: {@link WeightMatrix#of} then makes Q8_0 and Q4_0 a {@link NativeMatrix}. */
    public static final boolean ENABLED;

    static {
        String status;
        int level = 0;
        try {
            status = load();
            if (status == null) {
                level = probe();
                if (level > 1 && "avx2".equalsIgnoreCase(System.getProperty("drafthorse.native"))) {
                    level = 1; // -Ddrafthorse.native=avx2: what a CPU without VNNI runs (the same bits)
                    useLevel(level);
                }
                status = level == 0 ? "off: this CPU has neither AVX-512 VNNI nor AVX2 with FMA and F16C" : null;
            }
        } catch (IOException | LinkageError | SecurityException e) {
            status = "off: failed to load (" + e + ")";
        }
        LEVEL = level;
        ENABLED = level > 0;
        STATUS = status != null ? status : level == 2 ? "int8 AVX-512 VNNI" : "int8 AVX2";
    }

    private NativeKernels() {}

    /** Null when loaded, else why not. */
    private static String load() throws IOException {
        if ("false".equalsIgnoreCase(System.getProperty("drafthorse.native", "true"))) {
            return "off: -Ddrafthorse.native=false";
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "off: no library for " + os + "/" + arch;
        }
        try (InputStream in = NativeKernels.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "off: the library is not in the jar (built without gcc)";
            }
            Path file = Files.createTempFile("drafthorse-", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            } finally {
                Files.deleteIfExists(file);
            }
        }
        return null;
    }

    /** One line for logs and {@code bench}: whether the native kernels run, or why not. */
    public static String describe() {
        return STATUS;
    }

    /** The widest kernels this CPU and OS run (and from now on use): 2 AVX-512 F/BW/VL/VNNI, 1 AVX2, 0 neither. */
    private static native int probe();

    /**
     * Uses the kernels of the given level (at most {@link #LEVEL}) from now on and returns the previous one: tests run
     * the AVX2 kernels on an AVX-512 machine this way (the same bits). Not for concurrent use with products.
     */
    static native int useLevel(int level);

    /**
     * x (t, cols) as Q8_0 blocks, ggml's reference rounding: xq (t, cols) quants, xd (t, cols / 32) scales, xs
     * (t, cols / 32) each block's sum of quants. The caller checks the sizes.
     */
    static native void quantizeQ8_0(float[] x, int t, int cols, byte[] xq, float[] xd, int[] xs);

    /**
     * out[i·outStride + r] for rows r in [r0, r1), inputs i in [0, t), of a Q8_0 {@link NativeMatrix} (q, d) and
     * quantized inputs (xq, xd, xs). The caller checks the sizes.
     */
    static native void multiplyQ8_0(
            byte[] q,
            float[] d,
            int cols,
            int r0,
            int r1,
            byte[] xq,
            float[] xd,
            int[] xs,
            int t,
            float[] out,
            int outStride);

    /**
     * The F32 register tiles of {@link Tiles} on 16-lane vectors (AVX-512), in the F32 canonical order of
     * {@link WeightMatrix}: out[outOff + i·outStride + r] for inputs i &lt; t and rows r &lt; rows (both multiples of 4) is
     * the reduced vector part of row r (at w[base + r·n]) · input i (at x[i·n]) over vec values; with hn &gt; 0
     * (F16/BF16 widened de-interleaved) the odd values' accumulator, hn further, is added before the reduction. The rows
     * go in blocks of {@code first} rows doubling up to {@code block} (multiples of 4), each by every input, the next
     * block's rows prefetched into L2 meanwhile. The caller adds the scalar tail and checks the sizes. With lanes = 16
     * (the JVM's vectors) it runs only where {@link #f32Tiles}; with lanes = 8 (256-bit vectors: AVX2, 8-lane
     * accumulators and Lanes.sum's 8-lane tree) wherever {@link #ENABLED}.
     */
    static native void tilesF32(
            float[] w,
            int base,
            int n,
            int rows,
            int first,
            int block,
            float[] x,
            int t,
            int vec,
            int hn,
            float[] out,
            int outOff,
            int outStride,
            int lanes);

    /**
     * F16 decode-shaped products over {@link HalfMatrix}'s layout, in {@link HalfKernels#rows4F16}'s order (the same
     * bits): whole groups of 4 rows from w[wOff] (groupInts apart) by t inputs de-interleaved in xd (n apart), into
     * out[outOff + i·outStride + row]; the stored halves times unscale (2^-shift) are the weights. Rows of a multiple of
     * 32 values, 16-int chunks. The caller checks the sizes. Runs only where {@link #f32Tiles}.
     */
    static native void rowsF16(
            int[] w,
            int wOff,
            int groupInts,
            int groups,
            float unscale,
            float[] xd,
            int t,
            int n,
            float[] out,
            int outOff,
            int outStride);

    /**
     * F32 decode-shaped products in the F32 canonical order of {@link WeightMatrix} ({@link F32Kernels#rows8}'s bits):
     * groups of 8 rows from w[wOff] (n apart) by t inputs (x, n apart), into out[outOff + i·outStride + row];
     * streamed faster than the Vector API streams them. The caller checks the sizes. Runs only where {@link #f32Tiles}.
     */
    static native void rowsF32(
            float[] w, int wOff, int n, int groups, float[] x, int t, float[] out, int outOff, int outStride);

    /** Whether {@link #tilesF32}, {@link #rowsF32} and {@link #rowsF16} run here: the AVX-512 kernels are in use. */
    static boolean f32Tiles() {
        return LEVEL == 2;
    }

    /** As {@link #multiplyQ8_0} for a Q4_0 {@link NativeMatrix}. */
    static native void multiplyQ4_0(
            byte[] q,
            float[] d,
            int cols,
            int r0,
            int r1,
            byte[] xq,
            float[] xd,
            int[] xs,
            int t,
            float[] out,
            int outStride);
}
