package dev.drafthorse.ensemble.method;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.learner.Classifier;
import dev.drafthorse.ensemble.learner.Learners;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Bagging (Breiman 1996): train each member on a resample of the rows and combine them. Averaging many
 * high-variance learners (deep trees) cuts variance without adding bias; with random feature subsets at each
 * split ({@code ensemble.tree.mtry}, default floor(sqrt(p))) bagged trees are a random forest.
 *
 * <p>Two samplings ({@code ensemble.bagging.sampling}):
 * <ul>
 *   <li>{@code bootstrap}: n draws with replacement, stratified by class like Smile's RandomForest
 *       (each class resampled to its own size, so no member misses a class). Needs the row index.</li>
 *   <li>{@code poisson}: row weight ~ Poisson(1), drawn from a stream keyed by (seed, member, row id), the
 *       limit of the bootstrap for large n. A mapper can weight a row without knowing n or the other rows
 *       (one streaming pass, as Hivemall's {@code rand_amplify}); see {@link #poissonWeight}.</li>
 * </ul>
 * Member {@code m} is a pure function of (rows, parameters, m): {@link #trainMember} trains one alone (a
 * reducer's work) and {@link #assemble} joins members trained anywhere into the same model as
 * {@link #train}.
 */
public final class Bagging {
    private Bagging() {}

    /** The seed of member {@code member} (its sample, then its learner's random choices). */
    public static long memberSeed(long seed, int member) {
        return Seeds.derive(seed, 0xBA66L, member);
    }

    /** Poisson(1) weight of row {@code rowId} in member {@code member} (inversion; P(0) = 1/e). */
    public static int poissonWeight(long seed, int member, String rowId) {
        double u = Seeds.unit(Seeds.mix(Seeds.derive(seed, member, Seeds.hash(rowId))));
        double p = Math.exp(-1.0);
        double cdf = p;
        int x = 0;
        while (u >= cdf && x < 64) {
            x++;
            p /= x;
            cdf += p;
        }
        return x;
    }

    /** How many times each row is in member {@code member}'s sample (n). */
    public static int[] sampleCounts(Dataset d, EnsembleParams p, int member) {
        int n = d.size();
        int[] counts = new int[n];
        if (p.baggingSampling() == EnsembleParams.Sampling.POISSON) {
            for (int i = 0; i < n; i++) {
                counts[i] = poissonWeight(p.seed(), member, d.ids().get(i));
            }
            return counts;
        }
        SplittableRandom rng = new SplittableRandom(memberSeed(p.seed(), member));
        for (int c = 0; c < d.numClasses(); c++) {
            int[] rows = d.classRows(c);
            for (int t = 0; t < rows.length; t++) {
                counts[rows[rng.nextInt(rows.length)]]++;
            }
        }
        return counts;
    }

    /** Trains member {@code member} alone: the unit of work of a bagging reducer. */
    public static Classifier trainMember(Dataset d, EnsembleParams p, int member) {
        if (member < 0 || member >= p.baggingMembers()) {
            throw new IllegalArgumentException("member " + member + " outside [0, " + p.baggingMembers() + ") ("
                    + EnsembleParams.Key.BAGGING_MEMBERS.key + ")");
        }
        int[] counts = sampleCounts(d, p, member);
        long learnerSeed = Seeds.mix(memberSeed(p.seed(), member));
        return Learners.fit(p.baggingBase(), d.x(), d.y(), d.numClasses(), counts, p, learnerSeed, true);
    }

    /** Trains every member (in parallel over members) and assembles them. */
    public static BaggingModel train(Dataset d, EnsembleParams p) {
        Classifier[] members = IntStream.range(0, p.baggingMembers())
                .parallel()
                .mapToObj(m -> trainMember(d, p, m))
                .toArray(Classifier[]::new);
        return assemble(List.of(members), d, p);
    }

    /**
     * Joins members {@code 0..M-1} (in index order) into the ensemble and computes the out-of-bag accuracy
     * on {@code d}, the rows they were trained on (their samples are recomputed from the seed).
     */
    public static BaggingModel assemble(List<Classifier> members, Dataset d, EnsembleParams p) {
        if (members.size() != p.baggingMembers()) {
            throw new IllegalArgumentException(members.size() + " members given, "
                    + EnsembleParams.Key.BAGGING_MEMBERS.key + " = " + p.baggingMembers());
        }
        int n = d.size(), k = d.numClasses();
        double[][] oob = new double[n][k];
        double[] post = new double[k];
        for (int m = 0; m < members.size(); m++) {
            int[] counts = sampleCounts(d, p, m);
            for (int i = 0; i < n; i++) {
                if (counts[i] != 0) {
                    continue;
                }
                members.get(m).posterior(d.x()[i], post);
                if (p.baggingCombine() == EnsembleParams.Combine.VOTE) {
                    oob[i][Classifier.argmax(post)] += 1;
                } else {
                    for (int c = 0; c < k; c++) {
                        oob[i][c] += post[c];
                    }
                }
            }
        }
        int rows = 0, correct = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (double v : oob[i]) {
                s += v;
            }
            if (s == 0) {
                continue;
            }
            rows++;
            if (Classifier.argmax(oob[i]) == d.y()[i]) {
                correct++;
            }
        }
        return new BaggingModel(
                members.toArray(new Classifier[0]),
                p.baggingCombine(),
                k,
                rows == 0 ? Double.NaN : (double) correct / rows,
                rows);
    }
}
