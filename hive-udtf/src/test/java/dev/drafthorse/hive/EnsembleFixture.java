package dev.drafthorse.hive;

import dev.drafthorse.ensemble.EnsembleModel;
import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.Ensembles;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.data.FeatureTable;
import dev.drafthorse.ensemble.data.Labels;
import dev.drafthorse.ensemble.io.ModelFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A tiny ensemble trained the way a user would: a TSV feature table ({@code id, f1, f2, f3}) and a TSV of
 * labels ({@code yes}/{@code no}, a noisy linear rule), bagged trees, written to a model file and read back.
 */
final class EnsembleFixture {
    static final List<String> FEATURES = List.of("f1", "f2", "f3");
    static final int ROWS = 60;

    /** The model file, the table it was trained on and the model as read back from the file. */
    record Trained(Path file, FeatureTable table, EnsembleModel model) {}

    private EnsembleFixture() {}

    static Trained train(Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(11);
        StringBuilder features = new StringBuilder("id\tf1\tf2\tf3\n");
        StringBuilder labels = new StringBuilder("id\tlabel\n");
        for (int i = 0; i < ROWS; i++) {
            double f1 = r.nextInt(1000) / 1000.0, f2 = r.nextInt(1000) / 1000.0, f3 = r.nextInt(-500, 500) / 100.0;
            boolean yes = f1 + 0.5 * f2 + 0.3 * r.nextGaussian() > 0.75;
            features.append(String.format(Locale.ROOT, "r%d\t%s\t%s\t%s%n", i, f1, f2, f3));
            labels.append("r").append(i).append('\t').append(yes ? "yes" : "no").append('\n');
        }
        Path featuresFile = Files.writeString(dir.resolve("features.tsv"), features);
        Path labelsFile = Files.writeString(dir.resolve("labels.tsv"), labels);
        FeatureTable table;
        Labels truth;
        try (Reader f = Files.newBufferedReader(featuresFile);
                Reader l = Files.newBufferedReader(labelsFile)) {
            table = FeatureTable.readTsv(featuresFile.toString(), f);
            truth = Labels.readTsv(labelsFile.toString(), l);
        }
        EnsembleParams params =
                EnsembleParams.defaults().with("ensemble.bagging.members", "7").with("ensemble.seed", "3");
        EnsembleModel trained = Ensembles.train(Dataset.of(table, truth), List.of(), params);
        Path file = dir.resolve("judge.ensemble");
        try (OutputStream out = Files.newOutputStream(file)) {
            ModelFile.write(trained, out);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return new Trained(file, table, ModelFile.read(in, file.toString()));
        }
    }
}
