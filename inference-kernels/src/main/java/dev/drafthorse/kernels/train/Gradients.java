package dev.drafthorse.kernels.train;

import java.util.List;

/**
 * One batch's gradients of (lossScale × loss), as stored (rounded to the precision), with the loss they
 * came from. This is what a distributed trainer exchanges: workers compute {@link Trainer#gradients} on
 * their shards, {@link #average} merges them, and one {@link Trainer#apply} updates the weights.
 *
 * @param values (params) each param's gradient, scaled by lossScale
 * @param lossScale the scale the backward started from
 * @param loss the batch loss
 * @param gradNonzero gradient values non-zero before rounding
 * @param gradFlushed of those, the ones rounding flushed to zero (underflow)
 */
public record Gradients(
        double[][] values, double lossScale, TrainableHeads.Loss loss, long gradNonzero, long gradFlushed) {

    /** The fraction of non-zero gradient values that underflowed to zero in storage. */
    public double flushedFraction() {
        return gradNonzero == 0 ? 0 : gradFlushed / (double) gradNonzero;
    }

    /** True when every value is finite (no overflow in storage). */
    public boolean finite() {
        for (double[] a : values) {
            for (double x : a) {
                if (!Double.isFinite(x)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The element-wise sum of shards' gradients computed with weights summing to 1 (loss: their mean). */
    public static Gradients sum(List<Gradients> parts) {
        Gradients a = average(parts);
        for (double[] v : a.values) {
            for (int j = 0; j < v.length; j++) {
                v[j] *= parts.size();
            }
        }
        return a;
    }

    /** The element-wise mean of gradients computed at the same weights and loss scale (equal weights). */
    public static Gradients average(List<Gradients> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no gradients to average");
        }
        Gradients first = parts.get(0);
        double[][] sum = new double[first.values.length][];
        double loss = 0;
        long nz = 0;
        long fl = 0;
        for (int i = 0; i < sum.length; i++) {
            sum[i] = new double[first.values[i].length];
        }
        for (Gradients g : parts) {
            if (g.lossScale != first.lossScale || g.values.length != sum.length) {
                throw new IllegalArgumentException(
                        "gradients differ in loss scale or params: " + g.lossScale + " vs " + first.lossScale);
            }
            for (int i = 0; i < sum.length; i++) {
                for (int j = 0; j < sum[i].length; j++) {
                    sum[i][j] += g.values[i][j];
                }
            }
            loss += g.loss.loss();
            nz += g.gradNonzero;
            fl += g.gradFlushed;
        }
        for (double[] a : sum) {
            for (int j = 0; j < a.length; j++) {
                a[j] /= parts.size();
            }
        }
        int k = first.loss.headLoss().length;
        double[] hl = new double[k];
        long[] ht = new long[k];
        long[] hc = new long[k];
        for (Gradients g : parts) {
            for (int i = 0; i < k; i++) {
                hl[i] += g.loss.headLoss()[i] / parts.size();
                ht[i] += g.loss.headTargets()[i];
                hc[i] += g.loss.headCorrect()[i];
            }
        }
        return new Gradients(sum, first.lossScale, new TrainableHeads.Loss(loss / parts.size(), hl, ht, hc), nz, fl);
    }
}
