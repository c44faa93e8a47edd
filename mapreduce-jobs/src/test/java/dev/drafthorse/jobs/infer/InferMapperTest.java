package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drafthorse.jobs.CacheFiles;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mrunit.mapreduce.MapDriver;
import org.apache.hadoop.mrunit.types.Pair;
import org.junit.jupiter.api.Test;

/** MRUnit: the mapper's row handling, rejects with reasons, counters, and agreement with the engine run directly. */
class InferMapperTest {
    private static MapDriver<LongWritable, Text, Text, Text> driver(String... settings) {
        MapDriver<LongWritable, Text, Text, Text> d = MapDriver.newMapDriver(new InferMapper());
        d.getConfiguration().set(InferKey.MODEL.key(), Reference.model().toUri().toString());
        d.getConfiguration().set(InferKey.THREADS.key(), "1");
        for (int i = 0; i < settings.length; i += 2) {
            d.getConfiguration().set(InferKey.PREFIX + settings[i], settings[i + 1]);
        }
        try {
            d.withCacheFile(CacheFiles.register(
                    d.getConfiguration(), Reference.model().toUri(), InferMapper.MODEL_ROLE, ".gguf"));
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return d;
    }

    private static Text text(byte[] b) {
        Text t = new Text();
        t.set(b);
        return t;
    }

    private static Text text(String s) {
        return new Text(s);
    }

    record Out(List<JsonNode> rows, List<JsonNode> rejects) {}

    private static Out split(List<Pair<Text, Text>> out) {
        List<String> rows = new ArrayList<>();
        List<String> rejects = new ArrayList<>();
        for (Pair<Text, Text> p : out) {
            (p.getFirst().toString().equals("row") ? rows : rejects)
                    .add(p.getSecond().toString());
            assertTrue(
                    p.getFirst().toString().equals("row")
                            || p.getFirst().toString().equals("reject"),
                    p.getFirst().toString());
        }
        return new Out(OutputReader.json(rows), OutputReader.json(rejects));
    }

    @Test
    void textRowsAndTheirRejects() throws IOException {
        MapDriver<LongWritable, Text, Text, Text> d =
                driver("input-format", "tsv", "max-new-tokens", "12", "batch", "2", "queue", "2");
        String[] good = {"The sun was hot and the cat", "Tom had a red ball", "Once upon a time\twith a tab inside"};
        long off = 0;
        List<Object[]> in = new ArrayList<>();
        in.add(new Object[] {"r0\t" + good[0]});
        in.add(new Object[] {"no tab at all"});
        in.add(new Object[] {"r1\t" + good[1]});
        in.add(new Object[] {"r-empty\t"});
        in.add(new Object[] {"\tprompt without id"});
        in.add(new Object[] {""});
        in.add(new Object[] {"r2\t" + good[2]});
        for (Object[] o : in) {
            d.withInput(new LongWritable(off), text((String) o[0]));
            off += ((String) o[0]).length() + 1;
        }
        d.withInput(new LongWritable(off), text(new byte[] {'r', '9', '\t', (byte) 0xc3, (byte) 0x28}));
        Out out = split(d.run());
        assertEquals(
                in.size() + 1, out.rows().size() + out.rejects().size(), "input rows = output rows + rejected rows");
        assertEquals(3, out.rows().size());
        for (int i = 0; i < 3; i++) {
            JsonNode n = out.rows().get(i);
            assertEquals("r" + i, n.get("id").asText(), "input order");
            Reference.Generated g = Reference.generate("r" + i, good[i], 12, SamplerOptions.GREEDY);
            assertEquals(g.text(), n.get("text").asText(), "row r" + i);
            assertEquals(g.tokens(), n.get("tokens").asInt());
            assertEquals(g.finish(), n.get("finish_reason").asText());
            assertEquals(g.promptTokens(), n.get("prompt_tokens").asInt());
            assertEquals(List.of("id", "text", "tokens", "finish_reason", "prompt_tokens"), fieldNames(n));
        }
        List<String> reasons = out.rejects().stream()
                .map(r -> r.get("id").asText() + ": " + r.get("reason").asText())
                .toList();
        assertEquals(
                List.of(
                        "null: no tab: a text row is id<TAB>prompt",
                        "r-empty: empty prompt",
                        "null: empty id",
                        "null: empty line",
                        "r9: invalid UTF-8"),
                reasons);
        assertEquals(8, d.getCounters().findCounter(InferCounter.ROWS_IN).getValue());
        assertEquals(3, d.getCounters().findCounter(InferCounter.ROWS_OUT).getValue());
        assertEquals(5, d.getCounters().findCounter(InferCounter.ROWS_REJECTED).getValue());
        assertEquals(
                36, d.getCounters().findCounter(InferCounter.GENERATED_TOKENS).getValue());
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> f = new ArrayList<>();
        n.fieldNames().forEachRemaining(f::add);
        return f;
    }

    @Test
    void jsonRowsWithOptionsAndTheirRejects() throws IOException {
        MapDriver<LongWritable, Text, Text, Text> d = driver("input-format", "jsonl", "max-new-tokens", "5");
        String[] lines = {
            "{\"id\": \"a\", \"prompt\": \"Lily and Ben\", \"max_new_tokens\": 9}",
            "{\"id\": 7, \"prompt\": \"A dog\", \"temperature\": 0.8, \"seed\": 3}",
            "{\"id\": \"b\", \"prompt\": \"x\", \"colour\": \"red\"}",
            "{\"id\": \"c\", \"prompt\": \"x\", \"candidates\": [\"a\"]}",
            "not json",
            "[1, 2]",
            "{\"prompt\": \"no id\"}",
            "{\"id\": \"d\", \"prompt\": \"x\", \"top_p\": 0}",
            "{\"id\": \"e\", \"prompt\": \"" + "the cat sat ".repeat(400) + "\"}",
            "{\"id\": \"f\", \"prompt\": \"Tom\", \"stop\": [\".\"], \"max_new_tokens\": 60}",
        };
        for (int i = 0; i < lines.length; i++) {
            d.withInput(new LongWritable(i * 1000L), text(lines[i]));
        }
        Out out = split(d.run());
        assertEquals(lines.length, out.rows().size() + out.rejects().size());
        assertEquals(
                List.of("a", "7", "f"),
                out.rows().stream().map(n -> n.get("id").asText()).toList());
        Reference.Generated a = Reference.generate("a", "Lily and Ben", 9, SamplerOptions.GREEDY);
        assertEquals(a.text(), out.rows().get(0).get("text").asText());
        Reference.Generated seven = Reference.generate("7", "A dog", 5, new SamplerOptions(0.8f, 0, 1f, 0f, 3));
        assertEquals(
                seven.text(), out.rows().get(1).get("text").asText(), "sampled row: its own stream from (seed, id)");
        assertEquals("stop", out.rows().get(2).get("finish_reason").asText());
        assertTrue(!out.rows().get(2).get("text").asText().contains("."));
        String all = out.rejects().toString();
        for (String want : new String[] {
            "unknown option 'colour'",
            "unknown option 'candidates'",
            "not JSON",
            "not a JSON object",
            "missing id",
            "top-p must be in (0, 1]",
            "does not fit the context window of 128"
        }) {
            assertTrue(all.contains(want), want + " in " + all);
        }
        for (JsonNode r : out.rejects()) {
            assertTrue(
                    r.has("file") && r.has("offset") && r.has("id") && r.has("reason") && r.has("input"), r.toString());
        }
        JsonNode ctx = out.rejects().stream()
                .filter(r -> r.get("id").asText().equals("e"))
                .findFirst()
                .orElseThrow();
        assertEquals(8000, ctx.get("offset").asLong());
        assertTrue(ctx.get("input").asText().endsWith("..."), "long inputs are cut in the rejects");
    }

    @Test
    void scoreRows() throws IOException {
        MapDriver<LongWritable, Text, Text, Text> d =
                driver("mode", "score", "candidates", " happy, sad", "input-format", "auto");
        d.withInput(new LongWritable(0), text("s1\tThe cat was very"));
        d.withInput(new LongWritable(20), text("s2\tTom was"));
        Out out = split(d.run());
        assertEquals(2, out.rows().size(), out.rejects().toString());
        JsonNode s1 = out.rows().get(0);
        assertEquals(List.of("id", "prompt_tokens", "candidates"), fieldNames(s1));
        List<Scorer.Score> ref = Reference.score("The cat was very", List.of(" happy", " sad"));
        double sum = 0;
        for (int i = 0; i < 2; i++) {
            JsonNode c = s1.get("candidates").get(i);
            assertEquals(List.of("candidate", "logprob", "prob", "tokens"), fieldNames(c));
            assertEquals(List.of(" happy", " sad").get(i), c.get("candidate").asText());
            assertEquals(ref.get(i).logprob(), c.get("logprob").asDouble(), 0.0, "the engine's own score, bit for bit");
            assertEquals(ref.get(i).tokens().length, c.get("tokens").asInt());
            sum += c.get("prob").asDouble();
        }
        assertEquals(1.0, sum, 1e-12);
        double p0 = 1 / (1 + Math.exp(ref.get(1).logprob() - ref.get(0).logprob()));
        assertEquals(p0, s1.get("candidates").get(0).get("prob").asDouble(), 1e-12, "prob = softmax of the logprobs");
        assertEquals(
                Reference.promptTokens("The cat was very"),
                s1.get("prompt_tokens").asInt());
    }

    @Test
    void perRowCandidatesAndScoreRejects() throws IOException {
        MapDriver<LongWritable, Text, Text, Text> d = driver("mode", "score", "input-format", "jsonl");
        d.withInput(
                new LongWritable(0),
                text("{\"id\": \"q\", \"prompt\": \"Lily saw a\", \"candidates\": [\" dog\", \" cat\", \" tree\"]}"));
        d.withInput(new LongWritable(1), text("{\"id\": \"none\", \"prompt\": \"Lily saw a\"}"));
        d.withInput(new LongWritable(2), text("{\"id\": \"emptyc\", \"prompt\": \"Lily\", \"candidates\": []}"));
        d.withInput(
                new LongWritable(3),
                text("{\"id\": \"gen\", \"prompt\": \"Lily\", \"candidates\": [\"a\"], \"max_new_tokens\": 3}"));
        Out out = split(d.run());
        assertEquals(1, out.rows().size());
        assertEquals(3, out.rows().get(0).get("candidates").size());
        String all = out.rejects().toString();
        assertTrue(all.contains("no candidates"), all);
        assertTrue(all.contains("candidates must not be empty"), all);
        assertTrue(all.contains("unknown option 'max_new_tokens'"), all);
    }

    @Test
    void tsvOutputEscapesForHive() throws IOException {
        MapDriver<LongWritable, Text, Text, Text> d =
                driver("input-format", "tsv", "format", "tsv", "max-new-tokens", "30");
        d.withInput(new LongWritable(0), text("id\\with\ttab\tOnce upon a time"));
        List<Pair<Text, Text>> out = d.run();
        assertEquals(1, out.size());
        String line = out.get(0).getSecond().toString();
        assertTrue(!line.contains("\n"), "one physical line per row");
        List<String> f = OutputReader.hiveFields(line);
        assertEquals(5, f.size(), line);
        assertEquals("id\\with", f.get(0));
        Reference.Generated g = Reference.generate("id\\with", "tab\tOnce upon a time", 30, SamplerOptions.GREEDY);
        assertEquals(g.text(), f.get(1));
        assertEquals(String.valueOf(g.tokens()), f.get(2));
        assertEquals(g.finish(), f.get(3));
        assertEquals(String.valueOf(g.promptTokens()), f.get(4));
    }

    @Test
    void overlongLinesAreRejectedUnparsed() throws IOException {
        MapDriver<LongWritable, Text, Text, Text> d = driver("input-format", "tsv", "max-line-bytes", "100");
        d.withInput(new LongWritable(0), text("long\t" + "x".repeat(200)));
        Out out = split(d.run());
        assertEquals(0, out.rows().size());
        assertTrue(
                out.rejects().get(0).get("reason").asText().contains("exceeds drafthorse.infer.max-line-bytes (100)"));
        assertEquals(
                new String(("long\t" + "x".repeat(200)).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
                out.rejects().get(0).get("input").asText());
    }
}
