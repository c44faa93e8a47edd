package dev.drafthorse.ensemble.method;

import static org.junit.jupiter.api.Assertions.*;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.Synthetic;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.eval.Metrics;
import dev.drafthorse.ensemble.learner.Classifier;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import smile.base.cart.SplitRule;
import smile.classification.RandomForest;
import smile.data.DataFrame;
import smile.data.formula.Formula;
import smile.data.vector.IntVector;

class BaggingTest {

    static EnsembleParams params(String... kv) {
        EnsembleParams p = EnsembleParams.defaults();
        for (int i = 0; i < kv.length; i += 2) {
            p = p.with(kv[i], kv[i + 1]);
        }
        return p;
    }

    static double accuracy(Classifier c, Dataset test) {
        int ok = 0;
        for (int i = 0; i < test.size(); i++) {
            if (c.predict(test.x()[i]) == test.y()[i]) {
                ok++;
            }
        }
        return (double) ok / test.size();
    }

    /**
     * Acceptance: bagged trees with mtry = floor(sqrt(p)) and bootstrap sampling are a random forest, so on the
     * same data with the same tree settings their held-out accuracy must match Smile's RandomForest within
     * 3 points (the seeds differ, so the forests differ tree by tree; 100 trees keep that noise well below
     * the margin: each run's standard error on 500 held-out rows is about 1.6 points, mostly shared).
     */
    @Test
    void baggedTreesAgreeWithSmileRandomForest() {
        Dataset all = Synthetic.nonlinear(1500, 8, 0.05, 7);
        Dataset[] split = all.split(1.0 / 3, 11);
        Dataset train = split[0], test = split[1];
        int trees = 100, mtry = 2, maxDepth = 20, maxNodes = train.size() / 5, nodeSize = 5;

        BaggingModel ours = Bagging.train(
                train,
                params(
                        "ensemble.bagging.members",
                        "" + trees,
                        "ensemble.tree.mtry",
                        "" + mtry,
                        "ensemble.tree.max_depth",
                        "" + maxDepth,
                        "ensemble.tree.max_nodes",
                        "" + maxNodes,
                        "ensemble.tree.node_size",
                        "" + nodeSize));

        DataFrame df = DataFrame.of(train.x(), names(8)).merge(IntVector.of("y", train.y()));
        RandomForest rf = RandomForest.fit(
                Formula.lhs("y"),
                df,
                trees,
                mtry,
                SplitRule.GINI,
                maxDepth,
                maxNodes,
                nodeSize,
                1.0,
                null,
                LongStream.rangeClosed(2, trees + 1));
        DataFrame tdf = DataFrame.of(test.x(), names(8));
        int ok = 0;
        for (int i = 0; i < test.size(); i++) {
            if (rf.predict(tdf.get(i)) == test.y()[i]) {
                ok++;
            }
        }
        double rfAcc = (double) ok / test.size();
        double ourAcc = accuracy(ours, test);
        System.err.printf(
                "held-out accuracy: our bagged trees %.4f, Smile RandomForest %.4f; OOB %.4f vs %.4f%n",
                ourAcc, rfAcc, ours.oobAccuracy(), rf.metrics().accuracy);
        assertTrue(ourAcc > 0.8, "bagged trees learn the task: " + ourAcc);
        assertEquals(rfAcc, ourAcc, 0.03, "bagged trees vs Smile RandomForest, held-out accuracy");
        assertEquals(
                rf.metrics().accuracy,
                ours.oobAccuracy(),
                0.04,
                "out-of-bag accuracy vs Smile's (ours averages posteriors, Smile votes)");
        assertEquals(train.size(), ours.oobRows(), "with 100 members every row is out of some bag");
    }

    private static String[] names(int p) {
        String[] n = new String[p];
        for (int j = 0; j < p; j++) {
            n[j] = "x" + j;
        }
        return n;
    }

