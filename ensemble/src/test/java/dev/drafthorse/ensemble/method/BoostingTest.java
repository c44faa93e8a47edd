package dev.drafthorse.ensemble.method;

import static org.junit.jupiter.api.Assertions.*;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.Synthetic;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.eval.Evaluation;
import dev.drafthorse.ensemble.learner.Classifier;
import org.junit.jupiter.api.Test;

class BoostingTest {
    @Test
    void gradientAndAdaBoostLearnTheTask() {
        Dataset[] split = Synthetic.nonlinear(1000, 6, 0.05, 21).split(0.3, 1);
        for (String algo : new String[] {"gradient", "adaboost"}) {
            EnsembleParams p = EnsembleParams.defaults()
                    .with("ensemble.boosting.algorithm", algo)
                    .with("ensemble.boosting.trees", "100");
            Classifier c = Boosting.train(split[0], p);
            double acc =
                    Evaluation.score(algo, "ensemble", c, split[1]).metrics().accuracy();
            System.err.printf("held-out accuracy of %s boosting: %.4f%n", algo, acc);
            assertTrue(acc > 0.8, algo + ": " + acc);
        }
    }

    @Test
    void threeClasses() {
        Dataset base = Synthetic.nonlinear(300, 4, 0, 4);
        int[] y = new int[base.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = base.x()[i][0] < -0.3 ? 0 : base.x()[i][0] < 0.3 ? 1 : 2;
        }
        Dataset d = Dataset.of(base.x(), y, 3);
        for (String algo : new String[] {"gradient", "adaboost"}) {
            Classifier c = Boosting.train(
                    d,
                    EnsembleParams.defaults()
                            .with("ensemble.boosting.algorithm", algo)
                            .with("ensemble.boosting.trees", "30"));
            double[] p = c.posterior(d.x()[0]);
            assertEquals(3, p.length);
            assertEquals(1.0, p[0] + p[1] + p[2], 1e-9);
            assertTrue(Evaluation.score(algo, "e", c, d).metrics().accuracy() > 0.9);
        }
    }
}
