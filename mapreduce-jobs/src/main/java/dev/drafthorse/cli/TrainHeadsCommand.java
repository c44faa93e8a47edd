package dev.drafthorse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import dev.drafthorse.kernels.train.Acceptance;
import dev.drafthorse.kernels.train.Base;
import dev.drafthorse.kernels.train.Batches;
import dev.drafthorse.kernels.train.Heads;
import dev.drafthorse.kernels.train.HeadsWriter;
import dev.drafthorse.kernels.train.MedusaHeads;
import dev.drafthorse.kernels.train.MtpModules;
import dev.drafthorse.kernels.train.Precision;
import dev.drafthorse.kernels.train.SelfDistillation;
import dev.drafthorse.kernels.train.Sequence;
import dev.drafthorse.kernels.train.TrainOptions;
import dev.drafthorse.kernels.train.Trainer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.Options;

/**
 * {@code train-heads}: trains Medusa heads or MTP modules for a model on its own generations
 * (self-distillation) and writes them as a heads GGUF, with the loss curve as CSV and PNG. The base model
 * stays frozen. Runs in this process; the trainer's gradients/apply split is what a distributed version
 * would reuse.
 */
final class TrainHeadsCommand implements Command {
    static final String USAGE = "drafthorse train-heads -m MODEL.gguf --kind medusa|mtp --heads K --prompts FILE --steps N"
            + " --precision f16|bf16|f32 [--lr LR --batch B --seed S --samples N --tokens T] -o HEADS.gguf";

    @Override
    public String name() {
        return "train-heads";
    }

    @Override
    public String summary() {
        return "train Medusa heads or MTP modules on the model's own generations (mixed precision)";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        ModelArgs.add(o);
        o.addOption(Args.opt(null, "kind", "medusa|mtp", "Medusa heads or multi-token-prediction modules"));
        o.addOption(Args.opt(null, "heads", "K", "heads (Medusa) or modules (MTP depth), 1..16 (default 4)"));
        o.addOption(Args.opt(null, "prompts", "FILE", "plain text, one prompt per line (an empty line is BOS only)"));
        o.addOption(Args.opt(null, "steps", "N", "optimizer steps (default 300)"));
        o.addOption(Args.opt(null, "precision", "P", "storage precision of weights, activations, gradients: f32, f16"
                + " (dynamic loss scaling) or bf16 (default f32)"));
        o.addOption(Args.opt(null, "lr", "LR", "peak AdamW learning rate (default 3e-3); warmup steps/10, cosine to lr/10"));
        o.addOption(Args.opt(null, "batch", "B", "sequences per step (default 8)"));
        o.addOption(Args.opt(null, "seed", "S", "seed of the data sampler, initialization and batch order (default 1)"));
        o.addOption(Args.opt(null, "samples", "N", "continuations generated per prompt (default 4)"));
        o.addOption(Args.opt(null, "tokens", "T", "tokens generated per continuation (default 96)"));
        o.addOption(Args.opt(null, "temperature", "T", "sampling temperature of the data (default 0.8; 0 = greedy)"));
        o.addOption(Args.flag("own-output", "Medusa: a vocabulary projection per head (initialized from the model's) instead"
                + " of sharing the frozen output matrix"));
        o.addOption(Args.opt(null, "loss-scale", "S", "dynamic (default for f16), none (default for f32/bf16), or a fixed"
                + " number"));
        o.addOption(Args.opt(null, "growth-interval", "N", "dynamic loss scaling: clean steps between doublings (default 200)"));
        o.addOption(Args.opt(null, "eval-prompts", "FILE", "held-out prompts: after training, report the mean accepted length"
                + " per target pass on the model's greedy continuations of them"));
        o.addOption(Args.opt(null, "csv", "FILE", "loss curve CSV (default: the output with .csv)"));
        o.addOption(Args.opt(null, "png", "FILE", "loss curve plot (default: the output with .png)"));
        o.addOption(Args.opt(null, "plot-with", "CSV[,CSV]", "other runs' loss CSVs drawn in the same plot (e.g. an f32 run)"));
        o.addOption(Args.opt(null, "replot", "CSV[,CSV]", "no training: draw these runs' loss CSVs into --png and exit"));
        o.addOption(Args.opt("o", "output", "HEADS.gguf", "where to write the heads"));
        Args a = Args.parse(USAGE, "Trains draft heads on the model's own continuations of the prompts; the model is frozen."
                + " Progress goes to stderr, a JSON summary to stdout.", o, args);
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
        String kind = a.require("kind");
        if (!kind.equals("medusa") && !kind.equals("mtp")) {
            throw new UsageException("--kind must be medusa or mtp, got '" + kind + "'");
        }
        int k = a.getInt("heads", 4, 1, 16);
        int steps = a.getInt("steps", 300, 1, 10_000_000);
        Precision precision;
        try {
            precision = Precision.parse(a.get("precision", "f32"), "--precision");
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        double lr = a.getFloat("lr", 3e-3f);
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new UsageException("--lr must be a finite number > 0, got " + a.get("lr", ""));
        }
        int batch = a.getInt("batch", 8, 1, 1 << 20);
        long seed = a.getLong("seed", 1);
        int samples = a.getInt("samples", 4, 1, 1 << 20);
        int tokens = a.getInt("tokens", 96, 2, 1 << 20);
        float temperature = a.getFloat("temperature", 0.8f);
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new UsageException("--temperature must be a finite number >= 0, got " + a.get("temperature", ""));
        }
        boolean ownOutput = a.has("own-output");
        if (ownOutput && !kind.equals("medusa")) {
            throw new UsageException("--own-output applies to --kind medusa only (MTP shares the model's output matrix)");
        }
        TrainOptions to = TrainOptions.defaults(steps, precision, seed).withLr(lr)
                .withGrowthInterval(a.getInt("growth-interval", 200, 1, Integer.MAX_VALUE));
        String ls = a.get("loss-scale", precision == Precision.F16 ? "dynamic" : "none");
        switch (ls) {
            case "dynamic" -> to = to.withLossScale(65536, true);
            case "none" -> to = to.withLossScale(1, false);
            default -> {
                double v;
                try {
                    v = Double.parseDouble(ls);
                } catch (NumberFormatException e) {
                    throw new UsageException("--loss-scale must be dynamic, none or a number > 0, got '" + ls + "'");
                }
                if (!(v > 0) || Double.isInfinite(v)) {
                    throw new UsageException("--loss-scale must be dynamic, none or a number > 0, got '" + ls + "'");
                }
                to = to.withLossScale(v, false);
            }
        }
        Path out = Path.of(a.require("output"));
        Path promptsFile = ModelArgs.localPath(a.require("prompts"));
        Path evalFile = a.has("eval-prompts") ? ModelArgs.localPath(a.get("eval-prompts", null)) : null;
        String stem = out.getFileName().toString().replaceFirst("\\.gguf$", "");
        Path csv = Path.of(a.get("csv", out.resolveSibling(stem + ".csv").toString()));
        Path png = Path.of(a.get("png", out.resolveSibling(stem + ".png").toString()));
        Map<String, double[][]> others = new LinkedHashMap<>();
        if (a.has("plot-with")) {
            for (String f : a.get("plot-with", "").split(",")) {
                Path p = ModelArgs.localPath(f);
                others.put(p.getFileName().toString().replaceFirst("\\.csv$", ""), LossPlot.readCsv(p));
            }
        }

