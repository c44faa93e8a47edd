package dev.drafthorse.ensemble.learner;

import smile.base.cart.CART;
import smile.base.cart.SplitRule;
import smile.classification.DecisionTree;
import smile.data.DataFrame;
import smile.data.Tuple;
import smile.data.type.DataTypes;
import smile.data.type.StructField;
import smile.data.type.StructType;
import smile.math.MathEx;

/**
 * A Smile CART classification tree grown on weighted rows: {@code counts[i]} is how many times row {@code i}
 * is in the sample (a bootstrap count, a Poisson(1) weight, or 1 for plain training). With {@code mtry < p}
 * each split looks at a random subset of features, which over bagged members is exactly a random forest.
 * The leaves' posteriors are Laplace-smoothed class counts (Smile's).
 */
public final class TreeClassifier implements Classifier {
    private static final long serialVersionUID = 1L;
    private final DecisionTree tree;
    private final StructType schema;
    private final int k;

    private TreeClassifier(DecisionTree tree, StructType schema, int k) {
        this.tree = tree;
        this.schema = schema;
        this.k = k;
    }

    /**
     * @param x        features (n, p)
     * @param y        class codes (n)
     * @param k        number of classes
     * @param counts   sample multiplicity of each row (n), or {@code null} for all ones
     * @param mtry     features tried per split, 1..p
     * @param maxDepth maximum depth
     * @param maxNodes maximum leaves
     * @param nodeSize minimum rows to split a node
     * @param seed     seeds the thread's Smile RNG that draws the feature subsets (used when mtry &lt; p)
     */
    public static TreeClassifier fit(
            double[][] x, int[] y, int k, int[] counts, int mtry, int maxDepth, int maxNodes, int nodeSize, long seed) {
        DataFrame df = SmileFrames.of(x);
        MathEx.setSeed(seed);
        StructField response = new StructField("y", DataTypes.IntegerType);
        DecisionTree tree = new DecisionTree(
                df,
                y,
                response,
                k,
                SplitRule.GINI,
                maxDepth,
                maxNodes,
                nodeSize,
                mtry,
                counts == null ? null : counts.clone(),
                CART.order(df));
        return new TreeClassifier(tree, df.schema(), k);
    }

    @Override
    public int numClasses() {
        return k;
    }

    @Override
    public void posterior(double[] x, double[] out) {
        tree.predict(Tuple.of(x, schema), out);
    }

    /** The Smile tree (for inspection and tests). */
    public DecisionTree tree() {
        return tree;
    }
}
