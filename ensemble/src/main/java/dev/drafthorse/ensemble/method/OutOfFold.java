package dev.drafthorse.ensemble.method;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Out-of-fold predictions of the level-0 members: the only input a stacking meta-learner accepts.
 *
 * <p>Why: a member's prediction for a row it was trained on is optimistic (a deep tree memorizes its rows),
 * so a meta-learner fitted on such predictions learns to trust the most overfitted member. Stacking is
 * sound only if every level-1 value comes from a model that never saw its row (Wolpert 1992).
 *
 * <p>How it is enforced: this class has no public constructor. The {@link Builder} takes each fold model's
 * predictions together with the rows that model was trained on, and {@link Builder#build()} refuses, with a
 * {@link LeakageException} naming member, fold and row, any prediction of a row inside its model's training
 * rows, any row predicted twice or never. Fold models trained elsewhere (one per reducer) are checked the
 * same way when joined here.
 */
public final class OutOfFold {
    private final double[][][] posteriors; // (members, n, k)
    private final int[] foldOf; // (n)
    private final List<String> memberNames;

    private OutOfFold(double[][][] posteriors, int[] foldOf, List<String> memberNames) {
        this.posteriors = posteriors;
        this.foldOf = foldOf;
        this.memberNames = List.copyOf(memberNames);
    }

    /** Posterior of member {@code m} for row {@code i}, predicted by a model not trained on row {@code i}. */
    public double[] posterior(int m, int i) {
        return posteriors[m][i].clone();
    }

    public int members() {
        return posteriors.length;
    }

    public int rows() {
        return foldOf.length;
    }

    public List<String> memberNames() {
        return memberNames;
    }

    /** The fold of each row. */
    public int[] foldOf() {
        return foldOf.clone();
    }

    /** Level-1 features (n, members·(k-1)); see {@link Stacking#level1(double[][], double[])}. */
    double[][] level1() {
        int n = foldOf.length;
        double[][] z = new double[n][];
        double[][] one = new double[posteriors.length][];
        for (int i = 0; i < n; i++) {
            for (int m = 0; m < posteriors.length; m++) {
                one[m] = posteriors[m][i];
            }
            z[i] = Stacking.level1(one, null);
        }
        return z;
    }

    public static Builder builder(int n, int k, List<String> memberNames, int[] foldOf) {
        return new Builder(n, k, memberNames, foldOf);
    }

    /** Collects fold models' predictions with their provenance, then checks them. */
    public static final class Builder {
        private final int n, k;
        private final List<String> names;
        private final int[] foldOf;
        private final double[][][] post;
        private final BitSet[] filled;

        private Builder(int n, int k, List<String> names, int[] foldOf) {
            if (foldOf.length != n) {
                throw new IllegalArgumentException("fold assignment has " + foldOf.length + " rows, expected " + n);
            }
            this.n = n;
            this.k = k;
            this.names = List.copyOf(names);
            this.foldOf = foldOf.clone();
            this.post = new double[names.size()][n][];
            this.filled = new BitSet[names.size()];
            for (int m = 0; m < filled.length; m++) {
                filled[m] = new BitSet(n);
            }
        }

        /**
         * Adds the predictions of member {@code member}'s model for fold {@code fold}.
         *
         * @param trainedOn  the rows that model was fitted on
         * @param predicted  the rows it predicted
         * @param posteriors (predicted.length, k)
         * @throws LeakageException when a predicted row is among {@code trainedOn}, or is not of {@code fold}
         */
        public Builder add(int member, int fold, int[] trainedOn, int[] predicted, double[][] posteriors) {
            if (posteriors.length != predicted.length) {
                throw new IllegalArgumentException(predicted.length + " rows, " + posteriors.length + " posteriors");
            }
            BitSet train = new BitSet(n);
            for (int i : trainedOn) {
                train.set(i);
            }
            for (int j = 0; j < predicted.length; j++) {
                int i = predicted[j];
                if (train.get(i)) {
                    throw new LeakageException(
                            "in-fold prediction: member '" + names.get(member) + "' fold " + fold + " predicted row "
                                    + i + " that its model was trained on; level-1 data must be out-of-fold");
                }
                if (foldOf[i] != fold) {
                    throw new LeakageException("member '" + names.get(member) + "' fold " + fold + " predicted row " + i
                            + " of fold " + foldOf[i]);
                }
                if (filled[member].get(i)) {
                    throw new LeakageException("member '" + names.get(member) + "' predicted row " + i + " twice");
                }
                if (posteriors[j].length != k) {
                    throw new IllegalArgumentException(
                            "posterior of length " + posteriors[j].length + ", expected " + k);
                }
                filled[member].set(i);
                post[member][i] = posteriors[j].clone();
            }
            return this;
        }

        public OutOfFold build() {
            for (int m = 0; m < post.length; m++) {
                int missing = filled[m].nextClearBit(0);
                if (missing < n) {
                    throw new LeakageException(
                            "member '" + names.get(m) + "' has no out-of-fold prediction for row " + missing);
                }
            }
            return new OutOfFold(post, foldOf, names);
        }
    }

    @Override
    public String toString() {
        return "OutOfFold[" + memberNames + ", " + rows() + " rows, folds "
                + Arrays.stream(foldOf).max().orElse(-1) + 1 + "]";
    }
}
