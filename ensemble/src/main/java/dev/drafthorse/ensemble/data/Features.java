package dev.drafthorse.ensemble.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Joins the inputs by row id into one feature vector per row; see {@link SourceSpec} for the columns.
 *
 * <p>Rows are the union of the sources' ids, in first-seen order over the sources in the order given.
 * A row absent from a source gets that source's {@code S.missing = 1} and zeros elsewhere in its block.
 */
public final class Features {
    private Features() {}

    /** The specs implied by the inputs at training time ({@code classes}: the label set, sorted). */
    public static List<SourceSpec> describe(List<? extends SourceData> inputs, List<String> classes) {
        Set<String> names = new LinkedHashSet<>();
        List<SourceSpec> specs = new ArrayList<>();
        for (SourceData d : inputs) {
            if (!names.add(d.name())) {
                throw new IllegalArgumentException(
                        "two inputs are named '" + d.name() + "'; source names must be unique");
            }
            specs.add(SourceSpec.describe(d, classes));
        }
        return specs;
    }

    /** Every feature name of {@code specs}, in column order. */
    public static List<String> names(List<SourceSpec> specs) {
        List<String> all = new ArrayList<>();
        for (SourceSpec s : specs) {
            all.addAll(s.featureNames());
        }
        Set<String> seen = new LinkedHashSet<>();
        for (String n : all) {
            if (!seen.add(n)) {
                throw new IllegalArgumentException(
                        "feature name '" + n + "' occurs twice; rename a source or a column");
            }
        }
        return all;
    }

    /**
     * Builds the joined table: {@code inputs} are matched to {@code specs} by name (each spec needs its
     * input; an input without a spec is an error, a mismatched kind too).
     */
    public static FeatureTable build(List<SourceSpec> specs, List<? extends SourceData> inputs) {
        Map<String, SourceData> byName = new HashMap<>();
        for (SourceData d : inputs) {
            if (byName.put(d.name(), d) != null) {
                throw new IllegalArgumentException("two inputs are named '" + d.name() + "'");
            }
        }
        for (String n : byName.keySet()) {
            if (specs.stream().noneMatch(s -> s.name().equals(n))) {
                throw new IllegalArgumentException("input '" + n + "' is not a source of this model; its sources are "
                        + specs.stream().map(SourceSpec::name).toList());
            }
        }
        Map<String, Integer> rowOf = new LinkedHashMap<>();
        for (SourceSpec s : specs) {
            SourceData d = byName.get(s.name());
            if (d == null) {
                throw new IllegalArgumentException("the model needs input '" + s.name() + "' ("
                        + s.kind().name().toLowerCase(Locale.ROOT) + "); it was not given");
            }
            checkKind(s, d);
            for (String id : d.ids()) {
                rowOf.putIfAbsent(id, rowOf.size());
            }
        }
        List<String> names = names(specs);
        double[][] x = new double[rowOf.size()][names.size()];
        int offset = 0;
        for (SourceSpec s : specs) {
            SourceData d = byName.get(s.name());
            int width = s.featureNames().size();
            for (double[] row : x) {
                row[offset] = 1.0; // S.missing until seen
            }
            switch (s.kind()) {
                case TABLE -> fillTable(s, (TableSource) d, rowOf, x, offset);
                case SCORE -> {
                    for (InferRecord r : ((InferOutput) d).records()) {
                        fillScore(s, r, x[rowOf.get(r.id())], offset);
                    }
                }
                case GENERATE -> {
                    for (InferRecord r : ((InferOutput) d).records()) {
                        fillGenerate(s, r, x[rowOf.get(r.id())], offset);
                    }
                }
            }
            offset += width;
        }
        return new FeatureTable(new ArrayList<>(rowOf.keySet()), names, x);
    }

    private static void checkKind(SourceSpec s, SourceData d) {
        SourceSpec.Kind actual = d instanceof TableSource
                ? SourceSpec.Kind.TABLE
                : ((InferOutput) d).score() ? SourceSpec.Kind.SCORE : SourceSpec.Kind.GENERATE;
        // an infer output whose every line was rejected has no mode: accept it as the expected one
        boolean emptyInfer = d instanceof InferOutput o && o.records().isEmpty();
        if (actual != s.kind() && !(emptyInfer && s.kind() != SourceSpec.Kind.TABLE)) {
            throw new IllegalArgumentException("input '" + s.name() + "' is a "
                    + actual.name().toLowerCase(Locale.ROOT) + " input; the model was trained on a "
                    + s.kind().name().toLowerCase(Locale.ROOT) + " input of that name");
        }
    }

