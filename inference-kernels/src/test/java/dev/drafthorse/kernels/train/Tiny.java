package dev.drafthorse.kernels.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Tiny random bases and sequences for the trainer's tests. */
final class Tiny {
    private Tiny() {}

    /** D 8, V 11, 2 query heads over 1 KV head of width 4, FFN 12, interleaved RoPE. */
    static Base base(long seed) {
        Random r = new Random(seed);
        int d = 8;
        int v = 11;
        double[] out = new double[v * d];
        double[] emb = new double[v * d];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.nextGaussian();
            emb[i] = r.nextGaussian();
        }
        double[] freqs = {1.0, 0.01};
        return new Base("llama", d, v, 2, 1, 4, 12, 1e-5, freqs, false, out, emb);
    }

    static List<TrainingSequence> sequences(Base b, int n, int length, long seed) {
        Random r = new Random(seed);
        List<TrainingSequence> list = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            int[] t = new int[length];
            float[] h = new float[length * b.dim()];
            for (int i = 0; i < length; i++) {
                t[i] = r.nextInt(b.vocab());
            }
            for (int i = 0; i < h.length; i++) {
                h[i] = (float) r.nextGaussian();
            }
            list.add(new TrainingSequence(t, h, s % 2));
        }
        return list;
    }

    /** Sets every master weight to a random value (norms near 1) and syncs. */
    static void randomize(TrainableHeads heads, long seed) {
        Random r = new Random(seed);
        for (Param p : heads.params()) {
            for (int i = 0; i < p.size(); i++) {
                p.master()[i] = (float) (p.isVector() ? 1 + 0.3 * r.nextGaussian() : 0.4 * r.nextGaussian());
            }
            p.sync(Precision.F64);
        }
    }
}
