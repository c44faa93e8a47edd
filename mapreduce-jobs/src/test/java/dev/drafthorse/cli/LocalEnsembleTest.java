package dev.drafthorse.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.drafthorse.ensemble.Synthetic;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ensemble-train} and {@code ensemble-predict} on plain files, as the job module will call them. */
class LocalEnsembleTest {
    @TempDir
    static Path dir;

    static int n = 600;
    static String inputs;

    record Run(int code, String out, String err) {}

    static Run train(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = LocalEnsemble.train(
                args,
                new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static Run predict(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = LocalEnsemble.predict(
                args,
                new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void files() throws IOException {
        int[] truth = Synthetic.truths(n, 3);
        Files.writeString(
                dir.resolve("llama-yesno.jsonl"),
                Synthetic.scoreOutput(truth, Synthetic.member(0.8), 1) + "{\"id\": \"bad\", \"candidates\": []}\n");
        // a directory of part files, as an infer job writes it
        Path gen = Files.createDirectories(dir.resolve("qwen_generate"));
        StringBuilder g1 = new StringBuilder(), g2 = new StringBuilder();
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < n; i++) {
            if (i % 10 == 9) {
                continue; // some rows missing from this output
            }
            boolean right = r.nextDouble() < 0.7;
            String said = (truth[i] == 1) == right ? "positive" : "negative";
            (i < n / 2 ? g1 : g2)
                    .append(String.format(
                            Locale.ROOT,
                            "{\"id\": \"r%d\", \"text\": \"%s\", \"tokens\": %d, \"finish_reason\": \"eos\", \"prompt_tokens\": 20}%n",
                            i,
                            said,
                            1 + r.nextInt(3)));
        }
        Files.writeString(gen.resolve("part-m-00000"), g1);
        Files.writeString(gen.resolve("part-m-00001"), g2);
        Files.writeString(gen.resolve("_SUCCESS"), "");
        StringBuilder t = new StringBuilder("id\tlength\n");
        for (int i = 0; i < n; i += 2) {
            t.append("r").append(i).append('\t').append(r.nextInt(100)).append('\n');
        }
        Files.writeString(dir.resolve("other.tsv"), t);
        String labels = Synthetic.labels(truth);
        // the last 50 rows have no label
        List<String> lines = labels.lines().toList();
        Files.write(dir.resolve("labels.tsv"), lines.subList(0, lines.size() - 50));
        inputs = dir.resolve("llama-yesno.jsonl") + "," + gen + "," + dir.resolve("other.tsv");
    }

    @Test
    void trainAndPredictEveryMethod() throws IOException {
        for (String method : List.of("bagging", "boosting", "stacking")) {
            Path model = dir.resolve(method + ".model");
            Run t = train(
                    "--method",
                    method,
                    "--inputs",
                    inputs,
                    "--labels",
                    dir.resolve("labels.tsv").toString(),
                    "--output",
                    model.toString(),
                    "-D",
                    "ensemble.bagging.members=10",
                    "-Densemble.boosting.trees=30",
                    "--seed",
                    "7");
            assertEquals(0, t.code(), t.err());
            assertEquals("", t.out(), "stdout carries results only");
            assertTrue(
                    t.err().contains("550 labeled rows") && t.err().contains("50 rows without a label ignored"),
                    t.err());
            assertTrue(t.err().contains("1 input lines rejected"), t.err());

            Path out = dir.resolve("pred-" + method);
            Run p = predict("--model", model.toString(), "--inputs", inputs, "--output", out.toString());
            assertEquals(0, p.code(), p.err());
            List<String> rows = Files.readAllLines(out.resolve("part-00000"));
            assertEquals(n, rows.size(), "one line per input row");
            assertTrue(Files.exists(out.resolve("_SUCCESS")));
            assertTrue(Files.readString(out.resolve("_rejects/part-00000")).startsWith("bad\t"));
            int right = 0;
            int[] truth = Synthetic.truths(n, 3);
            for (String line : rows) {
                String[] c = line.split("\t");
                assertEquals(3, c.length, line);
                double prob = Double.parseDouble(c[2]);
                assertTrue(prob >= 0.5 && prob <= 1, line);
                int i = Integer.parseInt(c[0].substring(1));
                if (c[1].equals(truth[i] == 1 ? "positive" : "negative")) {
                    right++;
                }
            }
            assertTrue(right > 0.8 * n, method + " fits: " + right + "/" + n);
            // a rerun writes the same bytes
            Path again = dir.resolve("again-" + method);
            assertEquals(
                    0,
                    predict("--model", model.toString(), "--inputs", inputs, "--output", again.toString())
                            .code());
            assertArrayEquals(
                    Files.readAllBytes(out.resolve("part-00000")), Files.readAllBytes(again.resolve("part-00000")));
        }
    }

    @Test
    void jsonOutputAndReport() throws IOException {
        Path model = dir.resolve("report.model");
        Path report = dir.resolve("report");
        Run t = train(
                "--method",
                "stacking",
                "--inputs",
                inputs,
                "--labels",
                dir.resolve("labels.tsv").toString(),
                "--output",
                model.toString(),
                "-D",
                "ensemble.bagging.members=8",
                "-D",
                "ensemble.boosting.trees=20",
                "--report",
                report.toString(),
                "--holdout",
                "0.3");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("stacking") && t.out().contains("source:llama-yesno"), t.out());
        String html = Files.readString(report.resolve("report.html"));
        assertTrue(html.contains("data:image/png;base64,"), "charts embedded");
        assertTrue(html.contains("ROC curves"));
        assertEquals(t.out(), Files.readString(report.resolve("evaluation.txt")));
        Path out = dir.resolve("json-pred");
        assertEquals(
                0,
                predict("--model", model.toString(), "--inputs", inputs, "--output", out.toString(), "--format", "json")
                        .code());
        String first = Files.readAllLines(out.resolve("part-00000")).get(0);
        assertTrue(
                first.matches("\\{\"id\":\"r0\",\"label\":\"(positive|negative)\",\"probability\":[0-9.Ee-]+}"), first);
    }

    @Test
    void badArgumentsExitTwoWithUsage() {
        Run r = train("--method", "voting", "--inputs", "a", "--labels", "b", "--output", "c");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("ensemble.method") && r.err().contains("usage: ensemble-train"), r.err());
        r = train("--inputs", "a");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--method is required"), r.err());
        r = train("--method", "bagging", "--frobnicate", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Unrecognized option: --frobnicate"), r.err());
        r = train(
                "--method",
                "bagging",
                "--inputs",
                "a",
                "--labels",
                "b",
                "--output",
                "c",
                "-D",
                "ensemble.bagging.members=0");
        assertEquals(2, r.code());
        Run p = predict("--model", "m");
        assertEquals(2, p.code());
        assertTrue(p.err().contains("usage: ensemble-predict"), p.err());
        p = predict("--model", "m", "--inputs", "a", "--output", "o", "--format", "xml");
        assertEquals(2, p.code());
    }

    @Test
    void failuresExitOneNamingTheFile() throws IOException {
        Run r = train(
                "--method",
                "bagging",
                "--inputs",
                dir.resolve("nope.jsonl").toString(),
                "--labels",
                dir.resolve("labels.tsv").toString(),
                "--output",
                dir.resolve("x.model").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nope.jsonl"), r.err());
        Path notModel = dir.resolve("not.model");
        Files.writeString(notModel, "hello");
        Run p = predict(
                "--model",
                notModel.toString(),
                "--inputs",
                inputs,
                "--output",
                dir.resolve("o1").toString());
        assertEquals(1, p.code());
        assertTrue(p.err().contains("not.model: not a Drafthorse ensemble model file"), p.err());
        Path bad = dir.resolve("bad.tsv");
        Files.writeString(bad, "id\tx\nr1\tzz\n");
        r = train(
                "--method",
                "bagging",
                "--inputs",
                bad.toString(),
                "--labels",
                dir.resolve("labels.tsv").toString(),
                "--output",
                dir.resolve("y.model").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.tsv:2: column 'x' of id 'r1' is not a number: 'zz'"), r.err());
        assertFalse(Files.exists(dir.resolve("y.model")), "no half-written model");
    }
}
