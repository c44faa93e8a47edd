package dev.drafthorse.ensemble;

import static org.junit.jupiter.api.Assertions.*;

import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.io.ModelFile;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

/** Same inputs and seed give the same model file, byte for byte, for every method. */
class DeterminismTest {
    static final Dataset DATA = Synthetic.nonlinear(250, 5, 0.1, 17);

    static EnsembleParams small(String method) {
        return EnsembleParams.defaults()
                .with("ensemble.method", method)
                .with("ensemble.bagging.members", "6")
                .with("ensemble.boosting.trees", "15")
                .with("ensemble.stacking.folds", "3")
                .with("ensemble.stacking.members", "tree,logistic,bagging");
    }

    @Test
    void sameSeedSameBytes() throws Exception {
        for (EnsembleParams p : List.of(
                small("bagging"),
                small("bagging").with("ensemble.bagging.base", "logistic"),
                small("bagging").with("ensemble.bagging.sampling", "poisson"),
                small("boosting"),
                small("boosting").with("ensemble.boosting.algorithm", "adaboost"),
                small("stacking"))) {
            byte[] a = ModelFile.toBytes(Ensembles.train(DATA, List.of(), p));
            // the second run on another pool: members must not depend on which thread trained them
            byte[] b = new ForkJoinPool(1)
                    .submit(() -> ModelFile.toBytes(Ensembles.train(DATA, List.of(), p)))
                    .get();
            assertArrayEquals(a, b, "model bytes for " + p.asMap());
        }
    }

    @Test
    void anotherSeedAnotherModel() {
        byte[] a = ModelFile.toBytes(Ensembles.train(DATA, List.of(), small("bagging")));
        byte[] b = ModelFile.toBytes(
                Ensembles.train(DATA, List.of(), small("bagging").with("ensemble.seed", "43")));
        assertFalse(java.util.Arrays.equals(a, b));
    }
}