    @Test
    void membersTrainedOneByOneMakeTheSameModel() {
        Dataset d = Synthetic.nonlinear(300, 5, 0.1, 3);
        for (String sampling : List.of("bootstrap", "poisson")) {
            EnsembleParams p = params("ensemble.bagging.members", "8", "ensemble.bagging.sampling", sampling);
            BaggingModel whole = Bagging.train(d, p);
            List<Classifier> members = new ArrayList<>();
            for (int m = 7; m >= 0; m--) {
                members.add(0, Bagging.trainMember(d, p, m)); // any order, any thread
            }
            BaggingModel assembled = Bagging.assemble(members, d, p);
            assertEquals(whole.oobAccuracy(), assembled.oobAccuracy());
            for (double[] x : d.x()) {
                assertArrayEquals(whole.posterior(x), assembled.posterior(x), 0.0, sampling);
            }
        }
    }

    @Test
    void logisticBaseLearnerAndVoting() {
        Dataset d = Synthetic.nonlinear(400, 5, 0.05, 5);
        BaggingModel lr =
                Bagging.train(d, params("ensemble.bagging.members", "10", "ensemble.bagging.base", "logistic"));
        assertTrue(
                lr.oobAccuracy() > 0.6 && lr.oobAccuracy() < 0.95,
                "linear model on a nonlinear task: " + lr.oobAccuracy());
        BaggingModel vote =
                Bagging.train(d, params("ensemble.bagging.members", "9", "ensemble.bagging.combine", "vote"));
        for (int i = 0; i < 20; i++) {
            double[] p = vote.posterior(d.x()[i]);
            assertEquals(0.0, (p[0] * 9) % 1.0, 1e-9, "vote shares are multiples of 1/9");
            assertEquals(1.0, p[0] + p[1], 1e-12);
        }
    }

    @Test
    void poissonWeightsDependOnRowIdNotPosition() {
        int n = 20000;
        long zeros = 0, sum = 0;
        for (int i = 0; i < n; i++) {
            int w = Bagging.poissonWeight(42, 3, "row-" + i);
            if (w == 0) {
                zeros++;
            }
            sum += w;
        }
        assertEquals(1.0, (double) sum / n, 0.03, "mean of Poisson(1)");
        assertEquals(Math.exp(-1), (double) zeros / n, 0.015, "P(0) of Poisson(1)");
        assertEquals(Bagging.poissonWeight(42, 3, "row-17"), Bagging.poissonWeight(42, 3, "row-17"));
        // a row's weight in member m is the same whatever else is in the data set
        Dataset d = Synthetic.nonlinear(50, 4, 0, 1);
        Dataset reversed = d.subset(
                java.util.stream.IntStream.range(0, 50).map(i -> 49 - i).toArray());
        EnsembleParams p = params("ensemble.bagging.sampling", "poisson");
        int[] a = Bagging.sampleCounts(d, p, 5), b = Bagging.sampleCounts(reversed, p, 5);
        for (int i = 0; i < 50; i++) {
            assertEquals(a[i], b[49 - i]);
        }
    }

    @Test
    void bootstrapIsStratified() {
        Dataset d = Synthetic.nonlinear(101, 4, 0, 9);
        int[] counts = Bagging.sampleCounts(d, EnsembleParams.defaults(), 0);
        int[] perClass = new int[2];
        for (int i = 0; i < d.size(); i++) {
            perClass[d.y()[i]] += counts[i];
        }
        assertArrayEquals(d.classCounts(), perClass, "each class is resampled to its own size");
    }

    @Test
    void memberIndexIsChecked() {
        Dataset d = Synthetic.nonlinear(30, 4, 0, 9);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Bagging.trainMember(d, params("ensemble.bagging.members", "4"), 4));
        assertTrue(e.getMessage().contains("ensemble.bagging.members"), e.getMessage());
    }

    @Test
    void metricsOfAPerfectAndAnInvertedScorer() {
        double[][] post = {{0.9, 0.1}, {0.2, 0.8}, {0.6, 0.4}, {0.3, 0.7}};
        int[] y = {0, 1, 0, 1};
        Metrics m = Metrics.of(post, y);
        assertEquals(1.0, m.accuracy());
        assertEquals(1.0, m.auc());
        assertEquals(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.6) + Math.log(0.7)) / 4, m.logLoss(), 1e-12);
        assertEquals(0.0, Metrics.auc(new double[] {0.9, 0.1}, new int[] {0, 1}));
        assertEquals(0.5, Metrics.auc(new double[] {0.5, 0.5}, new int[] {0, 1}));
    }
}
