package dev.drafthorse.ensemble.method;

import dev.drafthorse.ensemble.learner.Classifier;

/** A classifier trained on a subset of the columns, applied to full feature vectors. */
final class ColumnsClassifier implements Classifier {
    private static final long serialVersionUID = 1L;
    private final int[] columns;
    private final Classifier inner;

    ColumnsClassifier(int[] columns, Classifier inner) {
        this.columns = columns.clone();
        this.inner = inner;
    }

    @Override
    public int numClasses() {
        return inner.numClasses();
    }

    @Override
    public void posterior(double[] x, double[] out) {
        double[] sub = new double[columns.length];
        for (int j = 0; j < columns.length; j++) {
            sub[j] = x[columns[j]];
        }
        inner.posterior(sub, out);
    }
}
