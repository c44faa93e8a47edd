package dev.drafthorse.kernels.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The SiLU of the feed-forward block: {@link ScalarKernels#expf} and {@link ScalarKernels#siluGated} against the
 * double-precision {@link Math#exp} (the oracle). {@link SiluVectorTest}: the vector kernel against this one.
 */
class SiluTest {
    /** Units in the last place of the float nearest to e between e and the float result. */
    private static double ulps(float got, double exact) {
        return Math.abs(got - exact) / Math.ulp((float) exact);
    }

    @Test
    void expfIsWithinTwoUlpOfExpOverItsWholeRange() {
        double worst = 0;
        float at = 0;
        // every 64th float between the bounds, both signs: about 32 million arguments
        for (int bits = 0; bits >= 0; bits += 64) {
            float a = Float.intBitsToFloat(bits);
            if (a > 88.72283f) {
                break;
            }
            for (float x : new float[] {a, -a}) {
                if (x < ScalarKernels.EXP_MIN) {
                    continue;
                }
                double u = ulps(ScalarKernels.expf(x), Math.exp(x));
                if (u > worst) {
                    worst = u;
                    at = x;
                }
            }
        }
        assertTrue(worst <= 2.0, "expf is " + worst + " ulp off at " + at);
    }

    @Test
    void expfEdges() {
        assertEquals(1f, ScalarKernels.expf(0f));
        assertEquals(1f, ScalarKernels.expf(-0f));
        assertEquals(Float.POSITIVE_INFINITY, ScalarKernels.expf(88.73f));
        assertEquals(Float.POSITIVE_INFINITY, ScalarKernels.expf(Float.POSITIVE_INFINITY));
        assertEquals(0f, ScalarKernels.expf(-86.61f));
        assertEquals(0f, ScalarKernels.expf(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(ScalarKernels.expf(Float.NaN)));
        assertTrue(ulps(ScalarKernels.expf(88.72283f), Math.exp(88.72283f)) <= 2.0);
        assertTrue(ulps(ScalarKernels.expf(-86.6f), Math.exp(-86.6f)) <= 2.0);
    }

    @Test
    void siluGatedIsTheFormula() {
        Random random = new Random(5);
        int n = 100_000;
        float[] gate = new float[n];
        float[] up = new float[n];
        for (int i = 0; i < n; i++) {
            gate[i] = (float) (random.nextGaussian() * 6);
            up[i] = (float) random.nextGaussian();
        }
        float[] got = gate.clone();
        ScalarKernels.siluGated(got, up, 0, n);
        for (int i = 0; i < n; i++) {
            double g = gate[i];
            double exact = g / (1 + Math.exp(-g)) * up[i];
            assertEquals(exact, got[i], 4 * Math.ulp((float) exact) + 1e-30, "at " + gate[i]);
        }
    }
}
