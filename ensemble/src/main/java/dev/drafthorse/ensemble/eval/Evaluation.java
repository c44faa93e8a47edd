package dev.drafthorse.ensemble.eval;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.data.SourceSpec;
import dev.drafthorse.ensemble.learner.Classifier;
import dev.drafthorse.ensemble.learner.Learners;
import dev.drafthorse.ensemble.method.Bagging;
import dev.drafthorse.ensemble.method.Boosting;
import dev.drafthorse.ensemble.method.Level0;
import dev.drafthorse.ensemble.method.Stacking;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every member alone and every ensemble, trained on one part of the labeled rows and scored on held-out
 * rows: the answer to "does combining help here?".
 *
 * <p>Members: each input source alone (its own probabilities when its candidates are the labels, else a
 * logistic regression on its features), a single tree and a logistic regression on all features.
 * Ensembles: bagging of trees (a random forest), bagging of logistic regressions, gradient boosting,
 * AdaBoost, and stacking, each with the hyperparameters given (method-specific keys of the other methods
 * keep their values).
 */
public final class Evaluation {
    private Evaluation() {}

    /** One evaluated model. */
    public record Result(String name, String kind, Metrics metrics, double[][] posteriors) {}

    /** The report: results in order, with the held-out truths. */
    public record Report(List<Result> results, int[] truth, List<String> classes, int trainRows, int testRows) {
        /** A fixed-width text table, one row per model. */
        public String table() {
            StringBuilder sb = new StringBuilder();
            int w = Math.max(
                    24, results.stream().mapToInt(r -> r.name().length()).max().orElse(0) + 2);
            sb.append(String.format(
                    Locale.ROOT, "%-" + w + "s %-9s %9s %9s %9s%n", "model", "kind", "accuracy", "log_loss", "auc"));
            for (Result r : results) {
                Metrics m = r.metrics();
                sb.append(String.format(
                        Locale.ROOT,
                        "%-" + w + "s %-9s %9.4f %9.4f %9s%n",
                        r.name(),
                        r.kind(),
                        m.accuracy(),
                        m.logLoss(),
                        Double.isNaN(m.auc()) ? "-" : String.format(Locale.ROOT, "%.4f", m.auc())));
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "(trained on %d rows, scored on %d held-out rows; classes %s)%n",
                    trainRows,
                    testRows,
                    classes));
            return sb.toString();
        }
    }

    public static Report run(Dataset train, Dataset test, List<SourceSpec> sources, EnsembleParams p) {
        if (!train.classes().equals(test.classes()) || !train.featureNames().equals(test.featureNames())) {
            throw new IllegalArgumentException("train and held-out rows differ in classes or features");
        }
        List<Result> out = new ArrayList<>();
        for (SourceSpec s : sources) {
            Level0 l = Stacking.members(train, List.of(s), p.with(EnsembleParams.Key.STACKING_MEMBERS.key, "sources"))
                    .get(0);
            out.add(score(l.name(), "member", l.fit(train, p, p.seed()), test));
        }
        out.add(score(
                "tree",
                "member",
                Learners.fit(
                        EnsembleParams.BaseLearner.TREE,
                        train.x(),
                        train.y(),
                        train.numClasses(),
                        null,
                        p,
                        p.seed(),
                        false),
                test));
        out.add(score(
                "logistic",
                "member",
                Learners.fit(
                        EnsembleParams.BaseLearner.LOGISTIC,
                        train.x(),
                        train.y(),
                        train.numClasses(),
                        null,
                        p,
                        p.seed(),
                        false),
                test));
        out.add(score(
                "bagging(tree)",
                "ensemble",
                Bagging.train(train, p.with(EnsembleParams.Key.BAGGING_BASE.key, "tree")),
                test));
        out.add(score(
                "bagging(logistic)",
                "ensemble",
                Bagging.train(train, p.with(EnsembleParams.Key.BAGGING_BASE.key, "logistic")),
                test));
        out.add(score(
                "boosting(gradient)",
                "ensemble",
                Boosting.train(train, p.with(EnsembleParams.Key.BOOSTING_ALGORITHM.key, "gradient")),
                test));
        out.add(score(
                "boosting(adaboost)",
                "ensemble",
                Boosting.train(train, p.with(EnsembleParams.Key.BOOSTING_ALGORITHM.key, "adaboost")),
                test));
        EnsembleParams sp = p;
        if (sources.isEmpty() && p.stackingMembers().contains(EnsembleParams.StackingMember.SOURCES)) {
            sp = p.with(EnsembleParams.Key.STACKING_MEMBERS.key, "tree,logistic");
        }
        out.add(score("stacking", "ensemble", Stacking.train(train, sources, sp), test));
        return new Report(out, test.y().clone(), train.classes(), train.size(), test.size());
    }

    /** Scores one classifier on held-out rows. */
    public static Result score(String name, String kind, Classifier c, Dataset test) {
        double[][] post = new double[test.size()][];
        for (int i = 0; i < test.size(); i++) {
            post[i] = c.posterior(test.x()[i]);
        }
        return new Result(name, kind, Metrics.of(post, test.y()), post);
    }
}
