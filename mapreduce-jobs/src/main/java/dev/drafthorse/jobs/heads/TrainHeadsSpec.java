package dev.drafthorse.jobs.heads;

import dev.drafthorse.cli.Args;
import dev.drafthorse.cli.UsageException;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import dev.drafthorse.kernels.train.Base;
import dev.drafthorse.kernels.train.MedusaTrainer;
import dev.drafthorse.kernels.train.MtpTrainer;
import dev.drafthorse.kernels.train.Precision;
import dev.drafthorse.kernels.train.TrainOptions;
import dev.drafthorse.kernels.train.TrainableHeads;
import org.apache.commons.cli.Options;

/**
 * The options of {@code train-heads}, parsed and checked once, shared by the in-process trainer, the job's
 * driver and its tasks (which re-parse the command line the driver ships in the configuration). Names no
 * Hadoop type, so the in-process fallback loads it without Hadoop on the class path.
 */
public record TrainHeadsSpec(
        String model,
        Integer threads,
        String kind,
        int heads,
        int steps,
        Precision precision,
        double lr,
        int batch,
        long seed,
        int samples,
        int tokens,
        float temperature,
        boolean ownOutput,
        TrainOptions trainOptions,
        String prompts,
        String evalPrompts,
        String output,
        String csv,
        String png,
        String plotWith,
        int linesPerTask) {

    public static final String USAGE =
            "drafthorse train-heads -m MODEL.gguf --kind medusa|mtp --heads K --prompts FILE --steps N"
                    + " --precision f16|bf16|f32 [--lr LR --batch B --seed S --samples N --tokens T] [--prompts-per-task N] -o HEADS.gguf";

    public static final String DESCRIPTION =
            "Trains draft heads on the model's own continuations of the prompts; the model is"
                    + " frozen. A MapReduce job: map tasks generate the training data (the frozen model's continuations of their share of"
                    + " the prompts and its hidden states), ONE reduce task trains on all of it in prompt order (training is sequential),"
                    + " so the heads equal an in-process run with the same seed. Hadoop's local runner by default, YARN under hadoop jar or"
                    + " -D mapreduce.framework.name=yarn; -m, --prompts, --eval-prompts and -o take any Hadoop filesystem URI."
                    + " Progress goes to stderr, a JSON summary to stdout.";

    public static Options options() {
        Options o = new Options();
        o.addOption(Args.opt(
                "m", "model", "MODEL.gguf", "the GGUF model (a local path, file:// or any Hadoop filesystem URI)"));
        o.addOption(Args.opt("t", "threads", "N", "threads for the kernels, per task (default: available processors)"));
        o.addOption(Args.opt(null, "kind", "medusa|mtp", "Medusa heads or multi-token-prediction modules"));
        o.addOption(Args.opt(null, "heads", "K", "heads (Medusa) or modules (MTP depth), 1..16 (default 4)"));
        o.addOption(Args.opt(null, "prompts", "FILE", "plain text, one prompt per line (an empty line is BOS only)"));
        o.addOption(Args.opt(
                null, "prompts-per-task", "N", "prompts per map task (NLineInputFormat; default: all in one task)"));
        o.addOption(Args.opt(null, "steps", "N", "optimizer steps (default 300)"));
        o.addOption(Args.opt(
                null,
                "precision",
                "P",
                "storage precision of weights, activations, gradients: f32, f16"
                        + " (dynamic loss scaling) or bf16 (default f32)"));
        o.addOption(Args.opt(
                null, "lr", "LR", "peak AdamW learning rate (default 3e-3); warmup steps/10, cosine to lr/10"));
        o.addOption(Args.opt(null, "batch", "B", "sequences per step (default 8)"));
        o.addOption(
                Args.opt(null, "seed", "S", "seed of the data sampler, initialization and batch order (default 1)"));
        o.addOption(Args.opt(null, "samples", "N", "continuations generated per prompt (default 4)"));
        o.addOption(Args.opt(null, "tokens", "T", "tokens generated per continuation (default 96)"));
        o.addOption(Args.opt(null, "temperature", "T", "sampling temperature of the data (default 0.8; 0 = greedy)"));
        o.addOption(Args.flag(
                "own-output",
                "Medusa: a vocabulary projection per head (initialized from the model's) instead"
                        + " of sharing the frozen output matrix"));
        o.addOption(Args.opt(
                null,
                "loss-scale",
                "S",
                "dynamic (default for f16), none (default for f32/bf16), or a fixed" + " number"));
        o.addOption(Args.opt(
                null, "growth-interval", "N", "dynamic loss scaling: clean steps between doublings (default 200)"));
        o.addOption(Args.opt(
                null,
                "eval-prompts",
                "FILE",
                "held-out prompts: after training, report the mean accepted length"
                        + " per target pass on the model's greedy continuations of them"));
        o.addOption(Args.opt(null, "csv", "FILE", "loss curve CSV, local (default: the output with .csv)"));
        o.addOption(Args.opt(null, "png", "FILE", "loss curve plot, local (default: the output with .png)"));
        o.addOption(Args.opt(
                null, "plot-with", "CSV[,CSV]", "other runs' loss CSVs drawn in the same plot (e.g. an f32 run)"));
        o.addOption(
                Args.opt(null, "replot", "CSV[,CSV]", "no training: draw these runs' loss CSVs into --png and exit"));
        o.addOption(Args.opt(
                "o", "output", "HEADS.gguf", "where to write the heads (any Hadoop filesystem path under the job)"));
        return o;
    }

    /** Checks every option; a bad one throws {@link UsageException} naming it. */
    public static TrainHeadsSpec parse(Args a) {
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
            throw new UsageException(
                    "--own-output applies to --kind medusa only (MTP shares the model's output matrix)");
        }
        TrainOptions to = TrainOptions.defaults(steps, precision, seed)
                .withLr(lr)
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
        Integer threads = a.has("threads") ? a.getInt("threads", 1, 1, 1024) : null;
        int perTask = a.getInt("prompts-per-task", 0, 1, Integer.MAX_VALUE);
        return new TrainHeadsSpec(
                a.require("model"),
                threads,
                kind,
                k,
                steps,
                precision,
                lr,
                batch,
                seed,
                samples,
                tokens,
                temperature,
                ownOutput,
                to,
                a.require("prompts"),
                a.get("eval-prompts", null),
                a.require("output"),
                a.get("csv", null),
                a.get("png", null),
                a.get("plot-with", null),
                perTask);
    }

    public int threadsOrDefault() {
        return threads == null ? Parallel.defaultThreads() : threads;
    }

    /** The sampler of the training data. */
    public SamplerOptions sampler() {
        return new SamplerOptions(temperature, 0, 1f, 0f, seed);
    }

    /** Fresh heads of the requested kind over the frozen base. */
    public TrainableHeads newHeads(Base base) {
        return kind.equals("medusa") ? new MedusaTrainer(base, heads, ownOutput) : new MtpTrainer(base, heads, seed);
    }

    /** A prompt line's ids: encoded with the tokenizer's BOS default; an empty line is BOS alone. */
    public static int[] encodePrompt(Tokenizer tok, String line) {
        int[] ids = tok.encode(line, tok.addBosDefault(), true);
        return ids.length == 0 ? new int[] {tok.bos() >= 0 ? tok.bos() : 0} : ids;
    }

    /** The file name of the output without .gguf: the stem of the default CSV and PNG and the plot's label. */
    public String stem() {
        String name = output.replaceFirst("/+$", "");
        name = name.substring(name.lastIndexOf('/') + 1);
        return name.replaceFirst("\\.gguf$", "");
    }
}
