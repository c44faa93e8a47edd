package dev.drafthorse.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.tensor.Quantize;
import dev.drafthorse.kernels.tensor.WeightMatrix;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks' set-up and bodies, once each on small shapes and without JMH, so that a benchmark that no
 * longer runs (a renamed format, a changed kernel contract) fails the build rather than the next measurement.
 * Times nothing.
 */
class BenchmarksSmokeTest {
    @Test
    void matmulRunsEveryDefaultFormatAndMatchesTheSingleDots() throws Exception {
        String[] types = MatmulBenchmark.class
                .getDeclaredField("type")
                .getAnnotation(org.openjdk.jmh.annotations.Param.class)
                .value();
        for (String type : types) {
            for (int tokens : new int[] {1, 5}) {
                MatmulBenchmark b = new MatmulBenchmark();
                b.type = type;
                b.shape = "8x256";
                b.tokens = tokens;
                b.threads = 2;
                b.setUp();
                float[] out = b.matmul().clone();
                b.tearDown();
                WeightMatrix w = reference(type, 8, 256);
                float[] x = inputs(8, 256, tokens);
                for (int t = 0; t < tokens; t++) {
                    for (int r = 0; r < 8; r++) {
                        float want = w.dotScalar(r, x, t * 256);
                        float got = out[t * 8 + r];
                        assertTrue(
                                Math.abs(got - want) <= 1e-3f * (1 + Math.abs(want)),
                                type + " T=" + tokens + " row " + r + " input " + t + ": benchmark " + got + ", scalar "
                                        + want);
                    }
                }
            }
        }
    }

    /** The benchmark's matrix, rebuilt from the same seed. */
    private static WeightMatrix reference(String type, int rows, int cols) {
        GgmlType t = GgmlType.valueOf(type);
        Random rnd = new Random(rows * 31L + cols);
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (rnd.nextGaussian() * 0.02);
        }
        return WeightMatrix.of(t, ByteBuffer.wrap(Quantize.encode(t, values, cols)), rows, cols);
    }

    /** The benchmark's inputs: the same stream, drawn after the weights. */
    private static float[] inputs(int rows, int cols, int tokens) {
        Random rnd = new Random(rows * 31L + cols);
        for (int i = 0; i < rows * cols; i++) {
            rnd.nextGaussian();
        }
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    @Test
    void attentionRunsBothKernelsBothStoresBothPhases() {
        for (String kernel : new String[] {"tiled", "plain"}) {
            for (String store : new String[] {"F32", "F16"}) {
                AttentionBenchmark b = new AttentionBenchmark();
                b.kernel = kernel;
                b.store = store;
                b.context = 70;
                b.threads = 2;
                b.heads = 4;
                b.kvHeads = 2;
                b.headDim = 16;
                b.setUp();
                float[] prefill = b.prefill().clone();
                float[] decode = b.decode();
                b.tearDown();
                int row = 4 * 16;
                assertEquals(70 * row, prefill.length);
                for (int i = 0; i < row; i++) {
                    // The last prefill query and the decode query are the same query over the same keys.
                    float want = prefill[69 * row + i];
                    assertTrue(
                            Float.isFinite(want) && Math.abs(decode[i] - want) <= 1e-4f,
                            kernel + " " + store + " element " + i + ": decode " + decode[i] + ", prefill's last row "
                                    + want);
                }
            }
        }
    }
}
