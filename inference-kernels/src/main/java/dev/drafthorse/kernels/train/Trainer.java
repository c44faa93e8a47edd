package dev.drafthorse.kernels.train;

import dev.drafthorse.kernels.tensor.Parallel;
import java.util.List;

/**
 * Trains heads over a frozen base with AdamW, a warmup + cosine learning rate, and mixed precision as in
 * Micikevicius et al. 2018: the passes read weights rounded to the storage precision and store
 * activations and gradients rounded to it; the optimizer updates an F32 master copy; the loss is scaled
 * before the backward so small gradients stay representable, and the gradients are unscaled in F32 before
 * the update. With dynamic scaling, a step whose gradients overflowed (inf or NaN) is skipped and the scale
 * halves; after {@code growthInterval} clean steps in a row it doubles.
 *
 * <p>The work splits in two so a distributed job can average gradients between them:
 * {@link #gradients} (any number of times, on any shards, at the current weights) and {@link #apply} (once
 * per step, with their {@link Gradients#average}).
 */
public final class Trainer {
    private final TrainableHeads heads;
    private final TrainOptions options;
    private final Parallel par;
    private double scale;
    private int cleanSteps; // clean steps since the last change of scale
    private int step; // optimizer steps taken or skipped
    private int updates; // steps applied (AdamW's bias-correction counter)

    /**
     * The outcome of one {@link #apply}.
     *
     * @param step the 0-based step
     * @param loss the batch loss
     * @param lr the learning rate used (0 when skipped)
     * @param lossScale the scale the gradients were computed with
     * @param skipped true when the gradients overflowed and the weights were left alone
     * @param flushedFraction non-zero gradient values that underflowed to zero in storage
     */
    public record StepReport(
            int step, TrainableHeads.Loss loss, double lr, double lossScale, boolean skipped, double flushedFraction) {}

    public Trainer(TrainableHeads heads, TrainOptions options, Parallel par) {
        this.heads = heads;
        this.options = options;
        this.par = par;
        this.scale = options.lossScale();
        heads.sync(options.precision());
    }

    public TrainableHeads heads() {
        return heads;
    }

    public TrainOptions options() {
        return options;
    }

    /** The loss scale the next {@link #gradients} call uses. */
    public double lossScale() {
        return scale;
    }

    public int step() {
        return step;
    }

    /** The gradients of lossScale × loss over one batch at the current weights. Does not change the trainer. */
    public Gradients gradients(List<TrainingSequence> batch) {
        return gradients(batch, 1);
    }

    /**
     * The gradients of lossScale × weight × loss over one batch: {@code weight} is the batch's share of the
     * step when W micro-batches or shards are computed separately and {@link Gradients#sum summed} (1/W
     * each), as gradient accumulation does to keep the sum in range. It is also where F16 gradients of
     * large steps underflow: the smaller the share, the more values fall below F16's 2^-24.
     */
    public Gradients gradients(List<TrainingSequence> batch, double weight) {
        if (!(weight > 0 && weight <= 1)) {
            throw new IllegalArgumentException("weight must be in (0, 1], got " + weight);
        }
        List<Param> ps = heads.params();
        double[][] g = new double[ps.size()][];
        for (int i = 0; i < g.length; i++) {
            g[i] = new double[ps.get(i).size()];
        }
        Rounding rd = new Rounding(options.precision());
        TrainableHeads.Loss loss = heads.pass(batch, scale * weight, rd, g, par);
        return new Gradients(g, scale, loss, rd.gradNonzero(), rd.gradFlushed());
    }

    /** The loss of a batch at the current weights, without gradients (for evaluation). */
    public TrainableHeads.Loss loss(List<TrainingSequence> batch) {
        return heads.pass(batch, 1, new Rounding(options.precision()), null, par);
    }

    /** One optimizer step with (averaged) gradients: skipped on overflow, else AdamW on the F32 masters. */
    public StepReport apply(Gradients g) {
        if (g.lossScale() != scale) {
            throw new IllegalArgumentException(
                    "gradients were computed with loss scale " + g.lossScale() + ", the trainer is at " + scale);
        }
        int t = step++;
        double used = scale;
        if (!g.finite()) {
            if (!options.dynamicScale()) {
                throw new IllegalStateException("step " + t + ": gradients overflowed at a fixed loss scale " + scale
                        + " (use dynamic loss scaling or a smaller scale)");
            }
            scale /= 2;
            cleanSteps = 0;
            return new StepReport(t, g.loss(), 0, used, true, g.flushedFraction());
        }
        double lr = options.lrAt(t);
        updates++;
        double b1 = options.beta1();
        double b2 = options.beta2();
        double c1 = 1 - Math.pow(b1, updates);
        double c2 = 1 - Math.pow(b2, updates);
        double inv = 1 / scale;
        List<Param> ps = heads.params();
        for (int pi = 0; pi < ps.size(); pi++) {
            Param p = ps.get(pi);
            double[] grad = g.values()[pi];
            double wd = p.decay() ? options.weightDecay() : 0;
            for (int i = 0; i < p.size(); i++) {
                double gi = (float) (grad[i] * inv); // unscaled in F32
                p.m[i] = b1 * p.m[i] + (1 - b1) * gi;
                p.v[i] = b2 * p.v[i] + (1 - b2) * gi * gi;
                double mh = p.m[i] / c1;
                double vh = p.v[i] / c2;
                double w = p.master[i];
                p.master[i] = (float) (w - lr * (mh / (Math.sqrt(vh) + options.adamEps()) + wd * w));
            }
            p.sync(options.precision());
        }
        if (options.dynamicScale() && ++cleanSteps >= options.growthInterval()) {
            double grown = scale * 2;
            if (Double.isFinite(grown)) {
                scale = grown;
            }
            cleanSteps = 0;
        }
        return new StepReport(t, g.loss(), lr, used, false, g.flushedFraction());
    }
}
