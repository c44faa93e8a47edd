package dev.drafthorse.ensemble.method;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.learner.BoostedClassifier;
import dev.drafthorse.ensemble.learner.Classifier;

/**
 * Boosting with Smile: {@code ensemble.boosting.algorithm = gradient} (GradientTreeBoost) or
 * {@code adaboost} (AdaBoost). Each round fits the previous rounds' errors, so training is sequential and
 * runs in one task; the seed is {@code ensemble.seed}.
 */
public final class Boosting {
    private Boosting() {}

    public static Classifier train(Dataset d, EnsembleParams p) {
        return BoostedClassifier.fit(d.x(), d.y(), d.numClasses(), p, Seeds.derive(p.seed(), 0xB005L, 0));
    }
}
