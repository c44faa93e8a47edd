package dev.drafthorse.kernels.tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The native integer kernels ({@code src/main/c/drafthorse_native.c}, built into the jar as
 * {@value #RESOURCE}): Q8_0 and Q4_0 weights multiplied in 8-bit integers against Q8_0 activations with
 * AVX-512 VNNI, as ggml does. The Vector API of JDK 17 to 25 has no int8 dot product, and widening to F32
 * left 128-token Q4_0 prefill at half of llama.cpp's rate (BENCHMARKS.md, "Native integer kernels").
 *
 * <p>The provider chain, as Jlama's: native when the library loads and the CPU runs it, otherwise the Java
 * kernels (vector, then scalar). {@code -Ddrafthorse.native=false} forces the Java kernels. The library needs
 * Linux on x86-64 with AVX-512 F/BW/VL/VNNI; it is copied from the jar to a temporary file, loaded, and the file
 * deleted (the mapping stays). {@link #describe} says which provider runs and why.
 *
 * <p>The arithmetic is {@link NativeMatrix}'s canonical one; its Java reference ({@link NativeMatrix#dotScalar})
 * gives the same bits (NativeMatrixTest).
 */
public final class NativeKernels {
    static final String RESOURCE = "/dev/drafthorse/kernels/native/linux-x86_64/libdrafthorse.so";

    private static final String STATUS;
    /** True when the native kernels run: {@link WeightMatrix#of} then makes Q8_0 and Q4_0 a {@link NativeMatrix}. */
    public static final boolean ENABLED;

    static {
        String status;
        boolean ok = false;
        try {
            status = load();
            ok = status == null;
        } catch (IOException | LinkageError | SecurityException e) {
            status = "failed to load (" + e + ")";
        }
        ENABLED = ok;
        STATUS = ok ? "native (AVX-512 VNNI int8)" : "off: " + status;
    }

    private NativeKernels() {}

    /** Null when loaded and usable, else why not. */
    private static String load() throws IOException {
        if ("false".equalsIgnoreCase(System.getProperty("drafthorse.native", "true"))) {
            return "-Ddrafthorse.native=false";
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "no library for " + os + "/" + arch;
        }
        try (InputStream in = NativeKernels.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "library not in the jar (built without gcc)";
            }
            Path file = Files.createTempFile("drafthorse-", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            } finally {
                Files.deleteIfExists(file);
            }
        }
        return probe() == 1 ? null : "this CPU lacks AVX-512 F/BW/VL/VNNI";
    }

    /** One line for logs and {@code bench}: whether the native kernels run, or why not. */
    public static String describe() {
        return STATUS;
    }

    /** 1 when this CPU and OS run the kernels (AVX-512 F, BW, VL, VNNI, F16C, FMA). */
    private static native int probe();

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
