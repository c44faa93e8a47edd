package dev.drafthorse.cli;

import dev.drafthorse.ensemble.EnsembleModel;
import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.Ensembles;
import dev.drafthorse.ensemble.Prediction;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.data.Features;
import dev.drafthorse.ensemble.data.Labels;
import dev.drafthorse.ensemble.data.RejectedRow;
import dev.drafthorse.ensemble.data.SourceData;
import dev.drafthorse.ensemble.eval.Evaluation;
import dev.drafthorse.ensemble.eval.HtmlReport;
import dev.drafthorse.ensemble.io.LocalInputs;
import dev.drafthorse.ensemble.io.ModelFile;
import dev.drafthorse.ensemble.io.PredictionWriter;
import dev.drafthorse.jobs.ensemble.EnsembleUsage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * {@code ensemble-train} and {@code ensemble-predict} in this process on local files: what the two commands do
 * when Hadoop is not on the class path (same options as the jobs, same model bytes; see {@link EnsembleCommands}).
 * Exit codes: 0 success, 2 bad arguments (usage on stderr), 1 failure (the file, field or row named on stderr).
 * stdout carries results only.
 */
public final class LocalEnsemble {
    private LocalEnsemble() {}

    /** {@code ensemble-train}; returns the exit code. */
    public static int train(String[] args) {
        return train(args, System.out, System.err);
    }

    /** {@code ensemble-predict}; returns the exit code. */
    public static int predict(String[] args) {
        return predict(args, System.out, System.err);
    }

    public static int train(String[] args, PrintStream out, PrintStream err) {
        try {
            Args a = EnsembleUsage.parse("ensemble-train", EnsembleUsage.trainOptions(), args);
            if (a == null) {
                return 0;
            }
            Properties props = new Properties();
            if (a.has("params")) {
                try (InputStream in = Files.newInputStream(LocalInputs.path(a.get("params", null)))) {
                    props.load(in);
                }
            }
            props.putAll(a.defines());
            props.setProperty(EnsembleParams.Key.METHOD.key, a.require("method"));
            if (a.has("seed")) {
                props.setProperty(EnsembleParams.Key.SEED.key, a.get("seed", null));
            }
            EnsembleParams params;
            try {
                params = EnsembleParams.of(props);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            List<String> inputSpecs = a.list("inputs");
            Labels labels = LocalInputs.labels(a.require("labels"));
            Path output = LocalInputs.path(a.require("output"));
            double holdout = 0.2;
            if (a.has("holdout")) {
                try {
                    holdout = Double.parseDouble(a.get("holdout", null));
                } catch (NumberFormatException e) {
                    throw new UsageException("--holdout '" + a.get("holdout", null) + "' is not a number");
                }
                if (!(holdout > 0 && holdout < 1)) {
                    throw new UsageException("--holdout " + holdout + " is not in (0, 1)");
                }
                if (!a.has("report")) {
                    throw new UsageException("--holdout needs --report DIR");
                }
            }
            List<SourceData> inputs = readAll(inputSpecs);
            for (RejectedRow r : Features.rejects(inputs)) {
                err.println("rejected: " + r.toTsv());
            }
            Ensembles.Training t = Ensembles.prepare(inputs, labels);
            Dataset d = t.data();
            err.printf(
                    Locale.ROOT,
                    "ensemble-train: %d labeled rows, %d features, classes %s %s; %d rows without a label ignored,"
                            + " %d labels without a row, %d input lines rejected%n",
                    d.size(),
                    d.width(),
                    d.classes(),
                    java.util.Arrays.toString(d.classCounts()),
                    d.unlabeled(),
                    d.unmatchedLabels(),
                    Features.rejects(inputs).size());
            EnsembleModel model = Ensembles.train(d, t.sources(), params);
            model.header().training().forEach((k, v) -> {
                if (k.startsWith("oob")) {
                    err.println("ensemble-train: " + k + " = " + v);
                }
            });
            writeAtomically(output, o -> ModelFile.write(model, o));
            err.println("ensemble-train: wrote " + output);
            if (a.has("report")) {
                Dataset[] split = d.split(holdout, params.seed());
                Evaluation.Report rep = Evaluation.run(split[0], split[1], t.sources(), params);
                Path dir = LocalInputs.path(a.get("report", null));
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("evaluation.txt"), rep.table(), StandardCharsets.UTF_8);
                Files.writeString(
                        dir.resolve("report.html"),
                        HtmlReport.render(rep, "Drafthorse ensemble evaluation"),
                        StandardCharsets.UTF_8);
                out.print(rep.table());
                err.println("ensemble-train: wrote " + dir.resolve("report.html"));
            }
            return 0;
        } catch (UsageException | LocalInputs.BadSpec e) {
            err.println("ensemble-train: " + e.getMessage());
            err.print(EnsembleUsage.TRAIN);
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("ensemble-train: " + describe(e));
            return 1;
        }
    }

