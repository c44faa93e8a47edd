package dev.drafthorse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.jobs.heads.HeadsTraining;
import dev.drafthorse.jobs.heads.JobOutcome;
import dev.drafthorse.jobs.heads.TrainHeadsSpec;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import dev.drafthorse.kernels.train.HeadsWriter;
import dev.drafthorse.kernels.train.SelfDistillation;
import dev.drafthorse.kernels.train.TrainingSequence;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code train-heads}: trains Medusa heads or MTP modules for a model on its own generations
 * (self-distillation) and writes them as a heads GGUF, with the loss curve as CSV and PNG. The base model
 * stays frozen. A MapReduce job ({@code dev.drafthorse.jobs.heads}: map tasks generate the data, one reduce task
 * trains), on Hadoop's local runner by default and on YARN under {@code hadoop jar}; without Hadoop on the class
 * path it trains in this process on local files, with the same result. This class names no Hadoop type.
 */
final class TrainHeadsCommand implements Command {
    static final String USAGE = TrainHeadsSpec.USAGE;

    @Override
    public String name() {
        return "train-heads";
    }

    @Override
    public String summary() {
        return "MapReduce job: train Medusa heads or MTP modules on the model's own generations (mixed precision)";
    }

    @Override
    public int run(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--replot") || !Main.hadoop()) {
            if (!Arrays.asList(args).contains("--replot")) {
                System.err.println(
                        "train-heads: Hadoop is not on the class path: training in this process on local files");
            }
            return inProcess(args);
        }
        return dev.drafthorse.jobs.heads.TrainHeadsTool.launch(args, TrainHeadsCommand::finish);
    }

    /** Generation and training in this process (local files only): the fallback without Hadoop, and the tests' reference. */
    static int inProcess(String[] args) throws Exception {
        Args a = Args.parse(USAGE, TrainHeadsSpec.DESCRIPTION, TrainHeadsSpec.options(), args);
        if (a == null) {
            return 0;
        }
        if (a.has("replot")) {
            Map<String, double[][]> series = new LinkedHashMap<>();
            for (String f : a.get("replot", "").split(",")) {
                Path p = ModelArgs.localPath(f);
                series.put(p.getFileName().toString().replaceFirst("\\.csv$", ""), LossPlot.readCsv(p));
            }
            Path png = Path.of(a.require("png"));
            LossPlot.write(png, "training loss (cross-entropy, nats)", series);
            System.err.println("train-heads: wrote " + png);
            return 0;
        }
        TrainHeadsSpec spec = TrainHeadsSpec.parse(a);
        Path out = Path.of(spec.output());
        Path promptsFile = ModelArgs.localPath(spec.prompts());
        Path evalFile = spec.evalPrompts() != null ? ModelArgs.localPath(spec.evalPrompts()) : null;
        Path csv = csvPath(spec, spec.output());
        plotWith(spec); // bad paths fail before the work

        try (Parallel par = new Parallel(spec.threadsOrDefault())) {
            Model model = Model.load(ModelArgs.localPath(spec.model()), par);
            List<int[]> prompts = readPrompts(model.tokenizer(), promptsFile);
            int total = prompts.size() * spec.samples();
            System.err.printf(
                    "train-heads: generating %d continuations of %d tokens (%d prompts × %d, temperature %s)%n",
                    total, spec.tokens(), prompts.size(), spec.samples(), spec.temperature());
            long t0 = System.nanoTime();
            List<TrainingSequence> data = SelfDistillation.generate(
                    model,
                    prompts,
                    spec.samples(),
                    spec.tokens(),
                    spec.sampler(),
                    spec.seed(),
                    16,
                    n -> System.err.printf(
                            "train-heads: data %d/%d sequences (%.1f s)%n", n, total, (System.nanoTime() - t0) / 1e9));
            long positions =
                    data.stream().mapToLong(s -> s.length() - s.start()).sum();
            System.err.printf("train-heads: %d sequences, %d trained positions%n", data.size(), positions);
            if (spec.batch() > data.size()) {
                throw new UsageException(
                        "--batch " + spec.batch() + " exceeds the " + data.size() + " generated sequences");
            }
            HeadsTraining.Result r;
            try (BufferedWriter w = Files.newBufferedWriter(csv)) {
                r = HeadsTraining.train(model, data, spec, par, w, (report, log, line) -> {
                    if (log) {
                        System.err.println("train-heads: " + line);
                    }
                });
            }
            HeadsWriter.write(r.heads(), spec.precision(), model, out);
            ObjectNode summary = new ObjectMapper().createObjectNode();
            HeadsTraining.summarize(summary, spec, r, data.size());
            summary.put("plot_title", HeadsTraining.plotTitle(spec, model));
            if (evalFile != null) {
                HeadsTraining.evaluate(
                        model,
                        r.heads(),
                        readPrompts(model.tokenizer(), evalFile),
                        spec,
                        summary,
                        line -> System.err.println("train-heads: " + line));
            }
            return finish(new JobOutcome(spec, Files.readAllBytes(csv), summary, out.toString(), Files.size(out)));
        }
    }

    /** After training (here or in the job): the CSV and PNG on the local filesystem, the summary on stdout. */
    static int finish(JobOutcome o) throws IOException {
        TrainHeadsSpec spec = o.spec();
        Path csv = csvPath(spec, o.output());
        if (!Files.exists(csv) || !Arrays.equals(Files.readAllBytes(csv), o.csv())) {
            Files.write(csv, o.csv());
        }
        double[][] curve = LossPlot.readCsv(csv);
        Path png = spec.png() != null ? Path.of(spec.png()) : beside(spec, o.output(), ".png");
        Map<String, double[][]> series = new LinkedHashMap<>();
        series.put(spec.stem() + " (" + spec.precision().id() + ")", curve);
        series.putAll(plotWith(spec));
        ObjectNode summary = o.summary().deepCopy();
        String title = summary.remove("plot_title").asText();
        LossPlot.write(png, title, series);
        System.err.printf("train-heads: wrote %s (%d bytes), %s, %s%n", o.output(), o.headsBytes(), csv, png);
        ObjectNode first = new ObjectMapper().createObjectNode();
        first.put("output", o.output());
        first.setAll(summary);
        System.out.println(new ObjectMapper().writeValueAsString(first));
        return 0;
    }

    private static Path csvPath(TrainHeadsSpec spec, String output) {
        return spec.csv() != null ? Path.of(spec.csv()) : beside(spec, output, ".csv");
    }

    /**
     * Beside a local output; in the working directory when the output is on another filesystem ({@code output}: as
     * given in process, qualified by the job).
     */
    private static Path beside(TrainHeadsSpec spec, String o, String ext) {
        boolean local = o.startsWith("file:") || !o.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
        Path dir = local
                ? Path.of(o.startsWith("file:") ? java.net.URI.create(o).getPath() : o)
                        .toAbsolutePath()
                        .getParent()
                : Path.of("");
        return dir.resolve(spec.stem() + ext);
    }

    private static Map<String, double[][]> plotWith(TrainHeadsSpec spec) throws IOException {
        Map<String, double[][]> others = new LinkedHashMap<>();
        if (spec.plotWith() != null) {
            for (String f : spec.plotWith().split(",")) {
                Path p = ModelArgs.localPath(f);
                others.put(p.getFileName().toString().replaceFirst("\\.csv$", ""), LossPlot.readCsv(p));
            }
        }
        return others;
    }

    private static List<int[]> readPrompts(Tokenizer tok, Path file) throws IOException {
        List<int[]> prompts = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            prompts.add(TrainHeadsSpec.encodePrompt(tok, line));
        }
        if (prompts.isEmpty()) {
            throw new UsageException(file + ": no prompts (one per line)");
        }
        return prompts;
    }
}
