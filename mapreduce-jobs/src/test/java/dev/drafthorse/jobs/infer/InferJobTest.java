package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drafthorse.cli.Cli;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole {@code infer} job on Hadoop's local runner, as {@code drafthorse infer} runs it; outputs read by an
 * independent reader and checked against the engine run directly.
 */
class InferJobTest {
    @TempDir
    static Path dir;

    static Path input;
    /** id → prompt of the good rows of {@link #input}. */
    static final Map<String, String> GOOD = new HashMap<>();

    static int lines;

    static final String[] WORDS = {
        "the", "cat", "sat", "and", "Tom", "saw", "a", "big", "red", "ball", "Lily", "sun", "was", "hot"
    };

    @BeforeAll
    static void input() throws IOException {
        input = dir.resolve("in");
        Files.createDirectories(input.resolve("part=2"));
        Random rnd = new Random(11);
        List<String> tsv = new ArrayList<>();
        List<String> json = new ArrayList<>();
        List<String> nested = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            StringBuilder p = new StringBuilder();
            for (int w = 0; w < 1 + rnd.nextInt(10); w++) {
                p.append(w == 0 ? "" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
            }
            String id = "row-" + i;
            GOOD.put(id, p.toString());
            switch (i % 3) {
                case 0 -> tsv.add(id + "\t" + p);
                case 1 -> json.add("{\"id\": \"" + id + "\", \"prompt\": \"" + p + "\"}");
                default -> nested.add(id + "\t" + p);
            }
        }
        tsv.add(3, "a line without a tab");
        tsv.add("empty\t");
        json.add(5, "{\"id\": \"broken\", \"prompt\": ");
        json.add("{\"id\": \"x\", \"prompt\": \"a\", \"colour\": 1}");
        Files.write(input.resolve("prompts.txt"), tsv, StandardCharsets.UTF_8);
        Files.write(input.resolve("prompts.jsonl"), json, StandardCharsets.UTF_8);
        Files.write(input.resolve("part=2").resolve("000000_0"), nested, StandardCharsets.UTF_8);
        // Hidden files (Hive's and Hadoop's conventions) are not input.
        Files.writeString(input.resolve("_SUCCESS"), "");
        Files.writeString(input.resolve(".hidden"), "junk without a tab\n");
        lines = tsv.size() + json.size() + nested.size();
    }

