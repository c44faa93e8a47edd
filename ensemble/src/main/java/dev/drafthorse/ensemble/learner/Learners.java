package dev.drafthorse.ensemble.learner;

import dev.drafthorse.ensemble.EnsembleParams;

/** Fits a base learner by kind, with the tree and logistic keys of {@link EnsembleParams}. */
public final class Learners {
    private Learners() {}

    /**
     * @param counts row multiplicities (n), or {@code null} for all ones
     * @param bagged whether {@code ensemble.tree.mtry = 0} means floor(sqrt(p)) (bagging: a random forest)
     *               rather than p (a single tree)
     */
    public static Classifier fit(
            EnsembleParams.BaseLearner kind,
            double[][] x,
            int[] y,
            int k,
            int[] counts,
            EnsembleParams p,
            long seed,
            boolean bagged) {
        if (x.length == 0) {
            throw new IllegalArgumentException("no training rows");
        }
        return switch (kind) {
            case TREE -> {
                int cols = x[0].length;
                int mtry = p.treeMtry() > 0 ? p.treeMtry() : bagged ? Math.max(1, (int) Math.sqrt(cols)) : cols;
                if (mtry > cols) {
                    throw new IllegalArgumentException("hyperparameter " + EnsembleParams.Key.TREE_MTRY.key + " = "
                            + mtry + " exceeds the number of features " + cols);
                }
                int maxNodes = p.treeMaxNodes() > 0 ? p.treeMaxNodes() : Math.max(2, x.length / 5);
                yield TreeClassifier.fit(x, y, k, counts, mtry, p.treeMaxDepth(), maxNodes, p.treeNodeSize(), seed);
            }
            case LOGISTIC ->
                LogisticClassifier.fit(
                        x, y, k, counts, p.logisticLambda(), p.logisticTolerance(), p.logisticIterations());
        };
    }
}
