package dev.drafthorse.kernels.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Lanes#sum4}'s vector tree against four {@link Lanes#sum} calls, bit for bit. */
class LanesTest {
    @Test
    void sum4EqualsFourTreeSums() {
        int l = Lanes.L;
        Random random = new Random(19);
        for (int trial = 0; trial < 10_000; trial++) {
            int off = random.nextInt(3) * l; // at an offset, as the prefill tiles reduce their second four
            float[] a = new float[off + 4 * l];
            for (int i = 0; i < a.length; i++) {
                // magnitudes spread over many binades, so that a different pairing would round differently
                a[i] = (float) (random.nextGaussian() * Math.pow(2, random.nextInt(40) - 20));
            }
            float[] expected = new float[4];
            float[] copy = a.clone();
            for (int k = 0; k < 4; k++) {
                expected[k] = Lanes.sum(copy, off + k * l);
            }
            Lanes.sum4(a, off);
            for (int k = 0; k < 4; k++) {
                assertEquals(
                        Float.floatToRawIntBits(expected[k]),
                        Float.floatToRawIntBits(a[off + k]),
                        "trial " + trial + " row " + k + ": " + expected[k] + " vs " + a[off + k]);
            }
        }
    }
}
