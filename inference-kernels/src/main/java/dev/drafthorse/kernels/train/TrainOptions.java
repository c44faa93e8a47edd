package dev.drafthorse.kernels.train;

/**
 * The trainer's hyperparameters. Out-of-range values are refused by name, never clamped.
 *
 * @param steps optimizer steps (typical: a few hundred for stories260K)
 * @param lr peak learning rate of AdamW (typical 1e-3 for heads)
 * @param warmup steps of linear warmup from 0 to lr; then a cosine decay to lr × minLrRatio at the last step
 * @param minLrRatio final learning rate as a fraction of lr (typical 0.1)
 * @param weightDecay AdamW's decoupled weight decay on matrices (norms and biases are not decayed)
 * @param beta1 AdamW first-moment decay (0.9)
 * @param beta2 AdamW second-moment decay (0.999)
 * @param adamEps AdamW epsilon (1e-8)
 * @param precision storage precision of weights, activations and gradients
 * @param lossScale the initial loss scale (2^16 is Micikevicius et al.'s and PyTorch's default); 1 with
 *     dynamic off means no scaling
 * @param dynamicScale scale ×2 after {@code growthInterval} clean steps; on overflow skip the step and halve
 * @param growthInterval clean steps between doublings (typical 200; PyTorch uses 2000 on long runs)
 * @param seed initialization and batch-order seed
 */
public record TrainOptions(
        int steps,
        double lr,
        int warmup,
        double minLrRatio,
        double weightDecay,
        double beta1,
        double beta2,
        double adamEps,
        Precision precision,
        double lossScale,
        boolean dynamicScale,
        int growthInterval,
        long seed) {

    public TrainOptions {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("lr must be a finite number > 0, got " + lr);
        }
        if (warmup < 0 || warmup > steps) {
            throw new IllegalArgumentException("warmup must be in [0, steps], got " + warmup);
        }
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
            throw new IllegalArgumentException("min-lr-ratio must be in [0, 1], got " + minLrRatio);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight-decay must be a finite number >= 0, got " + weightDecay);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(adamEps > 0)) {
            throw new IllegalArgumentException("adam-eps must be > 0, got " + adamEps);
        }
        if (!(lossScale > 0) || Double.isInfinite(lossScale)) {
            throw new IllegalArgumentException("loss-scale must be a finite number > 0, got " + lossScale);
        }
        if (growthInterval < 1) {
            throw new IllegalArgumentException("growth-interval must be >= 1, got " + growthInterval);
        }
    }

    /**
     * Defaults for a precision: lr 1e-3, warmup steps/10, cosine to 0.1·lr, no weight decay, β (0.9, 0.999);
     * F16 with dynamic loss scaling from 2^16 (growth every 200 clean steps), the others unscaled.
     */
    public static TrainOptions defaults(int steps, Precision p, long seed) {
        boolean scaled = p == Precision.F16;
        return new TrainOptions(
                steps, 1e-3, steps / 10, 0.1, 0.0, 0.9, 0.999, 1e-8, p, scaled ? 65536 : 1, scaled, 200, seed);
    }

    public TrainOptions withLr(double v) {
        return new TrainOptions(
                steps,
                v,
                warmup,
                minLrRatio,
                weightDecay,
                beta1,
                beta2,
                adamEps,
                precision,
                lossScale,
                dynamicScale,
                growthInterval,
                seed);
    }

    /** A fixed (dynamic false) or dynamic loss scale starting at {@code initial}. */
    public TrainOptions withLossScale(double initial, boolean dynamic) {
        return new TrainOptions(
                steps,
                lr,
                warmup,
                minLrRatio,
                weightDecay,
                beta1,
                beta2,
                adamEps,
                precision,
                initial,
                dynamic,
                growthInterval,
                seed);
    }

    public TrainOptions withGrowthInterval(int n) {
        return new TrainOptions(
                steps,
                lr,
                warmup,
                minLrRatio,
                weightDecay,
                beta1,
                beta2,
                adamEps,
                precision,
                lossScale,
                dynamicScale,
                n,
                seed);
    }

    public TrainOptions withWeightDecay(double wd) {
        return new TrainOptions(
                steps,
                lr,
                warmup,
                minLrRatio,
                wd,
                beta1,
                beta2,
                adamEps,
                precision,
                lossScale,
                dynamicScale,
                growthInterval,
                seed);
    }

    /** The learning rate of 0-based step {@code t}: linear warmup, then cosine to lr × minLrRatio. */
    public double lrAt(int t) {
        if (t < warmup) {
            return lr * (t + 1) / warmup;
        }
        int span = Math.max(1, steps - warmup - 1);
        double progress = Math.min(1.0, (t - warmup) / (double) span);
        double min = lr * minLrRatio;
        return min + (lr - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
