package dev.drafthorse.ensemble;

import dev.drafthorse.ensemble.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** Seeded synthetic data for the tests. */
public final class Synthetic {
    private Synthetic() {}

    /**
     * Binary rows with p features: the label depends nonlinearly on the first four (an interaction and a
     * threshold), the rest are noise; {@code flip} of the labels are flipped.
     */
    public static Dataset nonlinear(int n, int p, double flip, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[n][p];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) {
                x[i][j] = r.nextDouble() * 2 - 1;
            }
            double s = x[i][0] * x[i][1] * 3 + (x[i][2] > 0.2 ? 1 : -0.5) + 0.8 * x[i][3];
            y[i] = s > 0 ? 1 : 0;
            if (r.nextDouble() < flip) {
                y[i] = 1 - y[i];
            }
        }
        return Dataset.of(x, y, 2);
    }

    /** A member's output for one row: the probability it gives to class 1. */
    public interface Member {
        double probPositive(int truth, SplittableRandom r);
    }

    /**
     * Right with probability {@code accuracy}, independently of other members; confidence toward whatever it
     * says is 0.6..0.95 when right and 0.5..0.75 when wrong (less sure when wrong, as LLM judges are).
     */
    public static Member member(double accuracy) {
        return (truth, r) -> {
            boolean right = r.nextDouble() < accuracy;
            int said = right ? truth : 1 - truth;
            double conf = right ? 0.6 + 0.35 * r.nextDouble() : 0.5 + 0.25 * r.nextDouble();
            return said == 1 ? conf : 1 - conf;
        };
    }

    /**
     * Score-mode JSON lines of a member over rows with the given truths (candidates "negative" and
     * "positive"), one line per row id {@code r<i>}.
     */
    public static String scoreOutput(int[] truth, Member m, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < truth.length; i++) {
            double pp = m.probPositive(truth[i], r);
            sb.append(String.format(
                    Locale.ROOT,
                    "{\"id\": \"r%d\", \"prompt_tokens\": %d, \"candidates\": [{\"candidate\": \"negative\", \"logprob\": %s, \"prob\": %s, \"tokens\": 1}, {\"candidate\": \"positive\", \"logprob\": %s, \"prob\": %s, \"tokens\": 2}]}%n",
                    i,
                    30 + r.nextInt(20),
                    Math.log(1 - pp) - 0.3,
                    1 - pp,
                    Math.log(pp) - 0.3,
                    pp));
        }
        return sb.toString();
    }

    /** Labels TSV for truths (0 negative, 1 positive), ids {@code r<i>}. */
    public static String labels(int[] truth) {
        StringBuilder sb = new StringBuilder("id\tlabel\n");
        for (int i = 0; i < truth.length; i++) {
            sb.append("r")
                    .append(i)
                    .append('\t')
                    .append(truth[i] == 1 ? "positive" : "negative")
                    .append('\n');
        }
        return sb.toString();
    }

    public static int[] truths(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(2);
        }
        return t;
    }

    public static List<String> ids(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("r" + i);
        }
        return ids;
    }
}
