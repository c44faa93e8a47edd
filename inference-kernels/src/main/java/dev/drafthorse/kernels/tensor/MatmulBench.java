package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The matrix products of the 110M Llama shape (dim 768, FFN 2048) in isolation: every layer's seven
 * matrices (q, k, v, o, gate, up, down) for a number of layers, multiplied by one input (decode) and by
 * 128 inputs (prefill), through {@link Matmul} with the baseline kernels and split ({@code old}) and the
 * current ones ({@code new}), alternately in one JVM so that machine noise hits both alike. Prints the
 * median time per pass, GFLOP/s and weight GB/s (decode streams the weights from memory: the stack of
 * layers is larger than the caches), and the ratio old / new (above 1: new is faster). Both must agree
 * bit for bit; the bench checks it. With {@code threads=1} the times are the thread's CPU time, which
 * other processes on the cores disturb far less than wall-clock time.
 *
 * <p>Usage: {@code MatmulBench [types=F32,F16,Q8_0,Q4_0] [threads=2] [layers=12] [t=1,128] [reps=5]}.
 */
public final class MatmulBench {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** With one thread, time the caller's CPU time rather than wall-clock (robust on a shared machine). */
    private static boolean cpu;

    private MatmulBench() {}

    public static void main(String[] args) {
        List<GgmlType> types = List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0);
        int threads = 2;
        int layers = 12;
        int[] ts = {1, 128};
        int reps = 5;
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("arguments are key=value, got " + arg);
            }
            String v = arg.substring(eq + 1);
            switch (arg.substring(0, eq)) {
                case "types" -> types = Arrays.stream(v.split(",")).map(GgmlType::valueOf).toList();
                case "threads" -> threads = Integer.parseInt(v);
                case "layers" -> layers = Integer.parseInt(v);
                case "t" -> ts = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "reps" -> reps = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        cpu = threads == 1;
        System.out.printf("matmul bench: 110M shape, %d layers x 7 matrices, %d threads, %s, %s%n", layers, threads, Simd.describe(),
                cpu ? "thread CPU time" : "wall-clock time");
        System.out.printf("%-5s %4s %10s %10s %8s %9s %9s %8s %8s%n", "type", "T", "old ms", "new ms", "old/new",
                "old GF/s", "new GF/s", "old GB/s", "new GB/s");
        int[][] shapes = {{768, 768}, {768, 768}, {768, 768}, {768, 768}, {2048, 768}, {2048, 768}, {768, 2048}};
        try (Parallel par = new Parallel(threads)) {
            for (GgmlType type : types) {
                Random rnd = new Random(1);
                List<WeightMatrix> ws = new ArrayList<>();
                long bytes = 0;
                long params = 0;
                for (int l = 0; l < layers; l++) {
                    for (int[] s : shapes) {
                        float[] v = new float[s[0] * s[1]];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = (float) rnd.nextGaussian() * 0.02f;
                        }
                        WeightMatrix w = WeightMatrix.of(type, ByteBuffer.wrap(Quantize.encode(type, v, s[1])), s[0], s[1]);
                        ws.add(w);
                        bytes += w.bytes();
                        params += v.length;
                    }
                }
                for (int t : ts) {
                    float[] x = new float[t * 2048];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) rnd.nextGaussian();
                    }
                    float[][] outOld = new float[ws.size()][];
                    float[][] outNew = new float[ws.size()][];
                    for (int i = 0; i < ws.size(); i++) {
                        outOld[i] = new float[t * ws.get(i).rows()];
                        outNew[i] = new float[t * ws.get(i).rows()];
                    }
                    int passes = Math.max(reps, t == 1 ? 20 : reps);
                    long[] told = new long[passes];
                    long[] tnew = new long[passes];
                    for (int warm = 0; warm < 2; warm++) {
                        pass(ws, x, t, outOld, par, true);
                        pass(ws, x, t, outNew, par, false);
                    }
                    for (int p = 0; p < passes; p++) {
                        told[p] = pass(ws, x, t, outOld, par, true);
                        tnew[p] = pass(ws, x, t, outNew, par, false);
                    }
                    for (int i = 0; i < ws.size(); i++) {
                        for (int j = 0; j < outOld[i].length; j++) {
                            if (Float.floatToIntBits(outOld[i][j]) != Float.floatToIntBits(outNew[i][j])) {
                                throw new AssertionError(type + " T=" + t + ": matrix " + i + " output " + j + " differs: "
                                        + outOld[i][j] + " vs " + outNew[i][j]);
                            }
                        }
                    }
                    double mo = median(told) / 1e6;
                    double mn = median(tnew) / 1e6;
                    double flop = 2.0 * params * t;
                    System.out.printf("%-5s %4d %10.2f %10.2f %8.2f %9.1f %9.1f %8.1f %8.1f%n", type, t, mo, mn, mo / mn,
                            flop / mo / 1e6, flop / mn / 1e6, bytes / mo / 1e6, bytes / mn / 1e6);
                }
            }
        }
    }

    private static long pass(List<WeightMatrix> ws, float[] x, int t, float[][] out, Parallel par, boolean old) {
        long t0 = cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
        for (int i = 0; i < ws.size(); i++) {
            if (old) {
                Matmul.matmulBaseline(ws.get(i), x, t, out[i], par);
            } else {
                Matmul.matmul(ws.get(i), x, t, out[i], par);
            }
        }
        return (cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime()) - t0;
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
