package dev.drafthorse.ensemble.data;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What one input contributes to the feature vector: its name, its kind, and the values that fix its columns
 * (the score candidates, the labels a generated text is matched against, or a table's columns). A model
 * stores its sources' specs, so prediction builds exactly the training columns from new inputs.
 *
 * <h2>Feature names</h2>
 * Every source {@code S} contributes {@code S.missing} first: 1 when the row is absent from {@code S}
 * (or rejected there), and then every other feature of {@code S} is 0. This is the missing-indicator method:
 * a 0 is never the only trace of a missing value. The rest, by kind:
 * <ul>
 *   <li>score ({@code infer --mode score}), candidates {@code c} sorted:
 *     {@code S.prompt_tokens}; per candidate {@code S.cand.c.logprob}, {@code S.cand.c.prob},
 *     {@code S.cand.c.tokens}, {@code S.cand.c.missing} (1 when this row did not score {@code c});
 *     {@code S.top_prob}, {@code S.margin} (top minus second probability; the top one when there is a
 *     single candidate), {@code S.logprob_margin} (same over logprobs), {@code S.entropy} (nats, over the
 *     row's normalized probabilities), and one-hot {@code S.argmax.c}.</li>
 *   <li>generate ({@code infer --mode generate}), labels {@code l} sorted: {@code S.prompt_tokens},
 *     {@code S.tokens}, {@code S.text_chars}, one-hot {@code S.finish.eos|stop|length|context},
 *     {@code S.answer.l} (1 when the trimmed, lower-cased text starts with label {@code l} as a whole
 *     word; the longest such label wins) and {@code S.answer.none}.</li>
 *   <li>table: {@code S.column} for every column of the TSV header after {@code id}.</li>
 * </ul>
 * A candidate or label may contain any character; names are only ever compared whole.
 *
 * @param name   the source name
 * @param kind   what the input is
 * @param values candidates (score), labels (generate) or columns (table), in column order
 */
public record SourceSpec(String name, Kind kind, List<String> values) {

    public enum Kind {
        SCORE,
        GENERATE,
        TABLE
    }

    public SourceSpec {
        SourceData.checkName(name);
        values = List.copyOf(values);
    }

    /** The spec that {@code data} implies; {@code classes} are the labels matched against generated text. */
    public static SourceSpec describe(SourceData data, List<String> classes) {
        if (data instanceof TableSource t) {
            return new SourceSpec(t.name(), Kind.TABLE, t.table().featureNames());
        }
        InferOutput o = (InferOutput) data;
        if (o.score()) {
            TreeSet<String> cands = new TreeSet<>();
            for (InferRecord r : o.records()) {
                r.candidates().forEach(c -> cands.add(c.name()));
            }
            return new SourceSpec(o.name(), Kind.SCORE, List.copyOf(cands));
        }
        return new SourceSpec(o.name(), Kind.GENERATE, List.copyOf(new TreeSet<>(classes)));
    }

    /** This source's feature names, in column order, {@code S.missing} first. */
    public List<String> featureNames() {
        List<String> f = new ArrayList<>();
        String p = name + ".";
        f.add(p + "missing");
        switch (kind) {
            case SCORE -> {
                f.add(p + "prompt_tokens");
                for (String c : values) {
                    f.add(p + "cand." + c + ".logprob");
                    f.add(p + "cand." + c + ".prob");
                    f.add(p + "cand." + c + ".tokens");
                    f.add(p + "cand." + c + ".missing");
                }
                f.add(p + "top_prob");
                f.add(p + "margin");
                f.add(p + "logprob_margin");
                f.add(p + "entropy");
                for (String c : values) {
                    f.add(p + "argmax." + c);
                }
            }
            case GENERATE -> {
                f.add(p + "prompt_tokens");
                f.add(p + "tokens");
                f.add(p + "text_chars");
                for (String r : InferOutput.FINISH_REASONS) {
                    f.add(p + "finish." + r);
                }
                for (String l : values) {
                    f.add(p + "answer." + l);
                }
                f.add(p + "answer.none");
            }
            case TABLE -> {
                for (String c : values) {
                    f.add(p + c);
                }
            }
        }
        return f;
    }

    /** Column (within this source's block) of candidate {@code c}'s probability, for score sources. */
    public int probColumn(int candidate) {
        return 2 + 4 * candidate + 1;
    }
}
