package dev.drafthorse.kernels.attention;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Seeded random inputs and comparisons shared by the attention tests. */
final class Fixtures {
    private Fixtures() {}

    /** A store of {@code length} positions (capacity exactly that) with keys and values uniform in [-1, 1). */
    static KvStore store(boolean f16, int kvHeads, int headDim, int length, Random rnd) {
        KvStore kv = f16 ? new F16KvStore(kvHeads, headDim, length) : new F32KvStore(kvHeads, headDim, length);
        float[] k = new float[kvHeads * headDim]; // (kvHeads*headDim)
        float[] v = new float[kvHeads * headDim]; // (kvHeads*headDim)
        for (int p = 0; p < length; p++) {
            fill(k, rnd, 1f);
            fill(v, rnd, 1f);
            kv.put(p, k, 0, v, 0);
        }
        return kv;
    }

    /** Queries {@code (T, nHeads*headDim)}, uniform in [-amplitude, amplitude). */
    static float[] queries(int T, int nHeads, int headDim, float amplitude, Random rnd) {
        float[] q = new float[T * nHeads * headDim];
        fill(q, rnd, amplitude);
        return q;
    }

    static void fill(float[] a, Random rnd, float amplitude) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (rnd.nextFloat() * 2f - 1f) * amplitude;
        }
    }

    /**
     * Asserts |actual − expected| ≤ tol per element. Outputs are convex combinations of value rows in
     * [-1, 1], so an absolute tolerance is a tolerance relative to the values' magnitude.
     */
    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            if (!(err <= worst)) { // also catches NaN
                worst = err;
                at = i;
            }
        }
        if (!(worst <= tol)) {
            fail(what + ": max error " + worst + " > " + tol + " at " + at + " (expected " + expected[at] + ", got "
                    + actual[at] + ")");
        }
    }

    /** Asserts bit-identical floats, reporting the first difference. */
    static void assertBits(float[] expected, int expOff, float[] actual, int actOff, int n, String what) {
        for (int i = 0; i < n; i++) {
            int e = Float.floatToRawIntBits(expected[expOff + i]);
            int a = Float.floatToRawIntBits(actual[actOff + i]);
            if (e != a) {
                fail(what + ": element " + i + " differs: " + expected[expOff + i] + " vs " + actual[actOff + i]);
            }
        }
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            fail(what + ": lengths " + expected.length + " vs " + actual.length);
        }
        assertBits(expected, 0, actual, 0, expected.length, what);
    }

    /** A random tree of n nodes: node i's parent is -1 (a root) or a uniformly chosen earlier node. */
    static int[] randomTree(int n, Random rnd) {
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i == 0 || rnd.nextInt(8) == 0 ? -1 : rnd.nextInt(i);
        }
        return parent;
    }

    static double[] oracle(float[] q, int T, int nHeads, KvStore kv, AttentionMask mask, float scale) {
        double[] out = new double[T * nHeads * kv.headDim()]; // (T, nHeads*headDim)
        NaiveAttention.attend(q, T, nHeads, kv, mask, scale, out);
        return out;
    }
}
