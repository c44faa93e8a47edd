package dev.drafthorse.kernels.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.speculative.TreeSpec;
import dev.drafthorse.kernels.tensor.Parallel;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The schedule, batching, precision rounding, AdamW and the acceptance simulation, each against a hand computation. */
class TrainerPartsTest {
    @Test
    void warmupThenCosine() {
        TrainOptions o = TrainOptions.defaults(110, Precision.F32, 1).withLr(1e-2);
        assertEquals(11, o.warmup());
        assertEquals(1e-2 / 11, o.lrAt(0), 1e-15);
        assertEquals(1e-2, o.lrAt(10), 1e-15);
        assertEquals(1e-2, o.lrAt(11), 1e-15);
        // Halfway through the decay: the mean of lr and lr/10.
        assertEquals(0.55e-2, o.lrAt(11 + 49), 1e-4);
        assertEquals(1e-3, o.lrAt(109), 1e-15);
    }

    @Test
    void optionsRefuseOutOfRangeByName() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TrainOptions.defaults(0, Precision.F32, 1));
        assertTrue(e.getMessage().startsWith("steps"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> TrainOptions.defaults(5, Precision.F32, 1).withLr(-1));
        assertTrue(e.getMessage().startsWith("lr"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("f8", "--precision"));
        assertTrue(e.getMessage().startsWith("--precision"), e.getMessage());
    }

    @Test
    void batchesCoverEveryEpochOnce() {
        Base b = Tiny.base(1);
        List<TrainingSequence> data = Tiny.sequences(b, 6, 4, 2);
        Batches batches = new Batches(data, 3, 9);
        Set<TrainingSequence> epoch = new HashSet<>();
        epoch.addAll(batches.next());
        epoch.addAll(batches.next());
        assertEquals(6, epoch.size());
        assertThrows(IllegalArgumentException.class, () -> new Batches(data, 7, 1));
    }

    @Test
    void precisionRoundsLikeTheFormats() {
        assertEquals(0, Precision.F16.round(1e-8)); // below half of F16's smallest subnormal 2^-24
        assertEquals(0x1p-24, Precision.F16.round(0x1p-24));
        assertEquals(Double.POSITIVE_INFINITY, Precision.F16.round(70000));
        assertEquals(1e-8, Precision.BF16.round(1e-8), 1e-10); // BF16 keeps F32's range
        assertEquals(1.0078125, Precision.BF16.round(1.005), 0); // 8 significant bits
        assertEquals((float) 0.1, Precision.F32.round(0.1), 0);
    }

    @Test
    void adamwFirstStepMovesEachWeightByTheLearningRate() {
        // With bias correction, AdamW's first update is lr · g/|g| (+ eps): every weight with a gradient moves by lr.
        Base b = Tiny.base(3);
        MedusaTrainer h = new MedusaTrainer(b, 1, false);
        Trainer tr = new Trainer(h, TrainOptions.defaults(10, Precision.F32, 1).withLr(1e-3), new Parallel(1));
        Gradients g = tr.gradients(Tiny.sequences(b, 2, 6, 4));
        float[] before = h.params().get(0).master().clone();
        tr.apply(g);
        double lr = TrainOptions.defaults(10, Precision.F32, 1).withLr(1e-3).lrAt(0);
        for (int i = 0; i < before.length; i++) {
            double gi = g.values()[0][i];
            double want = gi == 0 ? 0 : -Math.signum(gi) * lr;
            assertEquals(want, h.params().get(0).master()[i] - before[i], 1e-7, "weight " + i);
        }
    }

    @Test
    void treeAcceptanceAgreesWithChainsAndFullTrees() {
        Base b = Tiny.base(5);
        MedusaTrainer h = new MedusaTrainer(b, 3, false);
        Tiny.randomize(h, 6);
        List<TrainingSequence> seqs = Tiny.sequences(b, 4, 30, 7);
        assertEquals(
                Acceptance.medusa(h, seqs, 1).meanAccepted(),
                Acceptance.medusaTree(h, seqs, TreeSpec.parse("1,1,1")).meanAccepted());
        assertEquals(
                Acceptance.medusa(h, seqs, 3).meanAccepted(),
                Acceptance.medusaTree(h, seqs, TreeSpec.parse("3,3,3")).meanAccepted());
        assertTrue(Acceptance.medusa(h, seqs, 3).meanAccepted()
                > Acceptance.medusa(h, seqs, 1).meanAccepted());
    }

    @Test
    void chainAcceptanceByHand() {
        // Head 0 always guesses token 2 (a huge bias through the shared output's row 2); the sequence's tokens
        // make it right exactly at positions where t_{p+2} = 2.
        Base t = Tiny.base(8);
        double[] out = new double[t.vocab() * t.dim()];
        out[2 * t.dim()] = 1;
        Base b = new Base("llama", t.dim(), t.vocab(), 2, 1, 4, 12, 1e-5, t.ropeFreqs(), false, out, t.embedding());
        MedusaTrainer h = new MedusaTrainer(b, 1, false);
        h.params().get(1).master()[0] = 100; // bias of dimension 0
        h.sync(Precision.F64);
        int[] tokens = {1, 5, 6, 2, 7, 2, 2, 8};
        TrainingSequence s = new TrainingSequence(tokens, new float[tokens.length * b.dim()], 0);
        // Passes from p = 0: t2 = 6 ≠ 2 → 1 token (p = 1); t3 = 2 → 2 tokens (p = 3); t5 = 2 → 2 (p = 5);
        // t7 = 8 → 1 (p = 6); p = 6: no t8, 1 token (p = 7). 5 passes, 7 tokens.
        Acceptance.Report r = Acceptance.medusa(h, List.of(s), 1);
        assertEquals(5, r.passes());
        assertEquals(7, r.tokens());
    }
}
