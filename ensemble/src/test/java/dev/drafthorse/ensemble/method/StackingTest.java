package dev.drafthorse.ensemble.method;

import static org.junit.jupiter.api.Assertions.*;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.Ensembles;
import dev.drafthorse.ensemble.Synthetic;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.data.Labels;
import dev.drafthorse.ensemble.data.SourceData;
import dev.drafthorse.ensemble.eval.Evaluation;
import dev.drafthorse.ensemble.learner.Classifier;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StackingTest {

    /**
     * Acceptance: four LLM outputs with known, different error patterns: A and B right 75% of the time with
     * independent errors, C systematically wrong (a template whose answers are swapped: right 25%), D weak
     * (65%); each is less confident when wrong. The best member scores about 75%; a logistic meta-learner
     * learns to trust A and B, to invert C and to discount D (a weighted vote of log-odds), which should give
     * about 88%. Asserted: stacking beats the best member by 5 points on 1200 held-out rows.
     */
    @Test
    void stackingBeatsTheBestMember() throws IOException {
        int n = 4000;
        int[] truth = Synthetic.truths(n, 1);
        List<SourceData> inputs = List.of(
                SourceData.read(
                        "a", "a.jsonl", new StringReader(Synthetic.scoreOutput(truth, Synthetic.member(0.75), 11))),
                SourceData.read(
                        "b", "b.jsonl", new StringReader(Synthetic.scoreOutput(truth, Synthetic.member(0.75), 12))),
                SourceData.read(
                        "c_swapped",
                        "c.jsonl",
                        new StringReader(Synthetic.scoreOutput(truth, Synthetic.member(0.25), 13))),
                SourceData.read(
                        "d", "d.jsonl", new StringReader(Synthetic.scoreOutput(truth, Synthetic.member(0.65), 14))));
        Labels labels = Labels.readTsv("labels.tsv", new StringReader(Synthetic.labels(truth)));
        Ensembles.Training t = Ensembles.prepare(inputs, labels);
        Dataset[] split = t.data().split(0.3, 5);
        EnsembleParams p = EnsembleParams.defaults().with("ensemble.method", "stacking");
        StackingModel model = Stacking.train(split[0], t.sources(), p);
        assertEquals(
                List.of("source:a", "source:b", "source:c_swapped", "source:d"),
                model.memberNames(),
                "identity members: candidates are the labels");

        double best = 0;
        for (Classifier m : model.members()) {
            best = Math.max(
                    best, Evaluation.score("m", "member", m, split[1]).metrics().accuracy());
        }
        double stacked = Evaluation.score("stacking", "ensemble", model, split[1])
                .metrics()
                .accuracy();
        System.err.printf("held-out accuracy: best member %.4f, stacking %.4f%n", best, stacked);
        assertTrue(best > 0.7 && best < 0.8, "best member near 75%: " + best);
        assertTrue(stacked > best + 0.05, "stacking " + stacked + " beats the best member " + best + " by 5 points");
    }

    @Test
    void inFoldPredictionsAreRefused() {
        int[] foldOf = {0, 0, 1, 1};
        double[][] post = {{0.5, 0.5}, {0.5, 0.5}};
        OutOfFold.Builder b = OutOfFold.builder(4, 2, List.of("m"), foldOf);
        // a model trained on every row, predicting fold 0: the leak stacking must never learn from
        LeakageException e =
                assertThrows(LeakageException.class, () -> b.add(0, 0, new int[] {0, 1, 2, 3}, new int[] {0, 1}, post));
        assertTrue(e.getMessage().contains("in-fold prediction"), e.getMessage());

        OutOfFold.Builder wrongFold = OutOfFold.builder(4, 2, List.of("m"), foldOf);
        assertThrows(LeakageException.class, () -> wrongFold.add(0, 1, new int[] {0, 1}, new int[] {0, 1}, post));

        OutOfFold.Builder incomplete = OutOfFold.builder(4, 2, List.of("m"), foldOf);
        incomplete.add(0, 0, new int[] {2, 3}, new int[] {0, 1}, post);
        assertThrows(LeakageException.class, incomplete::build, "rows 2 and 3 have no out-of-fold prediction");

        OutOfFold ok = OutOfFold.builder(4, 2, List.of("m"), foldOf)
                .add(0, 0, new int[] {2, 3}, new int[] {0, 1}, post)
                .add(0, 1, new int[] {0, 1}, new int[] {2, 3}, post)
                .build();
        assertEquals(4, ok.rows());
    }

    /**
     * The level-1 data stacking builds is out-of-fold, shown empirically: on pure-noise labels a fully grown
     * tree is right on ~100% of its own training rows, yet the level-1 data it contributes is at chance.
     * Had stacking used in-fold predictions, the tree's column would be ~100% accurate.
     */
    @Test
    void levelOneDataIsOutOfFoldOnNoise() {
        int n = 600;
        SplittableRandom r = new SplittableRandom(3);
        double[][] x = new double[n][4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                x[i][j] = r.nextDouble();
            }
            y[i] = r.nextInt(2);
        }
        Dataset d = Dataset.of(x, y, 2);
        EnsembleParams p = EnsembleParams.defaults()
                .with("ensemble.tree.node_size", "1")
                .with("ensemble.tree.max_nodes", "100000");
        List<Level0> members = List.of(Level0.learner("memorizer", EnsembleParams.BaseLearner.TREE, null));
        Classifier inFold = members.get(0).fit(d, p, 1);
        double trainAcc =
                IntStream.range(0, n).filter(i -> inFold.predict(x[i]) == y[i]).count() / (double) n;
        assertTrue(trainAcc > 0.95, "the memorizer memorizes: " + trainAcc);

        int[] folds = Stacking.folds(y, 2, 5, 7);
        OutOfFold oof = Stacking.outOfFold(d, members, folds, 5, p);
        double oofAcc = IntStream.range(0, n)
                        .filter(i -> Classifier.argmax(oof.posterior(0, i)) == y[i])
                        .count()
                / (double) n;
        assertTrue(oofAcc < 0.6, "out-of-fold accuracy on noise is near chance: " + oofAcc);
    }

    @Test
    void foldsAreStratified() {
        int[] y = new int[103];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 3 == 0 ? 1 : 0;
        }
        int[] f = Stacking.folds(y, 2, 5, 1);
        for (int c = 0; c < 2; c++) {
            int[] per = new int[5];
            for (int i = 0; i < y.length; i++) {
                if (y[i] == c) {
                    per[f[i]]++;
                }
            }
            int min = IntStream.of(per).min().getAsInt(),
                    max = IntStream.of(per).max().getAsInt();
            assertTrue(max - min <= 1, "class " + c + " spread over folds: " + java.util.Arrays.toString(per));
        }
    }

    @Test
    void learnedMembersAndTreeMeta() {
        Dataset d = Synthetic.nonlinear(400, 5, 0.05, 2);
        EnsembleParams p = EnsembleParams.defaults()
                .with("ensemble.stacking.members", "tree,logistic,bagging,boosting")
                .with("ensemble.bagging.members", "5")
                .with("ensemble.boosting.trees", "20")
                .with("ensemble.stacking.meta", "tree")
                .with("ensemble.stacking.folds", "3");
        StackingModel m = Stacking.train(d, List.of(), p);
        assertEquals(List.of("tree", "logistic", "bagging", "boosting"), m.memberNames());
        List<Double> acc = new ArrayList<>();
        acc.add(Evaluation.score("s", "ensemble", m, d).metrics().accuracy());
        assertTrue(acc.get(0) > 0.8, "fits its training data: " + acc);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> Stacking.train(d, List.of(), EnsembleParams.defaults()));
        assertTrue(e.getMessage().contains("ensemble.stacking.members"), e.getMessage());
    }

    /** What the stacking job does: fold × member units in any order, then the meta-learner, then the refits. */
    @Test
    void foldByFoldTrainingGivesTheSameModel() {
        Dataset d = Synthetic.nonlinear(300, 5, 0.05, 12);
        EnsembleParams p = EnsembleParams.defaults()
                .with("ensemble.stacking.members", "tree,logistic")
                .with("ensemble.stacking.folds", "4");
        StackingModel local = Stacking.train(d, List.of(), p);

        List<Level0> members = Stacking.members(d, List.of(), p);
        int[] foldOf = Stacking.folds(d.y(), 2, 4, p.seed());
        OutOfFold.Builder b = OutOfFold.builder(
                d.size(), 2, members.stream().map(Level0::name).toList(), foldOf);
        for (int f = 3; f >= 0; f--) {
            for (int m = members.size() - 1; m >= 0; m--) {
                Stacking.trainFold(d, members.get(m), m, foldOf, f, p).addTo(b);
            }
        }
        Classifier meta = Stacking.fitMeta(b.build(), d.y(), 2, p);
        List<Classifier> refit = new ArrayList<>();
        for (int m = 0; m < members.size(); m++) {
            refit.add(Stacking.refit(d, members.get(m), m, p));
        }
        StackingModel distributed =
                Stacking.assemble(refit, members.stream().map(Level0::name).toList(), meta);
        for (double[] x : d.x()) {
            assertArrayEquals(local.posterior(x), distributed.posterior(x), 0.0);
        }
    }
}
