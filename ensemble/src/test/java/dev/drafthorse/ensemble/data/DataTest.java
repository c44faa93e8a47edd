package dev.drafthorse.ensemble.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataTest {
    static final String SCORE = """
            {"id": "r1", "prompt_tokens": 42, "candidates": [{"candidate": "positive", "logprob": -0.2, "prob": 0.7, "tokens": 2}, {"candidate": "negative", "logprob": -1.1, "prob": 0.3, "tokens": 1}], "extra": {"x": 1}}
            {"id": "r2", "prompt_tokens": 40, "candidates": [{"candidate": "negative", "logprob": -0.5}, {"candidate": "positive", "logprob": -0.5}]}
            {"id": "r3", "candidates": [{"candidate": "positive", "logprob": -0.1, "prob": 1.0}]}
            not json
            {"candidates": [{"candidate": "positive", "logprob": -0.1, "prob": 1.0}]}
            {"id": "r1", "candidates": [{"candidate": "positive", "logprob": -0.1, "prob": 1.0}]}
            {"id": "r9", "candidates": [{"candidate": "positive", "logprob": 0.5}]}
            {"id": "r8", "text": "positive", "tokens": 1, "finish_reason": "eos"}
            """;

    static final String GENERATE = """
            {"id": "r1", "text": " Positive, clearly.", "tokens": 4, "finish_reason": "eos", "prompt_tokens": 30}
            {"id": "r2", "text": "neg", "tokens": 1, "finish_reason": "length", "prompt_tokens": 31}
            {"id": "r4", "text": "negative", "tokens": 2, "finish_reason": "stop", "prompt_tokens": 32, "seed": 5}
            {"id": "r5", "text": "x", "tokens": 2, "finish_reason": "timeout"}
            """;

    @Test
    void scoreOutputsAreParsedAndBadLinesRejectedWithReasons() throws IOException {
        InferOutput o = InferOutput.read("s", "s.jsonl", new StringReader(SCORE));
        assertTrue(o.score());
        assertEquals(List.of("r1", "r2", "r3"), o.ids());
        assertEquals(
                0.5, o.records().get(1).candidates().get(0).prob(), 1e-12, "softmax of logprobs when prob is absent");
        List<String> reasons = o.rejects().stream()
                .map(r -> r.line() + " " + r.id() + " " + r.reason())
                .toList();
        assertEquals(5, reasons.size(), reasons.toString());
        assertTrue(reasons.get(0).startsWith("4  not valid JSON"), reasons.get(0));
        assertTrue(reasons.get(1).contains("field 'id'"), reasons.get(1));
        assertTrue(reasons.get(2).startsWith("6 r1 duplicate id"), reasons.get(2));
        assertTrue(reasons.get(3).contains("candidates[0].logprob"), reasons.get(3));
        assertTrue(reasons.get(4).contains("row is generate mode, the output is score mode"), reasons.get(4));
    }

    @Test
    void generateOutputsAreParsed() throws IOException {
        InferOutput o = InferOutput.read("g", "g.jsonl", new StringReader(GENERATE));
        assertFalse(o.score());
        assertEquals(List.of("r1", "r2", "r4"), o.ids());
        assertEquals(1, o.rejects().size());
        assertTrue(o.rejects().get(0).reason().contains("finish_reason"));
    }

    @Test
    void joinedFeaturesAreNamedAndMissingRowsFlagged() throws IOException {
        List<SourceData> inputs = List.of(
                SourceData.read("s", "s.jsonl", new StringReader(SCORE)),
                SourceData.read("g", "g.jsonl", new StringReader(GENERATE)),
                SourceData.read("t", "t.tsv", new StringReader("id\tlen\tscore\nr2\t10\t0.5\nr7\t3\t-1\n")));
        List<SourceSpec> specs = Features.describe(inputs, List.of("negative", "positive"));
        FeatureTable f = Features.build(specs, inputs);
        assertEquals(List.of("r1", "r2", "r3", "r4", "r7"), f.ids(), "union of ids, first-seen order");
        assertEquals(
                List.of(
                        "s.missing",
                        "s.prompt_tokens",
                        "s.cand.negative.logprob",
                        "s.cand.negative.prob",
                        "s.cand.negative.tokens",
                        "s.cand.negative.missing",
                        "s.cand.positive.logprob",
                        "s.cand.positive.prob",
                        "s.cand.positive.tokens",
                        "s.cand.positive.missing",
                        "s.top_prob",
                        "s.margin",
                        "s.logprob_margin",
                        "s.entropy",
                        "s.argmax.negative",
                        "s.argmax.positive",
                        "g.missing",
                        "g.prompt_tokens",
                        "g.tokens",
                        "g.text_chars",
                        "g.finish.eos",
                        "g.finish.stop",
                        "g.finish.length",
                        "g.finish.context",
                        "g.answer.negative",
                        "g.answer.positive",
                        "g.answer.none",
                        "t.missing",
                        "t.len",
                        "t.score"),
                f.featureNames());
        double[] r1 = f.rows()[0];
        assertEquals(0, v(f, r1, "s.missing"));
        assertEquals(42, v(f, r1, "s.prompt_tokens"));
        assertEquals(0.7, v(f, r1, "s.cand.positive.prob"));
        assertEquals(-1.1, v(f, r1, "s.cand.negative.logprob"));
        assertEquals(0.4, v(f, r1, "s.margin"), 1e-12);
        assertEquals(0.9, v(f, r1, "s.logprob_margin"), 1e-12);
        assertEquals(-(0.7 * Math.log(0.7) + 0.3 * Math.log(0.3)), v(f, r1, "s.entropy"), 1e-12);
        assertEquals(1, v(f, r1, "s.argmax.positive"));
        assertEquals(1, v(f, r1, "g.answer.positive"), "' Positive, clearly.' answers positive");
        assertEquals(1, v(f, r1, "g.finish.eos"));
        assertEquals(1, v(f, r1, "t.missing"), "r1 is not in the table");
        assertEquals(0, v(f, r1, "t.len"));
        double[] r2 = f.rows()[1];
        assertEquals(1, v(f, r2, "g.answer.none"), "'neg' is not a whole label");
        assertEquals(10, v(f, r2, "t.len"));
        double[] r3 = f.rows()[2];
        assertEquals(1, v(f, r3, "s.cand.negative.missing"), "r3 scored only 'positive'");
        assertEquals(1, v(f, r3, "g.missing"));
        double[] r7 = f.rows()[4];
        assertEquals(1, v(f, r7, "s.missing"));
        assertEquals(0, v(f, r7, "s.cand.positive.prob"));
        assertEquals(-1, v(f, r7, "t.score"));
    }

    static double v(FeatureTable f, double[] row, String name) {
        return row[f.featureNames().indexOf(name)];
    }

    @Test
    void predictionInputsMustMatchTheModelsSources() throws IOException {
        List<SourceSpec> specs = List.of(new SourceSpec("s", SourceSpec.Kind.SCORE, List.of("negative", "positive")));
        SourceData g = SourceData.read("s", "g.jsonl", new StringReader(GENERATE));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Features.build(specs, List.of(g)));
        assertTrue(
                e.getMessage().contains("'s' is a generate input; the model was trained on a score input"),
                e.getMessage());
        SourceData other = SourceData.read("x", "x.jsonl", new StringReader(SCORE));
        e = assertThrows(IllegalArgumentException.class, () -> Features.build(specs, List.of(other)));
        assertTrue(e.getMessage().contains("input 'x' is not a source of this model"), e.getMessage());
        // a candidate never seen in training is ignored for per-candidate columns but keeps its mass in the summaries
        SourceData extra = SourceData.read(
                "s",
                "s2.jsonl",
                new StringReader(
                        "{\"id\": \"q\", \"candidates\": [{\"candidate\": \"neutral\", \"logprob\": -0.1, \"prob\": 0.8}, {\"candidate\": \"positive\", \"logprob\": -2, \"prob\": 0.2}]}\n"));
        FeatureTable f = Features.build(specs, List.of(extra));
        assertEquals(0.8, v(f, f.rows()[0], "s.top_prob"), 1e-12);
        assertEquals(1, v(f, f.rows()[0], "s.cand.negative.missing"));
    }

    @Test
    void featureTablesAndLabelsFailWithLineAndColumn() {
        DataFormatException e = assertThrows(
                DataFormatException.class,
                () -> FeatureTable.readTsv("f.tsv", new StringReader("id\ta\tb\nr1\t1\t2\nr2\t1\tx\n")));
        assertEquals("f.tsv:3: column 'b' of id 'r2' is not a number: 'x'", e.getMessage());
        e = assertThrows(DataFormatException.class, () -> FeatureTable.readTsv("f.tsv", new StringReader("row\ta\n")));
        assertTrue(e.getMessage().contains("must start with 'id'"));
        e = assertThrows(
                DataFormatException.class, () -> FeatureTable.readTsv("f.tsv", new StringReader("id\ta\nr1\tNaN\n")));
        assertTrue(e.getMessage().contains("not finite"));
        e = assertThrows(
                DataFormatException.class, () -> FeatureTable.readTsv("f.tsv", new StringReader("id\ta\nr1\t1\t2\n")));
        assertTrue(e.getMessage().startsWith("f.tsv:2: 3 cells"));
        e = assertThrows(
                DataFormatException.class,
                () -> Labels.readTsv("l.tsv", new StringReader("id\tlabel\nr1\ta\nr1\tb\n")));
        assertTrue(e.getMessage().contains("id 'r1' has two labels"));
        e = assertThrows(DataFormatException.class, () -> Labels.readTsv("l.tsv", new StringReader("id\ty\n")));
        assertTrue(e.getMessage().contains("'id<TAB>label'"));
    }

    @Test
    void rowsWithoutALabelAreCountedNotUsed() throws IOException {
        FeatureTable f = FeatureTable.readTsv("f.tsv", new StringReader("id\ta\nr1\t1\nr2\t2\nr3\t3\nr4\t4\n"));
        Labels l = Labels.readTsv("l.tsv", new StringReader("id\tlabel\nr1\tyes\nr2\t\nr4\tno\nr9\tyes\n"));
        Dataset d = Dataset.of(f, l);
        assertEquals(List.of("r1", "r4"), d.ids());
        assertEquals(List.of("no", "yes"), d.classes());
        assertArrayEquals(new int[] {1, 0}, d.y());
        assertEquals(2, d.unlabeled());
        assertEquals(1, d.unmatchedLabels());
        Labels one = Labels.readTsv("l.tsv", new StringReader("id\tlabel\nr1\tyes\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(f, one));
        assertTrue(e.getMessage().contains("at least 2"));
    }

    @Test
    void answersMatchWholeLabelsLongestFirst() {
        List<String> labels = List.of("no", "not sure", "yes");
        assertEquals(1, Features.answer("Not sure, maybe", labels));
        assertEquals(0, Features.answer("No.", labels));
        assertEquals(-1, Features.answer("nothing", labels));
        assertEquals(2, Features.answer("  YES", labels));
    }
}
