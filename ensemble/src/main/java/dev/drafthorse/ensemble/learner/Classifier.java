package dev.drafthorse.ensemble.learner;

import java.io.Serializable;

/**
 * A trained soft classifier over dense feature vectors: every member, every ensemble and every level-1
 * learner in this module is one. Posteriors always have one entry per class of the training data, even when
 * a bootstrap sample or a fold lacked a class (that entry is then 0 for learners that never saw it).
 *
 * <p>Implementations are immutable after training and safe to call from several threads.
 */
public interface Classifier extends Serializable {

    /** Number of classes k. */
    int numClasses();

    /**
     * Writes the class posterior of {@code x} into {@code out}.
     *
     * @param x   features (p), in the training column order
     * @param out (k), overwritten; sums to 1
     */
    void posterior(double[] x, double[] out);

    /** The class posterior of {@code x}, (k). */
    default double[] posterior(double[] x) {
        double[] out = new double[numClasses()];
        posterior(x, out);
        return out;
    }

    /** The most probable class (the lowest index on ties). */
    default int predict(double[] x) {
        return argmax(posterior(x));
    }

    /** Index of the largest value, the first on ties. */
    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Spreads a Smile posterior over the classes a model saw into the full class list.
     *
     * @param seen    (k') the model's posterior
     * @param classes (k') the class code of each entry
     * @param out     (k) zeroed then filled
     */
    static void expand(double[] seen, int[] classes, double[] out) {
        java.util.Arrays.fill(out, 0.0);
        for (int j = 0; j < classes.length; j++) {
            out[classes[j]] = seen[j];
        }
    }
}
