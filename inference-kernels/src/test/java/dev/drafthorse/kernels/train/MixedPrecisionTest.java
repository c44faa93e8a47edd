package dev.drafthorse.kernels.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.tensor.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Mixed precision (Micikevicius et al. 2018) on a task whose gradients are small, as they are with a
 * large vocabulary and a mean over many targets: F16 storage without loss scaling flushes most of them
 * to zero and trains worse; with dynamic loss scaling it tracks F32; an overflowing step is skipped and
 * halves the scale.
 */
class MixedPrecisionTest {
    private static final Parallel PAR = new Parallel(2);
    static final int D = 16;
    static final int V = 512;
    static final double SHARE = 0x1p-12;

    @AfterAll
    static void close() {
        PAR.close();
    }

    /** A base with a small-valued output matrix (std 0.02, as initialized LMs) and random embeddings. */
    static Base base() {
        Random r = new Random(3);
        double[] out = new double[V * D];
        for (int i = 0; i < out.length; i++) {
            out[i] = 0.02 * r.nextGaussian();
        }
        return new Base("llama", D, V, 2, 1, D / 2, 2 * D, 1e-5, new double[] {1.0}, false, out, out.clone());
    }

    /**
     * Sequences whose token i + 2 is a fixed teacher's function of the hidden state h_i: a learnable
     * target for head 0.
     */
    static List<TrainingSequence> data(int n, int length, long seed) {
        Random r = new Random(seed);
        Random tr = new Random(42);
        double[] teacher = new double[V * D];
        for (int i = 0; i < teacher.length; i++) {
            teacher[i] = tr.nextGaussian();
        }
        List<TrainingSequence> list = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            int[] t = new int[length];
            float[] h = new float[length * D];
            for (int i = 0; i < h.length; i++) {
                h[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < length; i++) {
                if (i < 2) {
                    t[i] = r.nextInt(V);
                    continue;
                }
                double best = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < V; v++) {
                    double x = 0;
                    for (int j = 0; j < D; j++) {
                        x += teacher[v * D + j] * h[(i - 2) * D + j];
                    }
                    if (x > best) {
                        best = x;
                        t[i] = v;
                    }
                }
            }
            list.add(new TrainingSequence(t, h, 0));
        }
        return list;
    }

    record Run(double[] loss, double flushed) {}

    static Run train(Precision p, double scale, boolean dynamic, int steps) {
        MedusaTrainer heads = new MedusaTrainer(base(), 1, true);
        TrainOptions o = TrainOptions.defaults(steps, p, 1).withLr(3e-3).withLossScale(scale, dynamic);
        Trainer tr = new Trainer(heads, o, PAR);
        List<TrainingSequence> data = data(16, 66, 5);
        Batches b = new Batches(data, 8, 1);
        double[] loss = new double[steps];
        double flushed = 0;
        for (int s = 0; s < steps; s++) {
            Trainer.StepReport r = tr.apply(tr.gradients(b.next(), SHARE));
            loss[s] = r.loss().loss();
            flushed += r.flushedFraction() / steps;
        }
        return new Run(loss, flushed);
    }

    static double tail(double[] loss) {
        double s = 0;
        for (int i = loss.length - 10; i < loss.length; i++) {
            s += loss[i];
        }
        return s / 10;
    }

    /**
     * Each step's gradient is of 2^-12 × the batch loss, as one of 4096 micro-batches of a large step
     * would be (about the magnitudes of a 32K vocabulary and a 16K-token batch). AdamW is invariant to that
     * factor in exact arithmetic, so every difference between the runs comes from F16 storage.
     */
    @Test
    void lossScalingRescuesF16() {
        int steps = 50;
        Run f32 = train(Precision.F32, 1, false, steps);
        Run f16 = train(Precision.F16, 1, false, steps);
        Run scaled = train(Precision.F16, 65536, true, steps);
        System.err.printf(
                "f32 %.4f (flushed %.3f)  f16 unscaled %.4f (flushed %.3f)  f16 scaled %.4f (flushed %.3f)%n",
                tail(f32.loss), f32.flushed, tail(f16.loss), f16.flushed, tail(scaled.loss), scaled.flushed);
        // (a) Without scaling most non-zero gradient values underflow, and training falls behind.
        assertTrue(f16.flushed > 0.9, "unscaled F16 flushed only " + f16.flushed + " of the gradient values");
        assertTrue(
                tail(f16.loss) > tail(f32.loss) + 0.04, "unscaled F16 " + tail(f16.loss) + " vs F32 " + tail(f32.loss));
        // (b) With dynamic scaling nothing significant underflows and the curve tracks F32 within 0.01 nats.
        assertTrue(scaled.flushed < 0.01, "scaled F16 flushed " + scaled.flushed);
        for (int s = 0; s < steps; s++) {
            assertEquals(f32.loss[s], scaled.loss[s], 0.01, "step " + s);
        }
        assertTrue(tail(f32.loss) < f32.loss[0] - 0.5, "F32 did not train: " + f32.loss[0] + " -> " + tail(f32.loss));
    }

    /** (c) Gradients that overflow F16 skip the step (weights untouched) and halve the scale. */
    @Test
    void overflowSkipsTheStepAndHalvesTheScale() {
        MedusaTrainer heads = new MedusaTrainer(base(), 1, true);
        Trainer tr =
                new Trainer(heads, TrainOptions.defaults(10, Precision.F16, 1).withLossScale(0x1p40, true), PAR);
        List<TrainingSequence> batch = data(2, 20, 7);
        float[] before = heads.params().get(2).master().clone();
        Gradients g = tr.gradients(batch);
        assertFalse(g.finite());
        Trainer.StepReport r = tr.apply(g);
        assertTrue(r.skipped());
        assertEquals(0x1p40, r.lossScale());
        assertEquals(0x1p39, tr.lossScale());
        assertArrayEquals(before, heads.params().get(2).master());
        // Halving continues until the gradients fit; then the step is taken.
        int skipped = 1;
        while (tr.apply(tr.gradients(batch)).skipped()) {
            skipped++;
        }
        assertEquals(0x1p40 / Math.pow(2, skipped), tr.lossScale());
        assertFalse(java.util.Arrays.equals(before, heads.params().get(2).master()));
    }

    /** The scale doubles after growthInterval clean steps. */
    @Test
    void scaleGrowsAfterCleanSteps() {
        MedusaTrainer heads = new MedusaTrainer(base(), 1, false);
        Trainer tr = new Trainer(
                heads,
                TrainOptions.defaults(10, Precision.F16, 1)
                        .withLossScale(4, true)
                        .withGrowthInterval(2),
                PAR);
        List<TrainingSequence> batch = data(1, 20, 8);
        assertFalse(tr.apply(tr.gradients(batch)).skipped());
        assertEquals(4, tr.lossScale());
        assertFalse(tr.apply(tr.gradients(batch)).skipped());
        assertEquals(8, tr.lossScale());
    }
}
