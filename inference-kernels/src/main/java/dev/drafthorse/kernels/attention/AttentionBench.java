package dev.drafthorse.kernels.attention;

import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tensor.Simd;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Tiled vs plain attention, side by side in one JVM: causal prefill of L tokens and one-token decode at
 * context L, for each length. Each case is warmed up, then the two kernels run alternately (so machine
 * noise hits both alike) and the median of the repetitions is reported, as wall time and as process CPU
 * time (ratio = plain / tiled: above 1, tiled is faster).
 *
 * <p>Usage: {@code AttentionBench [lengths=256,1024,4096,16384] [threads=2] [heads=8] [kvHeads=8]
 * [dim=64] [f16=false]} as {@code key=value} arguments, any subset, any order.
 */
public final class AttentionBench {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private AttentionBench() {}

    public static void main(String[] args) {
        int[] lengths = {256, 1024, 4096, 16384};
        int threads = 2;
        int nHeads = 8;
        int kvHeads = 8;
        int d = 64;
        boolean f16 = false;
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("arguments are key=value, got " + arg);
            }
            String key = arg.substring(0, eq);
            String value = arg.substring(eq + 1);
            switch (key) {
                case "lengths":
                    lengths = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
                    break;
                case "threads":
                    threads = Integer.parseInt(value);
                    break;
                case "heads":
                    nHeads = Integer.parseInt(value);
                    break;
                case "kvHeads":
                    kvHeads = Integer.parseInt(value);
                    break;
                case "dim":
                    d = Integer.parseInt(value);
                    break;
                case "f16":
                    f16 = Boolean.parseBoolean(value);
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument " + key);
            }
        }
        bench(lengths, threads, nHeads, kvHeads, d, f16);
    }

    private static void bench(int[] lengths, int threads, int nHeads, int kvHeads, int d, boolean f16) {
        System.out.printf("attention bench: %d heads (%d kv) x %d dim, %s store, %d threads, %s, KEY_BLOCK %d%n",
                nHeads, kvHeads, d, f16 ? "F16" : "F32", threads, Simd.describe(), TiledAttention.KEY_BLOCK);
        System.out.printf("%-8s %6s %6s %10s %10s %8s %10s %10s %8s%n", "case", "T", "kvLen", "tiled ms", "plain ms",
                "ratio", "tiled cpu", "plain cpu", "ratio");
        TiledAttention tiled = new TiledAttention();
        PlainAttention plain = new PlainAttention();
        float scale = (float) (1 / Math.sqrt(d));
        try (Parallel par = new Parallel(threads)) {
            for (int len : lengths) {
                Random rnd = new Random(len);
                KvStore kv = f16 ? new F16KvStore(kvHeads, d, len) : new F32KvStore(kvHeads, d, len);
                float[] k = new float[kvHeads * d]; // (kvHeads*headDim)
                float[] v = new float[kvHeads * d]; // (kvHeads*headDim)
                for (int p = 0; p < len; p++) {
                    fill(k, rnd);
                    fill(v, rnd);
                    kv.put(p, k, 0, v, 0);
                }
                float[] q = new float[len * nHeads * d]; // (len, nHeads*headDim)
                fill(q, rnd);
                float[] out = new float[q.length];       // (len, nHeads*headDim)
                // Prefill: work ~ len², so fewer repetitions for the long ones.
                int reps = len >= 16384 ? 3 : len >= 4096 ? 5 : 11;
                int warm = len >= 16384 ? 1 : 3;
                run("prefill", len, len, reps, warm, 1,
                        () -> tiled.attend(q, len, nHeads, kv, AttentionMask.causal(0), scale, out, par),
                        () -> plain.attend(q, len, nHeads, kv, AttentionMask.causal(0), scale, out, par));
                float[] q1 = Arrays.copyOfRange(q, (len - 1) * nHeads * d, len * nHeads * d); // (1, nHeads*headDim)
                // Decode: 20 calls per repetition so each timing is well above timer and scheduler noise.
                run("decode", 1, len, 15, 10, 20,
                        () -> tiled.attend(q1, 1, nHeads, kv, AttentionMask.causal(len - 1), scale, out, par),
                        () -> plain.attend(q1, 1, nHeads, kv, AttentionMask.causal(len - 1), scale, out, par));
            }
        }
    }

    private static void run(String name, int T, int kvLen, int reps, int warm, int calls, Runnable tiled,
            Runnable plain) {
        for (int i = 0; i < warm; i++) {
            tiled.run();
            plain.run();
        }
        List<Double> tiledMs = new ArrayList<>();
        List<Double> plainMs = new ArrayList<>();
        List<Double> tiledCpu = new ArrayList<>();
        List<Double> plainCpu = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            time(tiled, calls, tiledMs, tiledCpu);
            time(plain, calls, plainMs, plainCpu);
        }
        double t = median(tiledMs);
        double p = median(plainMs);
        double tc = median(tiledCpu);
        double pc = median(plainCpu);
        System.out.printf("%-8s %6d %6d %10.3f %10.3f %8.2f %10.3f %10.3f %8.2f%n", name, T, kvLen, t, p, p / t, tc, pc,
                pc / tc);
    }

    /**
     * Wall time and CPU time of all JVM threads (the pool's and ours), in ms per call of {@code r}, which
     * runs {@code calls} times. On a shared machine the CPU time is the steadier measure: it does not
     * count time our threads sat preempted. (It also counts JIT and GC threads, small after warm-up.)
     */
    private static void time(Runnable r, int calls, List<Double> wall, List<Double> cpu) {
        long cpu0 = cpuNanos();
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            r.run();
        }
        wall.add((System.nanoTime() - start) / 1e6 / calls);
        cpu.add((cpuNanos() - cpu0) / 1e6 / calls);
    }

    private static long cpuNanos() {
        long sum = 0;
        for (long id : THREADS.getAllThreadIds()) {
            long t = THREADS.getThreadCpuTime(id);
            if (t > 0) {
                sum += t;
            }
        }
        return sum;
    }

    private static double median(List<Double> xs) {
        List<Double> sorted = new ArrayList<>(xs);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

    private static void fill(float[] a, Random rnd) {
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextFloat() * 2f - 1f;
        }
    }
}
