package dev.drafthorse.jobs.heads;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.train.Acceptance;
import dev.drafthorse.kernels.train.Base;
import dev.drafthorse.kernels.train.Batches;
import dev.drafthorse.kernels.train.Gradients;
import dev.drafthorse.kernels.train.MedusaTrainer;
import dev.drafthorse.kernels.train.MtpTrainer;
import dev.drafthorse.kernels.train.SelfDistillation;
import dev.drafthorse.kernels.train.TrainableHeads;
import dev.drafthorse.kernels.train.Trainer;
import dev.drafthorse.kernels.train.TrainingSequence;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The training loop of {@code train-heads} over data already generated: the in-process command and the job's
 * single reduce task both run it, so they write the same heads and loss CSV. Names no Hadoop type.
 *
 * <p>Each step is {@link Trainer#gradients} over the step's minibatch, {@link Gradients#average} over the shards
 * of the step (one shard here: the whole minibatch, which keeps the result equal to the in-process trainer), then
 * one {@link Trainer#apply}. Spreading the shards of a step over several reducers (data-parallel SGD) would
 * plug in at the average; it is not done: one reducer trains.
 */
public final class HeadsTraining {
    private HeadsTraining() {}

    /** The trained heads, the loss per step, and the steps skipped on overflow. */
    public record Result(TrainableHeads heads, List<double[]> curve, int skipped, double seconds) {}

    /**
     * Trains fresh heads on {@code data} for {@code spec.steps()} steps, writing the loss CSV to {@code csv}.
     *
     * @param progress receives a line per step ("step s/N loss ..."), and {@code every} tells which ones to log
     */
    public static Result train(
            Model model,
            List<TrainingSequence> data,
            TrainHeadsSpec spec,
            Parallel par,
            Writer csv,
            StepListener progress)
            throws IOException {
        if (spec.batch() > data.size()) {
            throw new IllegalArgumentException(
                    "--batch " + spec.batch() + " exceeds the " + data.size() + " generated sequences");
        }
        int k = spec.heads();
        int steps = spec.steps();
        Base base = Base.of(model);
        TrainableHeads heads = spec.newHeads(base);
        Trainer trainer = new Trainer(heads, spec.trainOptions(), par);
        Batches batches = new Batches(data, spec.batch(), spec.seed());
        List<double[]> curve = new ArrayList<>();
        long t1 = System.nanoTime();
        int every = Math.max(1, steps / 25);
        int skipped = 0;
        StringBuilder hdr = new StringBuilder("step,loss");
        for (int h = 0; h < k; h++) {
            hdr.append(",head").append(h).append("_loss");
        }
        csv.write(hdr + ",lr,loss_scale,skipped,flushed_fraction\n");
        for (int s = 0; s < steps; s++) {
            Gradients g = Gradients.average(List.of(trainer.gradients(batches.next())));
            Trainer.StepReport r = trainer.apply(g);
            skipped += r.skipped() ? 1 : 0;
            TrainableHeads.Loss l = r.loss();
            curve.add(new double[] {s, l.loss()});
            StringBuilder row = new StringBuilder().append(s).append(',').append(fmt(l.loss()));
            for (double hl : l.headLoss()) {
                row.append(',').append(fmt(hl));
            }
            row.append(',')
                    .append(fmt(r.lr()))
                    .append(',')
                    .append(fmt(r.lossScale()))
                    .append(',')
                    .append(r.skipped() ? 1 : 0)
                    .append(',')
                    .append(fmt(r.flushedFraction()));
            csv.write(row + "\n");
            boolean log = s % every == 0 || s == steps - 1;
            if (log) {
                csv.flush();
            }
            double el = (System.nanoTime() - t1) / 1e9;
            progress.step(r, log, stepLine(s, steps, k, r, el));
        }
        return new Result(heads, curve, skipped, (System.nanoTime() - t1) / 1e9);
    }

    /** Receives every step's report; {@code log} marks the ~25 steps worth a line on stderr. */
    public interface StepListener {
        void step(Trainer.StepReport report, boolean log, String line);
    }

    /** "step s/N loss L top-1 [..] lr .. scale .. (t s, eta e s)", as the in-process command has always printed. */
    public static String stepLine(int s, int steps, int k, Trainer.StepReport r, double elapsed) {
        TrainableHeads.Loss l = r.loss();
        StringBuilder acc = new StringBuilder();
        for (int h = 0; h < k; h++) {
            acc.append(h == 0 ? "" : " ")
                    .append(String.format(
                            Locale.ROOT,
                            "%.2f",
                            l.headTargets()[h] == 0 ? 0.0 : l.headCorrect()[h] / (double) l.headTargets()[h]));
        }
        return String.format(
                Locale.ROOT,
                "step %d/%d loss %.4f top-1 [%s] lr %.2e scale %.0f%s (%.1f s, eta %.0f s)",
                s + 1,
                steps,
                l.loss(),
                acc,
                r.lr(),
                r.lossScale(),
                r.skipped() ? " SKIPPED (overflow)" : "",
                elapsed,
                elapsed / (s + 1) * (steps - s - 1));
    }

    /** The summary fields of a run (without the output path): kind, sizes, steps, final loss, time. */
    public static void summarize(ObjectNode summary, TrainHeadsSpec spec, Result r, int sequences) {
        summary.put("kind", spec.kind());
        summary.put("heads", spec.heads());
        summary.put("precision", spec.precision().id());
        summary.put("steps", spec.steps());
        summary.put("skipped_steps", r.skipped());
        summary.put("sequences", sequences);
        summary.put("final_loss", tail(r.curve()));
        summary.put("train_seconds", r.seconds());
    }

    /** The title of the loss plot: kind, architecture and width of the base. */
    public static String plotTitle(TrainHeadsSpec spec, Model model) {
        return spec.kind() + " heads on " + model.config().architecture() + " (dim "
                + model.config().dim() + "): training loss (cross-entropy, nats)";
    }

    /**
     * The held-out evaluation: the mean accepted length per target pass on the model's greedy continuations of
     * {@code held}, into the summary; {@code log} gets a line.
     */
    public static void evaluate(
            Model model,
            TrainableHeads heads,
            List<int[]> held,
            TrainHeadsSpec spec,
            ObjectNode summary,
            Consumer<String> log) {
        List<TrainingSequence> greedy = SelfDistillation.generate(
                model, held, 1, spec.tokens(), SamplerOptions.GREEDY, spec.seed(), 16, n -> {});
        if (heads instanceof MedusaTrainer m) {
            Acceptance.Report chain = Acceptance.medusa(m, greedy, 1);
            Acceptance.Report top3 = Acceptance.medusa(m, greedy, 3);
            summary.put("mean_accepted_chain", chain.meanAccepted());
            summary.put("mean_accepted_top3_tree", top3.meanAccepted());
            log.accept(String.format(
                    Locale.ROOT,
                    "held-out mean accepted length per pass: %.3f (chain), %.3f (top-3 tree)",
                    chain.meanAccepted(),
                    top3.meanAccepted()));
        } else {
            Acceptance.Report chain = Acceptance.mtp((MtpTrainer) heads, greedy);
            summary.put("mean_accepted_chain", chain.meanAccepted());
            log.accept(String.format(
                    Locale.ROOT,
                    "held-out mean accepted length per pass: %.3f (chain, teacher-forced)",
                    chain.meanAccepted()));
        }
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
