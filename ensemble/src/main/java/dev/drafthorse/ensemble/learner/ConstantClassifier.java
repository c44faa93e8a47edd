package dev.drafthorse.ensemble.learner;

/**
 * Always answers the class frequencies of its training sample. What a learner falls back to when its
 * (weighted) sample holds a single class, where Smile's learners cannot be fitted.
 */
public final class ConstantClassifier implements Classifier {
    private static final long serialVersionUID = 1L;
    private final double[] prior; // (k)

    public ConstantClassifier(double[] prior) {
        this.prior = prior.clone();
    }

    /** Frequencies of {@code y} weighted by {@code counts}. */
    public static ConstantClassifier of(int[] y, int[] counts, int k) {
        double[] p = new double[k];
        double total = 0;
        for (int i = 0; i < y.length; i++) {
            p[y[i]] += counts[i];
            total += counts[i];
        }
        for (int c = 0; c < k; c++) {
            p[c] = total == 0 ? 1.0 / k : p[c] / total;
        }
        return new ConstantClassifier(p);
    }

    @Override
    public int numClasses() {
        return prior.length;
    }

    @Override
    public void posterior(double[] x, double[] out) {
        System.arraycopy(prior, 0, out, 0, prior.length);
    }
}
