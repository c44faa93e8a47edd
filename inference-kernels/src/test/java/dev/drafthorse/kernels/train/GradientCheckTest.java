package dev.drafthorse.kernels.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.tensor.Parallel;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every analytic gradient against central finite differences of the loss in double precision: the
 * independent oracle for the hand-written backward passes.
 */
class GradientCheckTest {
    private static final Parallel PAR = new Parallel(2);

    @Test
    void medusaSharedOutput() {
        Base b = Tiny.base(1);
        MedusaTrainer h = new MedusaTrainer(b, 3, false);
        Tiny.randomize(h, 2);
        check(h, Tiny.sequences(b, 3, 7, 3));
    }

    @Test
    void medusaOwnOutput() {
        Base b = Tiny.base(4);
        MedusaTrainer h = new MedusaTrainer(b, 2, true);
        Tiny.randomize(h, 5);
        check(h, Tiny.sequences(b, 2, 6, 6));
    }

    @Test
    void mtpModules() {
        Base b = Tiny.base(7);
        MtpTrainer h = new MtpTrainer(b, 2, 8);
        Tiny.randomize(h, 9);
        check(h, Tiny.sequences(b, 2, 7, 10));
    }

    @Test
    void mtpWithNeoxRopeAndOneModule() {
        Base t = Tiny.base(11);
        Base b = new Base(
                t.architecture(),
                t.dim(),
                t.vocab(),
                2,
                2,
                4,
                12,
                1e-5,
                new double[] {0.7, 0.2},
                true,
                t.output(),
                t.embedding());
        MtpTrainer h = new MtpTrainer(b, 1, 12);
        Tiny.randomize(h, 13);
        check(h, Tiny.sequences(b, 2, 6, 14));
    }

    /** Compares each param's analytic gradient with (L(w + e) − L(w − e)) / 2e at sampled entries. */
    private static void check(TrainableHeads heads, List<TrainingSequence> batch) {
        List<Param> ps = heads.params();
        double[][] grads = new double[ps.size()][];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = new double[ps.get(i).size()];
        }
        double scale = 3.0; // the gradient is of scale × loss
        heads.pass(batch, scale, new Rounding(Precision.F64), grads, PAR);
        Random r = new Random(99);
        double eps = 1e-5;
        int checked = 0;
        for (int pi = 0; pi < ps.size(); pi++) {
            Param p = ps.get(pi);
            double norm = 0;
            for (double g : grads[pi]) {
                norm = Math.max(norm, Math.abs(g));
            }
            assertTrue(norm > 0, p.name() + ": gradient is all zero");
            for (int s = 0; s < Math.min(12, p.size()); s++) {
                int i = s == 0 ? 0 : r.nextInt(p.size());
                double w0 = p.work()[i];
                p.work()[i] = w0 + eps;
                double lp = heads.pass(batch, 1, new Rounding(Precision.F64), null, PAR)
                        .loss();
                p.work()[i] = w0 - eps;
                double lm = heads.pass(batch, 1, new Rounding(Precision.F64), null, PAR)
                        .loss();
                p.work()[i] = w0;
                double numeric = scale * (lp - lm) / (2 * eps);
                double analytic = grads[pi][i];
                assertEquals(
                        numeric,
                        analytic,
                        1e-6 + 1e-5 * Math.max(Math.abs(numeric), norm),
                        p.name() + "[" + i + "]: finite difference " + numeric + " vs backward " + analytic);
                checked++;
            }
        }
        assertTrue(checked > 0);
    }
}