    private static void fillTable(SourceSpec s, TableSource t, Map<String, Integer> rowOf, double[][] x, int offset) {
        FeatureTable sel = t.table().select(s.values());
        for (int i = 0; i < sel.size(); i++) {
            double[] row = x[rowOf.get(sel.ids().get(i))];
            row[offset] = 0.0;
            System.arraycopy(sel.rows()[i], 0, row, offset + 1, s.values().size());
        }
    }

    private static void fillScore(SourceSpec s, InferRecord r, double[] row, int o) {
        row[o] = 0.0;
        row[o + 1] = r.promptTokens() == null ? 0 : r.promptTokens();
        Map<String, InferRecord.Candidate> byName = new HashMap<>();
        for (InferRecord.Candidate c : r.candidates()) {
            byName.put(c.name(), c);
        }
        List<String> cands = s.values();
        int m = cands.size();
        int best = -1;
        for (int c = 0; c < m; c++) {
            int col = o + 2 + 4 * c;
            InferRecord.Candidate cand = byName.get(cands.get(c));
            if (cand == null) {
                row[col + 3] = 1.0; // S.cand.c.missing; values stay 0
                continue;
            }
            row[col] = cand.logprob();
            row[col + 1] = cand.prob();
            row[col + 2] = cand.tokens() == null ? 0 : cand.tokens();
            if (best < 0 || cand.prob() > byName.get(cands.get(best)).prob()) {
                best = c;
            }
        }
        // summaries over the row's own candidates (including any the model never saw: they hold mass)
        double p1 = -1, p2 = -1, l1 = Double.NEGATIVE_INFINITY, l2 = Double.NEGATIVE_INFINITY, entropy = 0;
        for (InferRecord.Candidate c : r.candidates()) {
            double p = c.prob();
            if (p > p1) {
                p2 = p1;
                p1 = p;
            } else if (p > p2) {
                p2 = p;
            }
            double l = c.logprob();
            if (l > l1) {
                l2 = l1;
                l1 = l;
            } else if (l > l2) {
                l2 = l;
            }
            if (p > 0) {
                entropy -= p * Math.log(p);
            }
        }
        int tail = o + 2 + 4 * m;
        row[tail] = p1;
        row[tail + 1] = p2 < 0 ? p1 : p1 - p2;
        row[tail + 2] = l2 == Double.NEGATIVE_INFINITY ? 0.0 : l1 - l2;
        row[tail + 3] = entropy;
        if (best >= 0) {
            row[tail + 4 + best] = 1.0;
        }
    }

    private static void fillGenerate(SourceSpec s, InferRecord r, double[] row, int o) {
        row[o] = 0.0;
        row[o + 1] = r.promptTokens() == null ? 0 : r.promptTokens();
        row[o + 2] = r.tokens();
        row[o + 3] = r.text().length();
        row[o + 4 + InferOutput.FINISH_REASONS.indexOf(r.finishReason())] = 1.0;
        int labels = o + 4 + InferOutput.FINISH_REASONS.size();
        int match = answer(r.text(), s.values());
        row[match < 0 ? labels + s.values().size() : labels + match] = 1.0;
    }

    /** Index of the longest label that the text starts with as a whole word (case-insensitive), or -1. */
    static int answer(String text, List<String> labels) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        int best = -1;
        for (int i = 0; i < labels.size(); i++) {
            String l = labels.get(i).strip().toLowerCase(Locale.ROOT);
            if (l.isEmpty() || !t.startsWith(l)) {
                continue;
            }
            if (t.length() > l.length() && Character.isLetterOrDigit(t.charAt(l.length()))) {
                continue;
            }
            if (best < 0 || l.length() > labels.get(best).strip().length()) {
                best = i;
            }
        }
        return best;
    }

    /** All rejects of the inputs. */
    public static List<RejectedRow> rejects(List<? extends SourceData> inputs) {
        List<RejectedRow> out = new ArrayList<>();
        for (SourceData d : inputs) {
            out.addAll(d.rejects());
        }
        return out;
    }
}