    public static int predict(String[] args, PrintStream out, PrintStream err) {
        try {
            Args a = EnsembleUsage.parse("ensemble-predict", EnsembleUsage.predictOptions(), args);
            if (a == null) {
                return 0;
            }
            if (!a.defines().isEmpty()) {
                throw new UsageException("ensemble-predict takes no -D options");
            }
            PredictionWriter.Format format = PredictionWriter.Format.TSV;
            if (a.has("format")) {
                try {
                    format = PredictionWriter.Format.valueOf(
                            a.get("format", null).toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--format '" + a.get("format", null) + "' is not tsv or json");
                }
            }
            Path modelPath = LocalInputs.path(a.require("model"));
            List<String> inputSpecs = a.list("inputs");
            Path dir = LocalInputs.path(a.require("output"));
            if (Files.exists(dir) && (!Files.isDirectory(dir) || nonEmpty(dir))) {
                throw new IOException(dir + ": output directory already exists and is not empty");
            }
            EnsembleModel model;
            try (InputStream in = Files.newInputStream(modelPath)) {
                model = ModelFile.read(in, modelPath.toString());
            }
            List<SourceData> inputs = readAll(inputSpecs);
            List<Prediction> preds = model.predictInputs(inputs);
            List<RejectedRow> rejects = Features.rejects(inputs);
            Files.createDirectories(dir);
            final PredictionWriter.Format f = format;
            writeAtomically(dir.resolve("part-00000"), o -> {
                Writer w = new java.io.OutputStreamWriter(o, StandardCharsets.UTF_8);
                PredictionWriter.write(preds, f, w);
                w.flush();
            });
            if (!rejects.isEmpty()) {
                Files.createDirectories(dir.resolve("_rejects"));
                StringBuilder sb = new StringBuilder();
                for (RejectedRow r : rejects) {
                    sb.append(r.toTsv()).append('\n');
                }
                Files.writeString(dir.resolve("_rejects").resolve("part-00000"), sb.toString(), StandardCharsets.UTF_8);
            }
            Files.write(dir.resolve("_SUCCESS"), new byte[0]);
            err.printf(
                    Locale.ROOT,
                    "ensemble-predict: %d rows predicted, %d input lines rejected; wrote %s%n",
                    preds.size(),
                    rejects.size(),
                    dir);
            return 0;
        } catch (UsageException | LocalInputs.BadSpec e) {
            err.println("ensemble-predict: " + e.getMessage());
            err.print(EnsembleUsage.PREDICT);
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("ensemble-predict: " + describe(e));
            return 1;
        }
    }

    private static List<SourceData> readAll(List<String> specs) throws IOException {
        List<SourceData> out = new ArrayList<>();
        for (String s : specs) {
            out.add(LocalInputs.read(s));
        }
        return out;
    }

    private static boolean nonEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    private static String describe(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return n.getFile() + ": no such file";
        }
        String m = e.getMessage();
        return m == null
                ? e.toString()
                : (e instanceof IOException || e instanceof IllegalArgumentException ? m : e.toString());
    }

    interface Body {
        void write(OutputStream o) throws IOException;
    }

    /** Writes to a temporary sibling, then renames: a failed run leaves no half-written file. */
    static void writeAtomically(Path target, Body body) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = Files.createTempFile(parent, "." + target.getFileName(), ".tmp");
        try {
            try (OutputStream o = Files.newOutputStream(tmp)) {
                body.write(o);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
