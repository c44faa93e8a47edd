package dev.drafthorse.ensemble.method;

import dev.drafthorse.ensemble.EnsembleParams.Combine;
import dev.drafthorse.ensemble.learner.Classifier;
import java.util.Arrays;
import java.util.List;

/**
 * A bagging ensemble: members trained on resampled rows, combined by averaging their posteriors or by
 * majority vote (the probability of a class is then its share of the votes).
 */
public final class BaggingModel implements Classifier {
    private static final long serialVersionUID = 1L;
    private final Classifier[] members;
    private final Combine combine;
    private final int k;
    private final double oobAccuracy;
    private final int oobRows;

    BaggingModel(Classifier[] members, Combine combine, int k, double oobAccuracy, int oobRows) {
        this.members = members.clone();
        this.combine = combine;
        this.k = k;
        this.oobAccuracy = oobAccuracy;
        this.oobRows = oobRows;
    }

    @Override
    public int numClasses() {
        return k;
    }

    @Override
    public void posterior(double[] x, double[] out) {
        Arrays.fill(out, 0.0);
        double[] p = new double[k];
        for (Classifier m : members) {
            m.posterior(x, p);
            if (combine == Combine.VOTE) {
                out[Classifier.argmax(p)] += 1.0;
            } else {
                for (int c = 0; c < k; c++) {
                    out[c] += p[c];
                }
            }
        }
        for (int c = 0; c < k; c++) {
            out[c] /= members.length;
        }
    }

    /** The members, in member-index order. */
    public List<Classifier> members() {
        return List.of(members);
    }

    public Combine combine() {
        return combine;
    }

    /** Out-of-bag accuracy: each row predicted by the members whose sample left it out (NaN if none). */
    public double oobAccuracy() {
        return oobAccuracy;
    }

    /** Rows with at least one out-of-bag member. */
    public int oobRows() {
        return oobRows;
    }
}
