package dev.drafthorse.kernels.attention;

import static dev.drafthorse.kernels.attention.Fixtures.assertBits;

import dev.drafthorse.kernels.tensor.FloatOps;
import dev.drafthorse.kernels.tensor.ScalarKernels;
import dev.drafthorse.kernels.tensor.Simd;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused chunk kernels must reproduce the tensor primitives bit for bit: the canonical reduction of
 * {@link TiledAttention} is defined in terms of {@code FloatOps.dot} and {@code FloatOps.axpy}.
 */
class ChunkKernelsTest {
    /** Head dims with and without vector tails, below, at and above the 8- and 4-vector slabs. */
    @ParameterizedTest(name = "d={0}")
    @ValueSource(ints = {1, 3, 8, 13, 16, 32, 40, 64, 100, 128, 136})
    void fusedKernelsMatchThePrimitivesBitForBit(int d) {
        check(d, new Random(d));
    }

    @org.junit.jupiter.api.Test
    void stillMatchOnceCompiled() {
        // Thousands of rounds so both sides run C2-compiled code (the vector intrinsics), not the interpreter.
        Random rnd = new Random(7);
        for (int round = 0; round < 2000; round++) {
            check(round % 2 == 0 ? 64 : 13, rnd);
        }
    }

    private static void check(int d, Random rnd) {
        int n = 23; // not a multiple of the 4-key step
        float[] q = new float[3 + d];
        float[] k = new float[5 + n * d]; // (n, d) from offset 5
        float[] v = new float[2 + n * d]; // (n, d) from offset 2
        float[] p = new float[1 + n];
        boolean[] vis = new boolean[4 + n];
        Fixtures.fill(q, rnd, 3f);
        Fixtures.fill(k, rnd, 3f);
        Fixtures.fill(v, rnd, 3f);
        for (int j = 0; j < n; j++) {
            p[1 + j] = rnd.nextFloat();
            vis[4 + j] = rnd.nextInt(3) != 0;
        }
        for (boolean vector : new boolean[] {false, true}) {
            if (vector && !Simd.ENABLED) {
                continue;
            }
            float[] scores = new float[n];
            ChunkKernels.dots(vector, q, 3, k, 5, d, n, scores, 0);
            float[] expected = new float[n];
            for (int j = 0; j < n; j++) {
                expected[j] = vector ? FloatOps.dot(q, 3, k, 5 + j * d, d) : ScalarKernels.dot(q, 3, k, 5 + j * d, d);
            }
            assertBits(expected, scores, "dots vector=" + vector);

            for (boolean sparse : new boolean[] {false, true}) {
                float[] acc = new float[1 + d];
                float[] ref = new float[1 + d];
                Fixtures.fill(acc, rnd, 1f);
                System.arraycopy(acc, 0, ref, 0, acc.length);
                ChunkKernels.weightedSum(vector, p, 1, sparse ? vis : null, 4, n, v, 2, d, acc, 1);
                for (int j = 0; j < n; j++) {
                    if (!sparse || vis[4 + j]) {
                        if (vector) {
                            FloatOps.axpy(p[1 + j], v, 2 + j * d, ref, 1, d);
                        } else {
                            ScalarKernels.axpy(p[1 + j], v, 2 + j * d, ref, 1, d);
                        }
                    }
                }
                assertBits(ref, acc, "weightedSum vector=" + vector + " sparse=" + sparse);
            }
        }
    }
}
