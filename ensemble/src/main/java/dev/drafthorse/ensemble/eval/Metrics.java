package dev.drafthorse.ensemble.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Accuracy, log loss and (binary) AUC of posteriors against truths.
 *
 * @param accuracy share of rows whose most probable class is the truth
 * @param logLoss  mean of {@code -ln max(p_truth, 1e-15)}
 * @param auc      area under the ROC curve of the positive class (index 1) for two classes, NaN otherwise
 * @param rows     rows scored
 */
public record Metrics(double accuracy, double logLoss, double auc, int rows) {

    static final double EPS = 1e-15;

    /**
     * @param posteriors (n, k)
     * @param truth      (n)
     */
    public static Metrics of(double[][] posteriors, int[] truth) {
        int n = truth.length;
        if (n == 0) {
            return new Metrics(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        int correct = 0;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double[] p = posteriors[i];
            int best = 0;
            for (int c = 1; c < p.length; c++) {
                if (p[c] > p[best]) {
                    best = c;
                }
            }
            if (best == truth[i]) {
                correct++;
            }
            loss -= Math.log(Math.max(p[truth[i]], EPS));
        }
        double auc = posteriors[0].length == 2 ? auc(positiveScores(posteriors), truth) : Double.NaN;
        return new Metrics((double) correct / n, loss / n, auc, n);
    }

    /** P(class 1) of each row. */
    public static double[] positiveScores(double[][] posteriors) {
        return Arrays.stream(posteriors).mapToDouble(p -> p[1]).toArray();
    }

    /** Mann–Whitney AUC with ties counted one half; NaN when a class is absent. */
    public static double auc(double[] score, int[] truth) {
        int n = score.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[a], score[b]));
        double rankSumPos = 0;
        long pos = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && score[order[j + 1]] == score[order[i]]) {
                j++;
            }
            double midRank = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) {
                if (truth[order[t]] == 1) {
                    rankSumPos += midRank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /** ROC points (false positive rate, true positive rate), from (0,0) to (1,1), one per distinct score. */
    public static List<double[]> roc(double[] score, int[] truth) {
        int n = score.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
        long pos = Arrays.stream(truth).filter(t -> t == 1).count(), neg = n - pos;
        List<double[]> pts = new ArrayList<>();
        pts.add(new double[] {0, 0});
        long tp = 0, fp = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j < n && score[order[j]] == score[order[i]]) {
                if (truth[order[j]] == 1) {
                    tp++;
                } else {
                    fp++;
                }
                j++;
            }
            pts.add(new double[] {neg == 0 ? 0 : (double) fp / neg, pos == 0 ? 0 : (double) tp / pos});
            i = j;
        }
        return pts;
    }
}
