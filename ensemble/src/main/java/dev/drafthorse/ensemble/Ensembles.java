package dev.drafthorse.ensemble;

import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.data.Features;
import dev.drafthorse.ensemble.data.Labels;
import dev.drafthorse.ensemble.data.SourceData;
import dev.drafthorse.ensemble.data.SourceSpec;
import dev.drafthorse.ensemble.io.ModelFile;
import dev.drafthorse.ensemble.io.ModelHeader;
import dev.drafthorse.ensemble.learner.Classifier;
import dev.drafthorse.ensemble.method.Bagging;
import dev.drafthorse.ensemble.method.BaggingModel;
import dev.drafthorse.ensemble.method.Boosting;
import dev.drafthorse.ensemble.method.Stacking;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training entry points: inputs and labels in, an {@link EnsembleModel} out.
 *
 * <pre>{@code
 * List<SourceData> inputs = List.of(SourceData.read("llama_yesno", path, reader), ...);
 * Labels labels = Labels.readTsv("labels.tsv", reader);
 * Ensembles.Training t = Ensembles.prepare(inputs, labels);
 * EnsembleModel model = Ensembles.train(t.data(), t.sources(), EnsembleParams.defaults());
 * ModelFile.write(model, out);
 * }</pre>
 */
public final class Ensembles {
    private Ensembles() {}

    /** Labeled training rows and the sources they were built from. */
    public record Training(Dataset data, List<SourceSpec> sources) {}

    /** Joins inputs with labels: rows without a label are left out and counted ({@code data().unlabeled()}). */
    public static Training prepare(List<? extends SourceData> inputs, Labels labels) {
        List<SourceSpec> specs = Features.describe(inputs, labels.classes());
        Dataset d = Dataset.of(Features.build(specs, inputs), labels);
        // generated-text answers are matched against the labels of labeled rows only
        List<SourceSpec> fixed = Features.describe(inputs, d.classes());
        if (!fixed.equals(specs)) {
            d = Dataset.of(Features.build(fixed, inputs), labels);
        }
        return new Training(d, fixed);
    }

    /** Trains with {@code p.method()}. */
    public static EnsembleModel train(Dataset d, List<SourceSpec> sources, EnsembleParams p) {
        Classifier c = switch (p.method()) {
            case BAGGING -> Bagging.train(d, p);
            case BOOSTING -> Boosting.train(d, p);
            case STACKING -> Stacking.train(d, sources, p);
        };
        return finish(d, sources, p, c);
    }

    /**
     * The model of a classifier trained on {@code d} with {@code p}, here or assembled from units trained
     * elsewhere (the {@code ensemble-train} job): the header and training metadata {@link #train} writes, so
     * the same classifier gives the same model bytes either way.
     */
    public static EnsembleModel finish(Dataset d, List<SourceSpec> sources, EnsembleParams p, Classifier c) {
        c = normalized(c);
        Map<String, String> meta = new LinkedHashMap<>();
        if (c instanceof BaggingModel b) {
            meta.put("oob_accuracy", Double.toString(b.oobAccuracy()));
            meta.put("oob_rows", Integer.toString(b.oobRows()));
        }
        return wrap(d, sources, p, c, meta);
    }

    /**
     * The classifier as a model file gives it back: serialized and read again, so that a classifier assembled from
     * members trained and serialized elsewhere and the same classifier trained here are in the same, stable form
     * (Smile's map-holding classes rebuilt from their {@code SerialForms}), and the model in memory is exactly the
     * one a reader loads.
     */
    static Classifier normalized(Classifier c) {
        try {
            java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream o = dev.drafthorse.ensemble.io.SafeObjectInput.output(buf)) {
                o.writeObject(c);
            }
            try (java.io.ObjectInputStream in = dev.drafthorse.ensemble.io.SafeObjectInput.open(
                    new java.io.ByteArrayInputStream(buf.toByteArray()),
                    new dev.drafthorse.ensemble.io.SafeObjectInput.Filter(buf.size()))) {
                return (Classifier) in.readObject();
            }
        } catch (java.io.IOException | ClassNotFoundException e) {
            throw new IllegalStateException(
                    "could not serialize the trained " + c.getClass().getName() + ": " + e, e);
        }
    }

    /** Puts a header on a trained classifier (for members trained elsewhere, such as in reducers). */
    public static EnsembleModel wrap(
            Dataset d, List<SourceSpec> sources, EnsembleParams p, Classifier c, Map<String, String> extra) {
        Map<String, String> meta = new LinkedHashMap<>(extra);
        meta.put("rows", Integer.toString(d.size()));
        meta.put("unlabeled_rows", Integer.toString(d.unlabeled()));
        meta.put("labels_without_rows", Integer.toString(d.unmatchedLabels()));
        int[] counts = d.classCounts();
        for (int i = 0; i < counts.length; i++) {
            meta.put("class_count." + d.classes().get(i), Integer.toString(counts[i]));
        }
        ModelHeader h = new ModelHeader(
                ModelFile.FORMAT_VERSION,
                ModelHeader.runtimeSmileVersion(),
                p.method(),
                d.classes(),
                d.featureNames(),
                sources,
                p.asMap(),
                meta,
                c.getClass().getName());
        return new EnsembleModel(h, c);
    }
}
