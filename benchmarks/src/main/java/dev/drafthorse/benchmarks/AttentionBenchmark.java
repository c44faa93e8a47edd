package dev.drafthorse.benchmarks;

import dev.drafthorse.kernels.attention.AttentionMask;
import dev.drafthorse.kernels.attention.F16KvStore;
import dev.drafthorse.kernels.attention.F32KvStore;
import dev.drafthorse.kernels.attention.KvStore;
import dev.drafthorse.kernels.attention.PlainAttention;
import dev.drafthorse.kernels.attention.TiledAttention;
import dev.drafthorse.kernels.tensor.Parallel;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Attention at a context length L, tiled ({@link TiledAttention}, the engine's) against plain
 * ({@link PlainAttention}, a whole softmax row per query, the baseline): {@link #prefill} is causal attention
 * of L queries over L keys (work ~ L²), {@link #decode} one query at position L − 1 over L keys (the
 * key-split schedule on more than one thread). The previous {@code AttentionBench} as a JMH benchmark.
 *
 * <p>Defaults are the 110M Llama shape's attention: 12 heads (12 kv heads) of 64. Queries, keys and values
 * are random (seeded); the cost does not depend on them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {
    /** tiled (the engine) or plain (the baseline). */
    @Param({"tiled", "plain"})
    String kernel;

    /** Context length L: keys in the cache, queries of the prefill. */
    @Param({"256", "1024", "4096"})
    int context;

    /** Threads of the kernel pool. */
    @Param({"1", "2"})
    int threads;

    /** KV store element type: F32 or F16. */
    @Param({"F32"})
    String store;

    @Param({"12"})
    int heads;

    @Param({"12"})
    int kvHeads;

    @Param({"64"})
    int headDim;

    /** Both kernels' attend: same arguments, same contract. */
    private interface Kernel {
        void attend(
                float[] q, int t, int nHeads, KvStore kv, AttentionMask mask, float scale, float[] out, Parallel par);
    }

    private Kernel attention;
    private KvStore kv;
    private float[] q; // (L, heads*headDim)
    private float[] qLast; // (1, heads*headDim): the last query row, for decode
    private float[] out; // (L, heads*headDim)
    private float scale;
    private AttentionMask prefillMask;
    private AttentionMask decodeMask;
    private Parallel par;

    @Setup(Level.Trial)
    public void setUp() {
        attention = switch (kernel) {
            case "tiled" -> new TiledAttention()::attend;
            case "plain" -> new PlainAttention()::attend;
            default -> throw new IllegalArgumentException("kernel is tiled or plain, got " + kernel);
        };
        kv = switch (store) {
            case "F32" -> new F32KvStore(kvHeads, headDim, context);
            case "F16" -> new F16KvStore(kvHeads, headDim, context);
            default -> throw new IllegalArgumentException("store is F32 or F16, got " + store);
        };
        Random rnd = new Random(context);
        float[] k = new float[kvHeads * headDim]; // (kvHeads*headDim)
        float[] v = new float[kvHeads * headDim]; // (kvHeads*headDim)
        for (int p = 0; p < context; p++) {
            fill(k, rnd);
            fill(v, rnd);
            kv.put(p, k, 0, v, 0);
        }
        int row = heads * headDim;
        q = new float[context * row];
        fill(q, rnd);
        qLast = Arrays.copyOfRange(q, (context - 1) * row, context * row);
        out = new float[q.length];
        scale = (float) (1 / Math.sqrt(headDim));
        prefillMask = AttentionMask.causal(0);
        decodeMask = AttentionMask.causal(context - 1);
        par = new Parallel(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        par.close();
    }

    @Benchmark
    public float[] prefill() {
        attention.attend(q, context, heads, kv, prefillMask, scale, out, par);
        return out;
    }

    @Benchmark
    public float[] decode() {
        attention.attend(qLast, 1, heads, kv, decodeMask, scale, out, par);
        return out;
    }

    private static void fill(float[] a, Random rnd) {
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextFloat() * 2f - 1f;
        }
    }
}
