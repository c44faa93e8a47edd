package dev.drafthorse.kernels.train;

import dev.drafthorse.kernels.tensor.Parallel;
import java.util.List;

/**
 * Trainable heads over a frozen base: {@link MedusaTrainer} or {@link MtpTrainer}. A pass computes the
 * loss of a batch and, when asked, the gradient of (loss × lossScale) with respect to every
 * {@link Param}, activations and gradients stored in the {@link Rounding}'s precision.
 */
public abstract sealed class TrainableHeads permits MedusaTrainer, MtpTrainer {
    protected final Base base;

    protected TrainableHeads(Base base) {
        this.base = base;
    }

    public Base base() {
        return base;
    }

    /** "medusa" or "mtp": the file's {@code general.architecture} is "drafthorse." + kind. */
    public abstract String kind();

    /** K heads or D modules. */
    public abstract int count();

    /** Every trained tensor, in file order. */
    public abstract List<Param> params();

    /**
     * The mean cross-entropy over heads (each head's loss a mean over its targets in the batch), and when
     * {@code grads} is not null (one array per param, zeroed by the caller) the gradient of
     * lossScale × loss added into it, stored rounded.
     */
    public abstract Loss pass(
            List<TrainingSequence> batch, double lossScale, Rounding rounding, double[][] grads, Parallel par);

    /**
     * A batch's loss.
     *
     * @param loss the mean over heads of each head's mean cross-entropy
     * @param headLoss (K) each head's mean cross-entropy (NaN when it had no targets)
     * @param headTargets (K) targets per head
     * @param headCorrect (K) targets the head's argmax predicted
     */
    public record Loss(double loss, double[] headLoss, long[] headTargets, long[] headCorrect) {}

    /** Makes the working copies of all params current. */
    public void sync(Precision p) {
        for (Param q : params()) {
            q.sync(p);
        }
    }

    static Loss loss(double[] sum, long[] targets, long[] correct) {
        int k = sum.length;
        double[] mean = new double[k];
        double total = 0;
        int used = 0;
        for (int i = 0; i < k; i++) {
            mean[i] = targets[i] == 0 ? Double.NaN : sum[i] / targets[i];
            if (targets[i] > 0) {
                total += mean[i];
                used++;
            }
        }
        return new Loss(used == 0 ? Double.NaN : total / k, mean, targets, correct);
    }
}
