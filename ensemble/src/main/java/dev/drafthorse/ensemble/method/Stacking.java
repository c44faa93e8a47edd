package dev.drafthorse.ensemble.method;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.data.SourceSpec;
import dev.drafthorse.ensemble.learner.Classifier;
import dev.drafthorse.ensemble.learner.Learners;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Stacked generalization (Wolpert 1992): a level-1 learner learns how far to trust each level-0 member from
 * the members' predictions on rows they did not see.
 *
 * <ol>
 *   <li>Rows get stratified folds ({@code ensemble.stacking.folds}): within each class a seeded shuffle,
 *       then round robin, so every fold has each class in proportion.</li>
 *   <li>For each fold f and member m, m is fitted on the other folds and predicts fold f: the
 *       {@link OutOfFold} predictions, checked for leakage as they are joined.</li>
 *   <li>The meta-learner ({@code ensemble.stacking.meta}, logistic by default) is fitted on the members'
 *       out-of-fold log-odds: for each member, {@code log p_c - log p_0}, c = 1..k-1 (clipped at 1e-6), the
 *       scale on which a logistic meta-learner's weights are "trust in this member".</li>
 *   <li>The members are refitted on all rows; prediction feeds their outputs to the meta-learner.</li>
 * </ol>
 * Members ({@code ensemble.stacking.members}): {@code sources} (each input: its own probabilities when its
 * candidates are the labels, else a logistic regression on its features alone), {@code tree},
 * {@code logistic}, {@code bagging}, {@code boosting} (on all features).
 */
public final class Stacking {
    private Stacking() {}

    static final double CLIP = 1e-6;

