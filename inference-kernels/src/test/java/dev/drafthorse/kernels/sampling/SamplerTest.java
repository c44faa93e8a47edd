package dev.drafthorse.kernels.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each filter against a direct computation of its definition, and seeded draws against the distribution. */
class SamplerTest {
    private static final float[] LOGITS = {2.0f, 1.0f, 0.5f, 3.0f, -1.0f, 0.0f, 2.5f, -3.0f};

    private static double[] softmax(float[] l, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : l) {
            max = Math.max(max, v / t);
        }
        double[] p = new double[l.length];
        double s = 0;
        for (int i = 0; i < l.length; i++) {
            p[i] = Math.exp(l[i] / t - max);
            s += p[i];
        }
        for (int i = 0; i < l.length; i++) {
            p[i] /= s;
        }
        return p;
    }

    @Test
    void greedyIsArgmaxLowestIdOnTies() {
        assertEquals(3, new Sampler(SamplerOptions.GREEDY).sample(LOGITS, 0, LOGITS.length, new Rng(1)));
        assertEquals(1, Sampler.argmax(new float[] {0f, 5f, 5f}, 0, 3));
    }

    @Test
    void temperatureAloneIsTheSoftmax() {
        float[] p = new Sampler(new SamplerOptions(0.7f, 0, 1f, 0f, 0)).distribution(LOGITS, 0, LOGITS.length);
        double[] ref = softmax(LOGITS, 0.7);
        for (int i = 0; i < p.length; i++) {
            assertEquals(ref[i], p[i], 1e-6);
        }
    }

    @Test
    void topKKeepsTheKBest() {
        float[] p = new Sampler(new SamplerOptions(1f, 3, 1f, 0f, 0)).distribution(LOGITS, 0, LOGITS.length);
        // the three best are ids 3 (3.0), 6 (2.5), 0 (2.0)
        double z = Math.exp(3.0) + Math.exp(2.5) + Math.exp(2.0);
        assertEquals(Math.exp(3.0) / z, p[3], 1e-6);
        assertEquals(Math.exp(2.5) / z, p[6], 1e-6);
        assertEquals(Math.exp(2.0) / z, p[0], 1e-6);
        assertEquals(0f, p[1] + p[2] + p[4] + p[5] + p[7]);
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        double[] full = softmax(LOGITS, 1);
        // sorted: 3, 6, 0, 1, 2, 5, 4, 7
        double m3 = full[3] + full[6];
        float topP = (float) (m3 + 1e-3); // needs a third token
        float[] p = new Sampler(new SamplerOptions(1f, 0, topP, 0f, 0)).distribution(LOGITS, 0, LOGITS.length);
        assertTrue(p[3] > 0 && p[6] > 0 && p[0] > 0);
        assertEquals(0f, p[1]);
        p = new Sampler(new SamplerOptions(1f, 0, (float) (m3 - 1e-3), 0f, 0)).distribution(LOGITS, 0, LOGITS.length);
        assertTrue(p[3] > 0 && p[6] > 0);
        assertEquals(0f, p[0]);
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheBest() {
        float[] p = new Sampler(new SamplerOptions(1f, 0, 1f, 0.3f, 0)).distribution(LOGITS, 0, LOGITS.length);
        double[] full = softmax(LOGITS, 1);
        for (int i = 0; i < LOGITS.length; i++) {
            assertEquals(full[i] >= 0.3 * full[3], p[i] > 0, "token " + i);
        }
    }

    @Test
    void seededDrawsFollowTheDistribution() {
        Sampler s = new Sampler(new SamplerOptions(1f, 0, 1f, 0f, 0));
        double[] ref = softmax(LOGITS, 1);
        Rng rng = new Rng(42);
        int n = 200_000;
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < n; i++) {
            counts[s.sample(LOGITS, 0, LOGITS.length, rng)]++;
        }
        double chi2 = 0;
        for (int i = 0; i < counts.length; i++) {
            double e = ref[i] * n;
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
        }
        // 7 degrees of freedom: the 99.9% quantile is 24.3
        assertTrue(chi2 < 24.3, "chi2 " + chi2);
        // and the same seed gives the same draws
        Rng a = new Rng(9);
        Rng b = new Rng(9);
        for (int i = 0; i < 100; i++) {
            assertEquals(s.sample(LOGITS, 0, 8, a), s.sample(LOGITS, 0, 8, b));
        }
    }

    @Test
    void rowStreamsDependOnSeedAndRowOnly() {
        assertEquals(Rng.forRow(5, "row-1").nextLong(), Rng.forRow(5, "row-1").nextLong());
        assertTrue(Rng.forRow(5, "row-1").nextLong() != Rng.forRow(5, "row-2").nextLong());
        assertTrue(Rng.forRow(5, "row-1").nextLong() != Rng.forRow(6, "row-1").nextLong());
        Random r = new Random(0);
        for (int i = 0; i < 1000; i++) {
            float f = new Rng(r.nextLong()).nextFloat();
            assertTrue(f >= 0f && f < 1f);
        }
    }

    @Test
    void outOfRangeOptionsAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SamplerOptions(-0.1f, 0, 1f, 0f, 0))
                .getMessage()
                .contains("temperature"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SamplerOptions(1f, -1, 1f, 0f, 0))
                .getMessage()
                .contains("top-k"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SamplerOptions(1f, 0, 0f, 0f, 0))
                .getMessage()
                .contains("top-p"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SamplerOptions(1f, 0, 1f, 1f, 0))
                .getMessage()
                .contains("min-p"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SamplerOptions(Float.NaN, 0, 1f, 0f, 0))
                .getMessage()
                .contains("temperature"));
    }
}