    static String[] args(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(
                "infer",
                "--input",
                input.toString(),
                "--output",
                out.toString(),
                "-m",
                Reference.model().toString(),
                "-n",
                "16",
                "--max-reject-fraction",
                "0.5"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void everyRowOnceEqualToTheEngineAndRejectsWithReasons() throws IOException {
        Path out = dir.resolve("out-main");
        Cli r = Cli.run(args(out, "--batch", "4", "--threads", "2", "--rows-per-task", "7"));
        assertEquals(0, r.exit(), r.toString());
        assertEquals("", r.out(), "stdout carries results only; a job's results are its output directory");
        for (String e : OutputReader.entries(out)) {
            assertTrue(
                    e.equals("_SUCCESS")
                            || e.matches("part-m-\\d{5}")
                            || e.equals("_rejects")
                            || e.matches("_rejects/part-m-\\d{5}"),
                    e);
        }
        List<JsonNode> rows = OutputReader.json(OutputReader.lines(out));
        List<JsonNode> rejects = OutputReader.json(OutputReader.rejectLines(out));
        assertEquals(lines, rows.size() + rejects.size(), "input rows = output rows + rejected rows");
        assertEquals(lines, r.counter("rows_in"));
        assertEquals(rows.size(), r.counter("rows_out"));
        assertEquals(rejects.size(), r.counter("rows_rejected"));
        Map<String, JsonNode> byId = new HashMap<>();
        long tokens = 0;
        for (JsonNode n : rows) {
            assertTrue(byId.put(n.get("id").asText(), n) == null, "row " + n.get("id") + " appears once");
            tokens += n.get("tokens").asLong();
        }
        assertEquals(GOOD.keySet(), byId.keySet());
        for (Map.Entry<String, String> e : GOOD.entrySet()) {
            Reference.Generated g = Reference.generate(e.getKey(), e.getValue(), 16, SamplerOptions.GREEDY);
            JsonNode n = byId.get(e.getKey());
            assertEquals(g.text(), n.get("text").asText(), e.getKey());
            assertEquals(g.tokens(), n.get("tokens").asInt());
            assertEquals(g.finish(), n.get("finish_reason").asText());
            assertEquals(g.promptTokens(), n.get("prompt_tokens").asInt());
        }
        assertEquals(tokens, r.counter("generated_tokens"));
        List<String> reasons =
                rejects.stream().map(n -> n.get("reason").asText()).sorted().toList();
        assertEquals(4, reasons.size(), reasons.toString());
        assertTrue(reasons.get(0).startsWith("empty prompt"), reasons.toString());
        assertTrue(reasons.get(1).startsWith("no tab"), reasons.toString());
        assertTrue(reasons.get(2).startsWith("not JSON"), reasons.toString());
        assertTrue(reasons.get(3).startsWith("unknown option 'colour'"), reasons.toString());
        for (JsonNode n : rejects) {
            assertTrue(n.get("file").asText().startsWith(input.toString()), n.toString());
            assertFalse(n.get("file").asText().contains(".hidden"));
        }
    }

    @Test
    void sampledOutputsIgnoreBatchThreadsAndSplitsAndRerunsWriteTheSameBytes() throws IOException {
        String[] sampling = {"--temperature", "0.9", "--top-k", "40", "--seed", "5"};
        Path a = dir.resolve("out-a");
        Path b = dir.resolve("out-b");
        Path c = dir.resolve("out-c");
        Cli ra = Cli.run(cat(args(a, "--batch", "1", "--threads", "1"), sampling));
        String[] twoAtOnce = {"infer", "-D", "mapreduce.local.map.tasks.maximum=2"};
        Cli rb = Cli.run(cat(
                twoAtOnce,
                Stream.of(cat(args(b, "--batch", "8", "--threads", "2", "--rows-per-task", "5"), sampling))
                        .skip(1)
                        .toArray(String[]::new)));
        Cli rc = Cli.run(cat(args(c, "--batch", "1", "--threads", "1"), sampling));
        assertEquals(0, ra.exit(), ra.toString());
        assertEquals(0, rb.exit(), rb.toString());
        assertEquals(0, rc.exit(), rc.toString());
        assertEquals(
                sorted(OutputReader.lines(a)),
                sorted(OutputReader.lines(b)),
                "same rows, bit for bit, whatever the batch, threads and splits");
        assertEquals(sorted(OutputReader.rejectLines(a)), sorted(OutputReader.rejectLines(b)));
        for (String e : OutputReader.entries(a)) {
            if (Files.isRegularFile(a.resolve(e))) {
                assertEquals(
                        Files.readString(a.resolve(e)),
                        Files.readString(c.resolve(e)),
                        "a rerun writes the same bytes: " + e);
            }
        }
        JsonNode row = OutputReader.json(OutputReader.lines(a)).get(0);
        Reference.Generated g = Reference.generate(
                row.get("id").asText(), GOOD.get(row.get("id").asText()), 16, new SamplerOptions(0.9f, 40, 1f, 0f, 5));
        assertEquals(
                g.text(), row.get("text").asText(), "a sampled row is the engine's draw from the stream of (seed, id)");
    }

    @Test
    void speculationThroughTheCacheKeepsGreedyOutputs() throws IOException {
        // tinystories-1m as the target, stories260K (same vocabulary, a quarter of the cost) as its draft
        String big = Reference.model().resolveSibling("tinystories-1m.gguf").toString();
        String small = Reference.model().toUri().toString();
        Cli plain = spec("spec-plain", "-m", big);
        Cli draft = spec("spec-draft", "-m", big, "--draft", small, "--draft-max", "4");
        Cli plainSmall = spec("spec-plain-small", "-m", small);
        Cli lookup = spec("spec-lookup", "-m", small, "--lookup");
        for (Cli r : List.of(plain, draft, plainSmall, lookup)) {
            assertEquals(0, r.exit(), r.toString());
        }
        assertEquals(
                OutputReader.lines(dir.resolve("spec-plain")),
                OutputReader.lines(dir.resolve("spec-draft")),
                "greedy speculation with a draft model is exact");
        assertEquals(
                OutputReader.lines(dir.resolve("spec-plain-small")),
                OutputReader.lines(dir.resolve("spec-lookup")),
                "greedy lookup speculation is exact");
        assertTrue(draft.counter("drafted") > 0 && draft.counter("accepted") > 0, draft.err());
        assertTrue(draft.counter("accepted") <= draft.counter("drafted"), draft.err());
        assertTrue(lookup.counter("drafted") > 0, lookup.err());
        assertEquals(0, plain.counter("drafted"));
    }

    private static Cli spec(String out, String... more) {
        List<String> a = new ArrayList<>(List.of(
                "infer",
                "--input",
                input.resolve("prompts.txt").toString(),
                "--output",
                dir.resolve(out).toString(),
                "-n",
                "40",
                "--batch",
                "4",
                "--max-reject-fraction",
                "1"));
        a.addAll(List.of(more));
        return Cli.run(a.toArray(String[]::new));
    }

    @Test
    void prefixCacheCountsHitsAndChangesNoByte() throws IOException {
        Path in = dir.resolve("template-in");
        Files.createDirectories(in);
        String template =
                "You read a short story and say how it ends. Answer happy or sad. Story: Lily found a big red ball"
                        + " and played all day. Answer: happy Story: ";
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            lines.add("t" + i + "\t" + template
                    + List.of("Tom cried.", "Sue smiled.", "The dog ran away.").get(i % 3) + " Answer:");
        }
        Files.write(in.resolve("rows.txt"), lines, StandardCharsets.UTF_8);
        Cli on = Cli.run(
                "infer",
                "--input",
                in.toString(),
                "--output",
                dir.resolve("cache-on").toString(),
                "-m",
                Reference.model().toString(),
                "--mode",
                "score",
                "--candidates",
                " happy, sad");
        Cli off = Cli.run(
                "infer",
                "-D",
                "drafthorse.infer.prefix-cache-mb=0",
                "--input",
                in.toString(),
                "--output",
                dir.resolve("cache-off").toString(),
                "-m",
                Reference.model().toString(),
                "--mode",
                "score",
                "--candidates",
                " happy, sad");
        assertEquals(0, on.exit(), on.toString());
        assertEquals(0, off.exit(), off.toString());
        assertEquals(OutputReader.lines(dir.resolve("cache-off")), OutputReader.lines(dir.resolve("cache-on")));
        assertTrue(on.counter("prefix_cache_hits") >= 10 && on.counter("prefix_tokens_saved") > 0, on.err());
        assertTrue(!off.err().matches("(?s).*prefix_cache_hits [1-9].*"), off.err());
    }

    @Test
    void scoreModeAsHiveTextTable() throws IOException {
        Path in = dir.resolve("score-in");
        Files.createDirectories(in);
        Files.write(
                in.resolve("rows.jsonl"),
                List.of(
                        "{\"id\": \"s1\", \"prompt\": \"The cat was very\"}",
                        "{\"id\": \"s2\", \"prompt\": \"Tom saw a\", \"candidates\": [\" dog\", \" ball\", \" tree\"]}"),
                StandardCharsets.UTF_8);
        Path out = dir.resolve("score-out");
        Cli r = Cli.run(
                "infer",
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "-m",
                Reference.model().toString(),
                "--mode",
                "score",
                "--candidates",
                " happy, sad",
                "--format",
                "tsv");
        assertEquals(0, r.exit(), r.toString());
        List<List<String>> rows =
                OutputReader.lines(out).stream().map(OutputReader::hiveFields).toList();
        assertEquals(5, rows.size(), "one line per (row, candidate)");
        Map<String, List<String>> cands =
                Map.of("s1", List.of(" happy", " sad"), "s2", List.of(" dog", " ball", " tree"));
        Map<String, String> prompts = Map.of("s1", "The cat was very", "s2", "Tom saw a");
        Map<String, Double> probSum = new HashMap<>();
        int i = 0;
        for (String id : List.of("s1", "s2")) {
            List<Scorer.Score> ref = Reference.score(prompts.get(id), cands.get(id));
            for (int k = 0; k < ref.size(); k++, i++) {
                List<String> f = rows.get(i);
                assertEquals(6, f.size(), f.toString());
                assertEquals(id, f.get(0));
                assertEquals(cands.get(id).get(k), f.get(1));
                assertEquals(ref.get(k).logprob(), Double.parseDouble(f.get(2)), 0.0);
                assertEquals(ref.get(k).tokens().length, Integer.parseInt(f.get(4)));
                assertEquals(Reference.promptTokens(prompts.get(id)), Integer.parseInt(f.get(5)));
                probSum.merge(id, Double.parseDouble(f.get(3)), Double::sum);
            }
        }
        assertEquals(1.0, probSum.get("s1"), 1e-12);
        assertEquals(1.0, probSum.get("s2"), 1e-12);
    }

    @Test
    void tooManyRejectsFailTheJobWithoutSuccessMarker() throws IOException {
        Path out = dir.resolve("out-rejects");
        Cli r = Cli.run(
                "infer",
                "--input",
                input.toString(),
                "--output",
                out.toString(),
                "-m",
                Reference.model().toString(),
                "-n",
                "2",
                "--max-reject-fraction",
                "0.05");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("4 of 34 rows rejected"), r.err());
        assertFalse(Files.exists(out.resolve("_SUCCESS")));
        assertEquals(4, OutputReader.rejectLines(out).size());
    }