        try (Parallel par = new Parallel(ModelArgs.threads(a))) {
            Model model = ModelArgs.load(a, par);
            List<int[]> prompts = readPrompts(model.tokenizer(), promptsFile);
            int total = prompts.size() * samples;
            System.err.printf("train-heads: generating %d continuations of %d tokens (%d prompts × %d, temperature %s)%n", total,
                    tokens, prompts.size(), samples, temperature);
            long t0 = System.nanoTime();
            SamplerOptions sampler = new SamplerOptions(temperature, 0, 1f, 0f, seed);
            List<Sequence> data = SelfDistillation.generate(model, prompts, samples, tokens, sampler, seed, 16,
                    n -> System.err.printf("train-heads: data %d/%d sequences (%.1f s)%n", n, total, (System.nanoTime() - t0) / 1e9));
            long positions = data.stream().mapToLong(s -> s.length() - s.start()).sum();
            System.err.printf("train-heads: %d sequences, %d trained positions%n", data.size(), positions);
            if (batch > data.size()) {
                throw new UsageException("--batch " + batch + " exceeds the " + data.size() + " generated sequences");
            }

            Base base = Base.of(model);
            Heads heads = kind.equals("medusa") ? new MedusaHeads(base, k, ownOutput) : new MtpModules(base, k, seed);
            Trainer trainer = new Trainer(heads, to, par);
            Batches batches = new Batches(data, batch, seed);
            List<double[]> curve = new ArrayList<>();
            long t1 = System.nanoTime();
            int every = Math.max(1, steps / 25);
            int skipped = 0;
            try (BufferedWriter w = Files.newBufferedWriter(csv)) {
                StringBuilder hdr = new StringBuilder("step,loss");
                for (int h = 0; h < k; h++) {
                    hdr.append(",head").append(h).append("_loss");
                }
                w.write(hdr + ",lr,loss_scale,skipped,flushed_fraction\n");
                for (int s = 0; s < steps; s++) {
                    Trainer.StepReport r = trainer.apply(trainer.gradients(batches.next()));
                    skipped += r.skipped() ? 1 : 0;
                    Heads.Loss l = r.loss();
                    curve.add(new double[] {s, l.loss()});
                    StringBuilder row = new StringBuilder().append(s).append(',').append(fmt(l.loss()));
                    for (double hl : l.headLoss()) {
                        row.append(',').append(fmt(hl));
                    }
                    row.append(',').append(fmt(r.lr())).append(',').append(fmt(r.lossScale())).append(',').append(r.skipped() ? 1 : 0)
                            .append(',').append(fmt(r.flushedFraction()));
                    w.write(row + "\n");
                    if (s % every == 0 || s == steps - 1) {
                        w.flush();
                        double el = (System.nanoTime() - t1) / 1e9;
                        StringBuilder acc = new StringBuilder();
                        for (int h = 0; h < k; h++) {
                            acc.append(h == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f",
                                    l.headTargets()[h] == 0 ? 0.0 : l.headCorrect()[h] / (double) l.headTargets()[h]));
                        }
                        System.err.printf(Locale.ROOT, "train-heads: step %d/%d loss %.4f top-1 [%s] lr %.2e scale %.0f%s (%.1f s, eta %.0f s)%n",
                                s + 1, steps, l.loss(), acc, r.lr(), r.lossScale(), r.skipped() ? " SKIPPED (overflow)" : "", el,
                                el / (s + 1) * (steps - s - 1));
                    }
                }
            }
            HeadsWriter.write(heads, precision, model, out);
            Map<String, double[][]> series = new LinkedHashMap<>();
            series.put(stem + " (" + precision.id() + ")", curve.toArray(new double[0][]));
            series.putAll(others);
            LossPlot.write(png, kind + " heads on " + model.config().architecture() + " (dim " + base.dim() + "): training loss (cross-entropy, nats)",
                    series);
            System.err.printf("train-heads: wrote %s (%d bytes), %s, %s%n", out, Files.size(out), csv, png);

