package dev.drafthorse.ensemble.learner;

import dev.drafthorse.ensemble.EnsembleParams;
import smile.classification.AdaBoost;
import smile.classification.DataFrameClassifier;
import smile.classification.GradientTreeBoost;
import smile.data.DataFrame;
import smile.data.Tuple;
import smile.data.type.StructType;
import smile.math.MathEx;

/**
 * Smile's boosting, used as is: {@link GradientTreeBoost} (gradient boosting of regression trees on the
 * deviance, with shrinkage and row subsampling) or {@link AdaBoost} (SAMME over small classification trees).
 * Boosting is sequential: round t fits what rounds 1..t-1 got wrong, so it trains in one task.
 *
 * <p>Both draw their row samples from Smile's thread-local RNG, which is seeded here right before fitting
 * on the calling thread, so a fit is a function of its data, parameters and seed.
 */
public final class BoostedClassifier implements Classifier {
    private static final long serialVersionUID = 1L;
    private final DataFrameClassifier model;
    private final StructType schema; // predictors only
    private final int[] classes; // (k') codes the model saw
    private final int k;

    private BoostedClassifier(DataFrameClassifier model, StructType schema, int[] classes, int k) {
        this.model = model;
        this.schema = schema;
        this.classes = classes;
        this.k = k;
    }

    public static Classifier fit(double[][] x, int[] y, int k, EnsembleParams p, long seed) {
        if (java.util.Arrays.stream(y).distinct().count() < 2) {
            return ConstantClassifier.of(y, LogisticClassifier.ones(y.length), k);
        }
        DataFrame df = SmileFrames.of(x, y);
        MathEx.setSeed(seed);
        DataFrameClassifier m;
        int[] classes;
        if (p.boostingAlgorithm() == EnsembleParams.BoostingAlgorithm.GRADIENT) {
            GradientTreeBoost g = GradientTreeBoost.fit(
                    SmileFrames.FORMULA,
                    df,
                    p.boostingTrees(),
                    p.boostingMaxDepth(),
                    p.boostingMaxNodes(),
                    p.boostingNodeSize(),
                    p.boostingShrinkage(),
                    p.boostingSamplingRate());
            m = g;
            classes = g.classes();
        } else {
            AdaBoost a = AdaBoost.fit(
                    SmileFrames.FORMULA,
                    df,
                    p.boostingTrees(),
                    p.boostingMaxDepth(),
                    p.boostingMaxNodes(),
                    p.boostingNodeSize());
            m = a;
            classes = a.classes();
        }
        return new BoostedClassifier(m, SmileFrames.of(x).schema(), classes, k);
    }

    @Override
    public int numClasses() {
        return k;
    }

    @Override
    public void posterior(double[] x, double[] out) {
        double[] seen = new double[classes.length];
        model.predict(Tuple.of(x, schema), seen);
        Classifier.expand(seen, classes, out);
    }
}