    @Test
    void propertiesFileUnderDashDUnderOptions() throws IOException {
        Path props = dir.resolve("job.properties");
        Files.writeString(
                props,
                "drafthorse.infer.max-new-tokens=3\ndrafthorse.infer.seed=9\ndrafthorse.infer.temperature=0.7\n"
                        + "drafthorse.infer.batch=2\n");
        Path out = dir.resolve("out-props");
        Cli r = Cli.run(
                "infer",
                "-D",
                "drafthorse.infer.seed=10",
                "--input",
                input.resolve("prompts.txt").toString(),
                "--output",
                out.toString(),
                "-m",
                Reference.model().toString(),
                "--properties",
                props.toString(),
                "--batch",
                "3",
                "--max-reject-fraction",
                "1");
        assertEquals(0, r.exit(), r.toString());
        JsonNode row = OutputReader.json(OutputReader.lines(out)).get(0);
        assertEquals(3, row.get("tokens").asInt(), "max-new-tokens from the properties file");
        Reference.Generated g = Reference.generate(
                row.get("id").asText(), GOOD.get(row.get("id").asText()), 3, new SamplerOptions(0.7f, 0, 1f, 0f, 10));
        assertEquals(g.text(), row.get("text").asText(), "seed 10 from -D wins over the file's 9");
    }