            ObjectMapper json = new ObjectMapper();
            ObjectNode summary = json.createObjectNode();
            summary.put("output", out.toString());
            summary.put("kind", kind);
            summary.put("heads", k);
            summary.put("precision", precision.id());
            summary.put("steps", steps);
            summary.put("skipped_steps", skipped);
            summary.put("sequences", data.size());
            summary.put("final_loss", tail(curve));
            summary.put("train_seconds", (System.nanoTime() - t1) / 1e9);
            if (evalFile != null) {
                List<int[]> held = readPrompts(model.tokenizer(), evalFile);
                List<Sequence> greedy = SelfDistillation.generate(model, held, 1, tokens, SamplerOptions.GREEDY, seed, 16, n -> { });
                if (heads instanceof MedusaHeads m) {
                    Acceptance.Report chain = Acceptance.medusa(m, greedy, 1);
                    Acceptance.Report top3 = Acceptance.medusa(m, greedy, 3);
                    summary.put("mean_accepted_chain", chain.meanAccepted());
                    summary.put("mean_accepted_top3_tree", top3.meanAccepted());
                    System.err.printf(Locale.ROOT, "train-heads: held-out mean accepted length per pass: %.3f (chain), %.3f (top-3 tree)%n",
                            chain.meanAccepted(), top3.meanAccepted());
                } else {
                    Acceptance.Report chain = Acceptance.mtp((MtpModules) heads, greedy);
                    summary.put("mean_accepted_chain", chain.meanAccepted());
                    System.err.printf(Locale.ROOT, "train-heads: held-out mean accepted length per pass: %.3f (chain, teacher-forced)%n",
                            chain.meanAccepted());
                }
            }
            System.out.println(json.writeValueAsString(summary));
        }
        return 0;
    }

    private static List<int[]> readPrompts(Tokenizer tok, Path file) throws IOException {
        List<int[]> prompts = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            int[] ids = tok.encode(line, tok.addBosDefault(), true);
            prompts.add(ids.length == 0 ? new int[] {tok.bos() >= 0 ? tok.bos() : 0} : ids);
        }
        if (prompts.isEmpty()) {
            throw new UsageException(file + ": no prompts (one per line)");
        }
        return prompts;
    }

    private static double tail(List<double[]> curve) {
        int n = Math.min(10, curve.size());
        double s = 0;
        for (int i = curve.size() - n; i < curve.size(); i++) {
            s += curve.get(i)[1];
        }
        return s / n;
    }

    private static String fmt(double v) {
        return Double.toString(v);
    }
}
