package dev.drafthorse.ensemble.method;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.learner.Classifier;
import dev.drafthorse.ensemble.learner.Learners;

/**
 * A level-0 member of stacking, as a recipe: how to fit it on some rows. Recipes are fitted once per fold
 * (for the out-of-fold level-1 data) and once on all rows (for prediction).
 */
public interface Level0 {

    /** A name for reports, such as {@code source:gpt2_yesno} or {@code bagging}. */
    String name();

    /** Fits on {@code train}; the result takes full feature vectors. */
    Classifier fit(Dataset train, EnsembleParams p, long seed);

    /** An LLM output's own probabilities, when its candidates are the labels. */
    static Level0 sourceProbs(String name, int missingColumn, int[] probColumns) {
        SourceProbClassifier fixed = new SourceProbClassifier(missingColumn, probColumns);
        return new Level0() {
            public String name() {
                return name;
            }

            public Classifier fit(Dataset train, EnsembleParams p, long seed) {
                return fixed;
            }
        };
    }

    /** A base learner on the given columns ({@code null}: all). */
    static Level0 learner(String name, EnsembleParams.BaseLearner kind, int[] columns) {
        return new Level0() {
            public String name() {
                return name;
            }

            public Classifier fit(Dataset train, EnsembleParams p, long seed) {
                Dataset d = columns == null ? train : train.columns(columns);
                Classifier c = Learners.fit(kind, d.x(), d.y(), d.numClasses(), null, p, seed, false);
                return columns == null ? c : new ColumnsClassifier(columns, c);
            }
        };
    }

    /** A bagging ensemble on all columns. */
    static Level0 bagging() {
        return new Level0() {
            public String name() {
                return "bagging";
            }

            public Classifier fit(Dataset train, EnsembleParams p, long seed) {
                return Bagging.train(train, p.with(EnsembleParams.Key.SEED.key, Long.toString(seed)));
            }
        };
    }

    /** A boosting ensemble on all columns. */
    static Level0 boosting() {
        return new Level0() {
            public String name() {
                return "boosting";
            }

            public Classifier fit(Dataset train, EnsembleParams p, long seed) {
                return Boosting.train(train, p.with(EnsembleParams.Key.SEED.key, Long.toString(seed)));
            }
        };
    }
}
