package dev.drafthorse.ensemble.method;

import dev.drafthorse.ensemble.learner.Classifier;

/**
 * An LLM output taken as it is: the posterior of class c is the source's normalized probability of the
 * candidate named like c (renormalized over the classes). A row missing from the source, or with no mass on
 * any class, gets the uniform posterior. Nothing is trained, so it cannot overfit and leaks nothing.
 */
final class SourceProbClassifier implements Classifier {
    private static final long serialVersionUID = 1L;
    private final int missingColumn;
    private final int[] probColumns; // (k) column of class c's candidate probability

    SourceProbClassifier(int missingColumn, int[] probColumns) {
        this.missingColumn = missingColumn;
        this.probColumns = probColumns.clone();
    }

    @Override
    public int numClasses() {
        return probColumns.length;
    }

    @Override
    public void posterior(double[] x, double[] out) {
        int k = probColumns.length;
        double sum = 0;
        for (int c = 0; c < k; c++) {
            sum += out[c] = x[probColumns[c]];
        }
        if (x[missingColumn] != 0 || !(sum > 0)) {
            java.util.Arrays.fill(out, 1.0 / k);
            return;
        }
        for (int c = 0; c < k; c++) {
            out[c] /= sum;
        }
    }
}
