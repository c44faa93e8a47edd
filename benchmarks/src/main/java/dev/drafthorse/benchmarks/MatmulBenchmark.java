package dev.drafthorse.benchmarks;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.tensor.Matmul;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tensor.Quantize;
import dev.drafthorse.kernels.tensor.WeightMatrix;
import java.nio.ByteBuffer;
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
 * One matrix product {@code out (T, rows) = x (T, cols) · Wᵀ} through {@link Matmul#matmul}, the call the
 * forward pass makes, for every weight format on the two matrix shapes of the 110M Llama shape (dim 768, FFN
 * 2048): 768×768 (q, k, v, o) and 2048×768 (gate, up). T = 1 is a decode step, T = 128 a prefill chunk; the
 * pool has 1 or 2 threads.
 *
 * <p>Reading the score (µs per product): weights streamed = {@code rows·cols·bytesPerWeight / time}
 * (decode is bound by it), multiply-adds = {@code rows·cols·T / time} (prefill is bound by them).
 *
 * <p>Weights are random (seeded), encoded by {@link Quantize#encode}, i.e. ggml's reference quantizers: the
 * kernels' cost does not depend on the values.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatmulBenchmark {
    /** A {@link GgmlType} name. */
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    String type;

    /** rows×cols of W. */
    @Param({"768x768", "2048x768"})
    String shape;

    /** T, the input rows: 1 decodes, 128 is a prefill chunk. */
    @Param({"1", "128"})
    int tokens;

    /** Threads of the kernel pool. */
    @Param({"1", "2"})
    int threads;

    private WeightMatrix w; // (rows, cols)
    private float[] x; // (T, cols)
    private float[] out; // (T, rows)
    private Parallel par;

    @Setup(Level.Trial)
    public void setUp() {
        String[] rc = shape.split("x");
        if (rc.length != 2) {
            throw new IllegalArgumentException("shape is ROWSxCOLS, got " + shape);
        }
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        GgmlType t = GgmlType.valueOf(type);
        Random rnd = new Random(rows * 31L + cols);
        float[] values = new float[rows * cols]; // (rows, cols)
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (rnd.nextGaussian() * 0.02);
        }
        w = WeightMatrix.of(t, ByteBuffer.wrap(Quantize.encode(t, values, cols)), rows, cols);
        x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        out = new float[tokens * rows];
        par = new Parallel(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        par.close();
    }

    @Benchmark
    public float[] matmul() {
        Matmul.matmul(w, x, tokens, out, par);
        return out;
    }
}
