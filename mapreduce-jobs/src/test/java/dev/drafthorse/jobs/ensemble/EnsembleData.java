package dev.drafthorse.jobs.ensemble;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Synthetic ensemble inputs as files hold them: two {@code infer --mode score} outputs (JSON lines) whose
 * candidates are the labels, with different noise, a TSV feature table, and a labels TSV (some rows unlabeled).
 * Plain strings, so the cluster tests (which have no ensemble classes) can use it too.
 */
final class EnsembleData {
    final List<String> t0 = new ArrayList<>();
    final List<String> t1 = new ArrayList<>();
    final List<String> table = new ArrayList<>();
    final List<String> labels = new ArrayList<>();

    EnsembleData(int rows, long seed) {
        Random r = new Random(seed);
        table.add("id\tlen\tscore");
        labels.add("id\tlabel");
        for (int i = 0; i < rows; i++) {
            String id = "s" + i;
            boolean happy = r.nextBoolean();
            t0.add(score(id, happy, 1.2, r));
            if (i % 7 != 3) {
                t1.add(score(id, happy, 0.6, r)); // t1 misses some rows: its S.missing indicator
            }
            table.add(id + "\t" + (20 + r.nextInt(40)) + "\t" + fmt((happy ? 0.4 : -0.4) + r.nextGaussian()));
            if (i % 11 != 5) {
                labels.add(id + "\t" + (happy ? "happy" : "sad"));
            }
        }
    }

    private static String score(String id, boolean happy, double noise, Random r) {
        double z = (happy ? 1 : -1) + noise * r.nextGaussian();
        double lh = -Math.log1p(Math.exp(-z)) - 2;
        double ls = -Math.log1p(Math.exp(z)) - 2;
        double ph = Math.exp(lh) / (Math.exp(lh) + Math.exp(ls));
        return String.format(
                Locale.ROOT,
                "{\"id\": \"%s\", \"prompt_tokens\": %d, \"candidates\": [{\"candidate\": \"happy\", \"logprob\": %s, \"prob\": %s, \"tokens\": 1},"
                        + " {\"candidate\": \"sad\", \"logprob\": %s, \"prob\": %s, \"tokens\": 1}]}",
                id,
                10 + r.nextInt(20),
                fmt(lh),
                fmt(ph),
                fmt(ls),
                fmt(1 - ph));
    }

    private static String fmt(double v) {
        return Double.toString(v);
    }
}
