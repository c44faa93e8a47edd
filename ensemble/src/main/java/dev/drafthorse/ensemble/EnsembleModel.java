package dev.drafthorse.ensemble;

import dev.drafthorse.ensemble.data.FeatureTable;
import dev.drafthorse.ensemble.data.Features;
import dev.drafthorse.ensemble.data.SourceData;
import dev.drafthorse.ensemble.io.ModelHeader;
import dev.drafthorse.ensemble.learner.Classifier;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained ensemble with its header: what a model file holds. Immutable and thread-safe, so a Hive UDF can
 * cache one per JVM and a mapper can share it.
 */
public final class EnsembleModel {
    private final ModelHeader header;
    private final Classifier classifier;

    public EnsembleModel(ModelHeader header, Classifier classifier) {
        if (classifier.numClasses() != header.classes().size()) {
            throw new IllegalArgumentException("classifier has " + classifier.numClasses() + " classes, header "
                    + header.classes().size());
        }
        this.header = header;
        this.classifier = classifier;
    }

    public ModelHeader header() {
        return header;
    }

    public Classifier classifier() {
        return classifier;
    }

    public List<String> classes() {
        return header.classes();
    }

    public List<String> featureNames() {
        return header.features();
    }

    /** The feature table of new inputs, in this model's column order (built from its source specs). */
    public FeatureTable features(List<? extends SourceData> inputs) {
        return Features.build(header.sources(), inputs);
    }

    /** Predicts one row given in this model's feature order. */
    public Prediction predict(String id, double[] x) {
        if (x.length != header.features().size()) {
            throw new IllegalArgumentException("row '" + id + "' has " + x.length + " features, the model expects "
                    + header.features().size());
        }
        double[] post = classifier.posterior(x);
        int c = Classifier.argmax(post);
        return new Prediction(id, header.classes().get(c), post[c], post);
    }

    /** Predicts every row of {@code table}; its columns are matched to the model's by name. */
    public List<Prediction> predict(FeatureTable table) {
        FeatureTable t = table.featureNames().equals(header.features()) ? table : table.select(header.features());
        List<Prediction> out = new ArrayList<>(t.size());
        for (int i = 0; i < t.size(); i++) {
            out.add(predict(t.ids().get(i), t.rows()[i]));
        }
        return out;
    }

    /** Predicts every row of the inputs (the union of their ids). */
    public List<Prediction> predictInputs(List<? extends SourceData> inputs) {
        return predict(features(inputs));
    }
}