    /** Stratified fold of each row (n), in [0, folds). */
    public static int[] folds(int[] y, int k, int folds, long seed) {
        int[] fold = new int[y.length];
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, 0xF01DL, 0));
        int next = 0;
        for (int c = 0; c < k; c++) {
            final int cls = c;
            int[] rows = IntStream.range(0, y.length).filter(i -> y[i] == cls).toArray();
            Dataset.shuffle(rows, rng);
            // continue the round robin across classes so small classes do not all land in fold 0
            for (int r : rows) {
                fold[r] = next++ % folds;
            }
        }
        return fold;
    }

    /** The level-0 recipes that {@code p} asks for over data with these sources. */
    public static List<Level0> members(Dataset d, List<SourceSpec> sources, EnsembleParams p) {
        List<Level0> out = new ArrayList<>();
        for (EnsembleParams.StackingMember kind : p.stackingMembers()) {
            switch (kind) {
                case SOURCES -> {
                    if (sources.isEmpty()) {
                        throw new IllegalArgumentException(
                                EnsembleParams.Key.STACKING_MEMBERS.key
                                        + " includes 'sources' but the data has no sources (use tree, logistic, bagging or boosting)");
                    }
                    for (SourceSpec s : sources) {
                        out.add(sourceMember(d, s));
                    }
                }
                case TREE -> out.add(Level0.learner("tree", EnsembleParams.BaseLearner.TREE, null));
                case LOGISTIC -> out.add(Level0.learner("logistic", EnsembleParams.BaseLearner.LOGISTIC, null));
                case BAGGING -> out.add(Level0.bagging());
                case BOOSTING -> out.add(Level0.boosting());
            }
        }
        return out;
    }

    /** One member for one source: its probabilities when its candidates name every class, else a logistic regression on its block. */
    static Level0 sourceMember(Dataset d, SourceSpec s) {
        List<String> names = s.featureNames();
        int start = d.featureNames().indexOf(names.get(0));
        if (start < 0) {
            throw new IllegalArgumentException("source '" + s.name() + "' has no columns in the data");
        }
        if (s.kind() == SourceSpec.Kind.SCORE) {
            int[] probCols = new int[d.numClasses()];
            boolean all = true;
            for (int c = 0; c < d.numClasses() && all; c++) {
                int cand = indexIgnoringCase(s.values(), d.classes().get(c));
                if (cand < 0) {
                    all = false;
                } else {
                    probCols[c] = start + s.probColumn(cand);
                }
            }
            if (all) {
                return Level0.sourceProbs("source:" + s.name(), start, probCols);
            }
        }
        int[] cols = IntStream.range(start, start + names.size()).toArray();
        return Level0.learner("source:" + s.name() + "(logistic)", EnsembleParams.BaseLearner.LOGISTIC, cols);
    }

    private static int indexIgnoringCase(List<String> values, String wanted) {
        String w = wanted.strip().toLowerCase(Locale.ROOT);
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).strip().toLowerCase(Locale.ROOT).equals(w)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Level-1 features of one row from its members' posteriors: for each member m and class c = 1..k-1,
     * {@code log max(p_c, 1e-6) - log max(p_0, 1e-6)}.
     *
     * @param posteriors (members, k)
     * @param out        (members·(k-1)) or {@code null}
     */
    public static double[] level1(double[][] posteriors, double[] out) {
        int k = posteriors[0].length;
        if (out == null) {
            out = new double[posteriors.length * (k - 1)];
        }
        int j = 0;
        for (double[] p : posteriors) {
            double base = Math.log(Math.max(p[0], CLIP));
            for (int c = 1; c < k; c++) {
                out[j++] = Math.log(Math.max(p[c], CLIP)) - base;
            }
        }
        return out;
    }

    /**
     * One fold of one member: fitted on the rows outside fold {@code fold}, predicting the rows inside it.
     * The unit of work of a stacking reducer; join results with {@link OutOfFold#builder}.
     *
     * @param trainedOn  rows the model was fitted on
     * @param predicted  rows of the fold
     * @param posteriors (predicted.length, k)
     */
    public record FoldResult(int member, int fold, int[] trainedOn, int[] predicted, double[][] posteriors) {
        /** Adds this result to {@code b} (which checks it for leakage). */
        public void addTo(OutOfFold.Builder b) {
            b.add(member, fold, trainedOn, predicted, posteriors);
        }
    }

    /** Fits member {@code m} on every row outside {@code fold} and predicts the fold's rows. */
    public static FoldResult trainFold(Dataset d, Level0 member, int m, int[] foldOf, int fold, EnsembleParams p) {
        int[] train =
                IntStream.range(0, d.size()).filter(i -> foldOf[i] != fold).toArray();
        int[] test = IntStream.range(0, d.size()).filter(i -> foldOf[i] == fold).toArray();
        double[][] post = new double[test.length][];
        if (test.length > 0) {
            Classifier c = member.fit(d.subset(train), p, memberSeed(p, m, fold));
            for (int j = 0; j < test.length; j++) {
                post[j] = c.posterior(d.x()[test[j]]);
            }
        }
        return new FoldResult(m, fold, train, test, post);
    }

    /** Fits every member on every fold's complement and predicts that fold. */
    public static OutOfFold outOfFold(Dataset d, List<Level0> members, int[] foldOf, int folds, EnsembleParams p) {
        List<String> names = members.stream().map(Level0::name).toList();
        OutOfFold.Builder b = OutOfFold.builder(d.size(), d.numClasses(), names, foldOf);
        for (int f = 0; f < folds; f++) {
            for (int m = 0; m < members.size(); m++) {
                trainFold(d, members.get(m), m, foldOf, f, p).addTo(b);
            }
        }
        return b.build();
    }

    /** Member {@code m} refitted on all rows: the one that predicts. */
    public static Classifier refit(Dataset d, Level0 member, int m, EnsembleParams p) {
        return member.fit(d, p, memberSeed(p, m, -1));
    }

    /** Joins members refitted elsewhere (in member order) and a meta-learner into the model. */
    public static StackingModel assemble(List<Classifier> refitted, List<String> names, Classifier meta) {
        if (refitted.size() != names.size()) {
            throw new IllegalArgumentException(refitted.size() + " members, " + names.size() + " names");
        }
        return new StackingModel(refitted, names, meta);
    }

    /** Seed of member {@code m} on fold {@code fold} ({@code fold = -1}: the refit on all rows). */
    public static long memberSeed(EnsembleParams p, int m, int fold) {
        return Seeds.derive(p.seed(), 0x57ACL + m, fold + 1L);
    }

    /** Fits the level-1 learner; {@link OutOfFold} is its only possible input. */
    public static Classifier fitMeta(OutOfFold oof, int[] y, int k, EnsembleParams p) {
        double[][] z = oof.level1();
        EnsembleParams.BaseLearner kind = p.stackingMeta() == EnsembleParams.MetaLearner.TREE
                ? EnsembleParams.BaseLearner.TREE
                : EnsembleParams.BaseLearner.LOGISTIC;
        return Learners.fit(kind, z, y, k, null, p, Seeds.derive(p.seed(), 0x3E7AL, 0), false);
    }

    /** The whole procedure. */
    public static StackingModel train(Dataset d, List<SourceSpec> sources, EnsembleParams p) {
        return trainMembers(d, members(d, sources, p), p);
    }

    /** The whole procedure with explicit members. */
    public static StackingModel trainMembers(Dataset d, List<Level0> members, EnsembleParams p) {
        int[] counts = d.classCounts();
        int smallest = java.util.Arrays.stream(counts).min().orElse(0);
        if (smallest < 1) {
            throw new IllegalArgumentException("a class has no rows");
        }
        int[] foldOf = folds(d.y(), d.numClasses(), p.stackingFolds(), p.seed());
        OutOfFold oof = outOfFold(d, members, foldOf, p.stackingFolds(), p);
        Classifier meta = fitMeta(oof, d.y(), d.numClasses(), p);
        List<Classifier> refit = new ArrayList<>();
        for (int m = 0; m < members.size(); m++) {
            refit.add(refit(d, members.get(m), m, p));
        }
        return assemble(refit, oof.memberNames(), meta);
    }
}
