package dev.drafthorse.ensemble.learner;

import smile.classification.LogisticRegression;

/**
 * Smile's L2-regularized logistic regression (binomial, or multinomial for k &gt; 2) on standardized
 * features. Standardizing makes {@code lambda} mean the same for every feature and keeps BFGS well
 * conditioned when logprobs (~-10) sit beside token counts (~100). A constant feature is left centered
 * (scale 1). Row weights are honored by repeating rows, since Smile's logistic regression has none.
 */
public final class LogisticClassifier implements Classifier {
    private static final long serialVersionUID = 1L;
    private final LogisticRegression model;
    private final double[] mean; // (p)
    private final double[] scale; // (p)
    private final int[] classes; // (k') codes of the classes the model saw
    private final int k;

    private LogisticClassifier(LogisticRegression model, double[] mean, double[] scale, int[] classes, int k) {
        this.model = model;
        this.mean = mean;
        this.scale = scale;
        this.classes = classes;
        this.k = k;
    }

    /**
     * @param counts row multiplicities (n) or {@code null}; a sample with one class gives a
     *               {@link ConstantClassifier}
     */
    public static Classifier fit(double[][] x, int[] y, int k, int[] counts, double lambda, double tol, int maxIter) {
        int n = x.length, p = x[0].length;
        int total = 0;
        for (int i = 0; i < n; i++) {
            total += counts == null ? 1 : counts[i];
        }
        double[][] xs = new double[total][];
        int[] ys = new int[total];
        int r = 0;
        for (int i = 0; i < n; i++) {
            int c = counts == null ? 1 : counts[i];
            for (int t = 0; t < c; t++) {
                xs[r] = x[i];
                ys[r++] = y[i];
            }
        }
        long distinct = java.util.Arrays.stream(ys).distinct().count();
        if (distinct < 2) {
            return ConstantClassifier.of(y, counts == null ? ones(n) : counts, k);
        }

        double[] mean = new double[p];
        double[] scale = new double[p];
        for (double[] row : xs) {
            for (int j = 0; j < p; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < p; j++) {
            mean[j] /= total;
        }
        for (double[] row : xs) {
            for (int j = 0; j < p; j++) {
                scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
            }
        }
        for (int j = 0; j < p; j++) {
            double sd = Math.sqrt(scale[j] / total);
            scale[j] = sd > 1e-12 ? sd : 1.0;
        }
        double[][] z = new double[total][];
        for (int i = 0; i < total; i++) {
            z[i] = standardize(xs[i], mean, scale, new double[p]);
        }
        LogisticRegression lr = LogisticRegression.fit(z, ys, lambda, tol, maxIter);
        return new LogisticClassifier(lr, mean, scale, lr.classes(), k);
    }

    static int[] ones(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    private static double[] standardize(double[] x, double[] mean, double[] scale, double[] out) {
        for (int j = 0; j < x.length; j++) {
            out[j] = (x[j] - mean[j]) / scale[j];
        }
        return out;
    }

    @Override
    public int numClasses() {
        return k;
    }

    @Override
    public void posterior(double[] x, double[] out) {
        double[] z = standardize(x, mean, scale, new double[mean.length]);
        double[] seen = new double[classes.length];
        model.predict(z, seen);
        Classifier.expand(seen, classes, out);
    }
}