    @Test
    void badArgumentsExitTwoAndMissingFilesExitOne() throws IOException {
        Path out = dir.resolve("never");
        String m = Reference.model().toString();
        String in = input.toString();
        Cli mode = Cli.run("infer", "--input", in, "--output", out.toString(), "-m", m, "--mode", "classify");
        assertEquals(2, mode.exit(), mode.toString());
        assertTrue(mode.err().contains("drafthorse.infer.mode must be generate, score or embed"), mode.err());
        Cli batch =
                Cli.run("infer", "-D", "drafthorse.infer.batch=0", "--input", in, "--output", out.toString(), "-m", m);
        assertEquals(2, batch.exit(), batch.toString());
        assertTrue(batch.err().contains("drafthorse.infer.batch must be in [1, 4096], got 0"), batch.err());
        Cli cache = Cli.run(
                "infer",
                "-D",
                "drafthorse.infer.prefix-cache-mb=-1",
                "--input",
                in,
                "--output",
                out.toString(),
                "-m",
                m);
        assertEquals(2, cache.exit(), "the driver refuses it before any task runs: " + cache);
        assertTrue(
                cache.err().contains("drafthorse.infer.prefix-cache-mb must be in [0, 1048576], got -1"), cache.err());
        Cli noModel = Cli.run("infer", "--input", in, "--output", out.toString());
        assertEquals(2, noModel.exit(), noModel.toString());
        Cli unknown = Cli.run("infer", "--input", in, "--output", out.toString(), "-m", m, "--colour", "red");
        assertEquals(2, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("usage: drafthorse infer"), unknown.err());
        Cli missing = Cli.run(
                "infer",
                "--input",
                in,
                "--output",
                out.toString(),
                "-m",
                dir.resolve("nope.gguf").toString());
        assertEquals(1, missing.exit(), missing.toString());
        assertTrue(missing.err().contains("no such model file") && missing.err().contains("nope.gguf"), missing.err());
        Cli exists = Cli.run("infer", "--input", in, "--output", dir.toString(), "-m", m);
        assertEquals(1, exists.exit(), exists.toString());
        assertTrue(exists.err().contains("output directory already exists"), exists.err());
        Cli help = Cli.run("infer", "--help");
        assertEquals(0, help.exit());
        assertTrue(
                help.out().contains("drafthorse.infer.max-reject-fraction"),
                "the keys and their defaults are in the help");
        assertFalse(Files.exists(out));
    }

    private static String[] cat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    private static List<String> sorted(List<String> l) {
        return l.stream().sorted().toList();
    }
}
