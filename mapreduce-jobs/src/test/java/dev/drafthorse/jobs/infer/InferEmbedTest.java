package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.cli.Cli;
import dev.drafthorse.kernels.embed.Embedder;
import dev.drafthorse.kernels.embed.Normalization;
import dev.drafthorse.kernels.embed.Pooling;
import dev.drafthorse.kernels.model.Model;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code embed} and {@code infer --mode embed}: llama.cpp's vectors end to end (the oracle of the kernels'
 * {@code EmbeddingReferenceTest}, {@code inference-kernels/src/test/resources/embed}), rows in = rows out + rejects with
 * reasons, every vector equal to the engine's bit for bit, and the job writing the very lines the command writes.
 */
class InferEmbedTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path llama;
    /** id → text of the good rows of rows.jsonl and rows.txt, in input order. */
    static final Map<String, String> GOOD = new LinkedHashMap<>();

    static int lines;

    @BeforeAll
    static void input() throws IOException {
        llama = Reference.model().resolveSibling("arch").resolve("llama_tied_gqa.gguf");
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        List<String> json = new ArrayList<>();
        List<String> tsv = new ArrayList<>();
        String[] texts = {
            "Once upon a time, there was a little girl named Lily.",
            "The cat sat on the mat.",
            "Tom saw a big red ball",
            "Once upon a time, there was a little boy.",
            "The sun was hot and the cat slept",
            "\"Quoted\", she said.\\ Then: tab\there."
        };
        for (int i = 0; i < texts.length; i++) {
            String id = "r" + i;
            GOOD.put(id, texts[i]);
            if (i % 2 == 0) {
                json.add(JSON.writeValueAsString(Map.of("id", id, i % 4 == 0 ? "text" : "prompt", texts[i])));
            } else {
                tsv.add(id + "\t" + texts[i]);
            }
        }
        json.add(1, "{\"id\": \"no-text\"}");
        json.add("{\"id\": \"both\", \"text\": \"a\", \"prompt\": \"b\"}");
        json.add("{\"id\": \"extra\", \"text\": \"a\", \"candidates\": [\"b\"]}");
        json.add("{\"id\": \"empty\", \"text\": \"\"}");
        json.add("{\"text\": \"no id\"}");
        json.add("{\"id\": \"long\", \"text\": \"" + "the cat sat on the mat ".repeat(80) + "\"}");
        json.add("not json");
        tsv.add("no tab here");
        tsv.add("empty\t");
        Files.write(in.resolve("rows.jsonl"), json, StandardCharsets.UTF_8);
        Files.write(in.resolve("rows.txt"), tsv, StandardCharsets.UTF_8);
        lines = json.size() + tsv.size();
    }

    static Map<String, float[]> expected(Pooling pooling) {
        Model m = Reference.load(llama);
        try {
            Embedder e = new Embedder(m, pooling, Normalization.L2, m.config().contextLength(), 64);
            Map<String, float[]> out = new HashMap<>();
            GOOD.forEach((id, text) -> out.put(id, e.embed(text)));
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static float[] floats(JsonNode a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = Float.parseFloat(a.get(i).asText());
        }
        return f;
    }

    /** The command on the texts llama-embedding was given: its vectors within the kernels' tolerance for the F16 model. */
    @Test
    void embedGivesLlamaCppVectors() throws IOException {
        JsonNode ref = JSON.readTree(Path.of("../inference-kernels/src/test/resources/embed/tinystories-23m-f16.json")
                .toFile());
        Path in = dir.resolve("oracle.jsonl");
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < ref.get("texts").size(); i++) {
            rows.add(JSON.writeValueAsString(
                    Map.of("id", i, "text", ref.get("texts").get(i).asText())));
        }
        Files.write(in, rows, StandardCharsets.UTF_8);
        for (String pooling : List.of("mean", "last")) {
            Path out = dir.resolve("oracle-" + pooling + ".jsonl");
            Cli r = Cli.run(
                    "embed",
                    "-m",
                    Reference.model().resolveSibling("tinystories-23m-f16.gguf").toString(),
                    "--input",
                    in.toString(),
                    "--output",
                    out.toString(),
                    "--pooling",
                    pooling,
                    "--threads",
                    "2");
            assertEquals(0, r.exit(), r.toString());
            List<String> got = Files.readAllLines(out);
            assertEquals(rows.size(), got.size());
            for (int i = 0; i < got.size(); i++) {
                JsonNode row = JSON.readTree(got.get(i));
                assertEquals(String.valueOf(i), row.get("id").asText());
                float[] v = floats(row.get("embedding"));
                JsonNode e = ref.get(pooling).get(i);
                double dot = 0;
                double ne = 0;
                double nv = 0;
                for (int k = 0; k < v.length; k++) {
                    double x = e.get(k).asDouble();
                    assertTrue(
                            Math.abs(x - v[k]) <= 1e-3,
                            String.format(
                                    Locale.ROOT,
                                    "%s row %d element %d: llama.cpp %.7f, embed %.7f",
                                    pooling,
                                    i,
                                    k,
                                    x,
                                    v[k]));
                    dot += x * v[k];
                    ne += x * x;
                    nv += (double) v[k] * v[k];
                }
                assertEquals(e.size(), v.length);
                assertTrue(
                        dot / Math.sqrt(ne * nv) > 0.9999,
                        pooling + " row " + i + ": cosine " + dot / Math.sqrt(ne * nv));
            }
        }
    }

    /** Both input forms, every row accounted for, every vector the engine's bits, rejects with their reasons. */
    @Test
    void embedCommandRowsAndRejects() throws IOException {
        Map<String, float[]> want = expected(Pooling.LAST);
        int seen = 0;
        int rejected = 0;
        for (String file : List.of("rows.jsonl", "rows.txt")) {
            for (String format : List.of("jsonl", "tsv")) {
                Path out = dir.resolve("cmd-" + file + "." + format);
                Cli r = Cli.run(
                        "embed",
                        "-m",
                        llama.toString(),
                        "--input",
                        dir.resolve("in").resolve(file).toString(),
                        "--output",
                        out.toString(),
                        "--pooling",
                        "last",
                        "--format",
                        format,
                        "--ctx-size",
                        "64",
                        "--batch-tokens",
                        "24");
                assertEquals(0, r.exit(), r.toString());
                List<String> got = Files.readAllLines(out);
                Path rej = BatchRejects.of(out);
                List<String> rejects = Files.exists(rej) ? Files.readAllLines(rej) : List.of();
                assertEquals(
                        Files.readAllLines(dir.resolve("in").resolve(file)).size(),
                        got.size() + rejects.size(),
                        file + " " + format);
                for (String line : got) {
                    String id;
                    float[] v;
                    if (format.equals("jsonl")) {
                        JsonNode n = JSON.readTree(line);
                        id = n.get("id").asText();
                        v = floats(n.get("embedding"));
                        assertEquals(2, n.size(), line);
                    } else {
                        List<String> f = OutputReader.hiveFields(line);
                        id = f.get(0);
                        String[] parts = f.get(1).split(",");
                        v = new float[parts.length];
                        for (int i = 0; i < parts.length; i++) {
                            v[i] = Float.parseFloat(parts[i]);
                        }
                    }
                    assertArrayEquals(want.get(id), v, id + " (" + file + ", " + format + ")");
                }
                if (format.equals("jsonl")) {
                    seen += got.size();
                    rejected += rejects.size();
                    String all = String.join("\n", rejects);
                    if (file.endsWith(".jsonl")) {
                        for (String reason : List.of(
                                "missing text",
                                "a text or a prompt, not both",
                                "unknown field 'candidates'",
                                "empty text",
                                "missing id",
                                "exceeds the context window of 64",
                                "explode_chunks",
                                "not JSON")) {
                            assertTrue(all.contains(reason), "no reject saying '" + reason + "' in\n" + all);
                        }
                    } else {
                        assertTrue(all.contains("no tab") && all.contains("empty text"), all);
                    }
                }
            }
        }
        assertEquals(GOOD.size(), seen);
        assertEquals(lines, seen + rejected);
    }

    /** infer --mode embed writes, for every row, the line embed writes (the same bytes), and the same rejects. */
    @Test
    void inferModeEmbedWritesWhatEmbedWrites() throws IOException {
        Path out = dir.resolve("job");
        Cli r = Cli.run(
                "infer",
                "--input",
                dir.resolve("in").toString(),
                "--output",
                out.toString(),
                "-m",
                llama.toString(),
                "--mode",
                "embed",
                "--ctx-size",
                "64",
                "--max-reject-fraction",
                "0.9",
                "--threads",
                "2");
        assertEquals(0, r.exit(), r.toString());
        List<String> got = OutputReader.lines(out);
        List<String> rejects = OutputReader.rejectLines(out);
        assertEquals(lines, got.size() + rejects.size());
        assertEquals(lines, r.counter("rows_in"));
        Map<String, String> byId = new HashMap<>();
        for (String line : got) {
            byId.put(JSON.readTree(line).get("id").asText(), line);
        }
        assertEquals(GOOD.keySet(), byId.keySet());
        Map<String, float[]> want = expected(null); // the model names no pooling: mean
        for (String file : List.of("rows.jsonl", "rows.txt")) {
            Path cmd = dir.resolve("cmd-mean-" + file + ".jsonl");
            Cli e = Cli.run(
                    "embed",
                    "-m",
                    llama.toString(),
                    "--input",
                    dir.resolve("in").resolve(file).toString(),
                    "--output",
                    cmd.toString(),
                    "--ctx-size",
                    "64");
            assertEquals(0, e.exit(), e.toString());
            for (String line : Files.readAllLines(cmd)) {
                JsonNode n = JSON.readTree(line);
                String id = n.get("id").asText();
                assertEquals(line, byId.get(id), id);
                assertArrayEquals(want.get(id), floats(n.get("embedding")), id);
            }
        }
    }

    @Test
    void badSettingsAreRefusedByName() {
        Path out = dir.resolve("never");
        Cli none = Cli.run(
                "infer",
                "--input",
                dir.resolve("in").toString(),
                "--output",
                out.toString(),
                "-m",
                llama.toString(),
                "--mode",
                "embed",
                "--pooling",
                "none");
        assertEquals(2, none.exit(), none.toString());
        assertTrue(none.err().contains("drafthorse.infer.pooling none gives a vector per token"), none.err());
        Cli gen = Cli.run(
                "infer",
                "--input",
                dir.resolve("in").toString(),
                "--output",
                out.toString(),
                "-m",
                llama.toString(),
                "--pooling",
                "mean");
        assertEquals(2, gen.exit(), gen.toString());
        assertTrue(gen.err().contains("drafthorse.infer.pooling applies to embed mode only"), gen.err());
        Cli chat = Cli.run(
                "infer",
                "--input",
                dir.resolve("in").toString(),
                "--output",
                out.toString(),
                "-m",
                llama.toString(),
                "--mode",
                "embed",
                "--chat");
        assertEquals(2, chat.exit(), chat.toString());
        Cli cmd = Cli.run(
                "embed",
                "-m",
                llama.toString(),
                "--input",
                dir.resolve("in").resolve("rows.txt").toString(),
                "--output",
                out.toString(),
                "--normalize",
                "l1");
        assertEquals(2, cmd.exit(), cmd.toString());
        assertTrue(cmd.err().contains("--normalize must be l2 or none, got 'l1'"), cmd.err());
        assertTrue(!Files.exists(out));
    }

    /** {@code OUT.jsonl} → {@code OUT.rejects.jsonl}, as batch names it. */
    static final class BatchRejects {
        static Path of(Path out) {
            String name = out.getFileName().toString();
            int dot = name.lastIndexOf('.');
            return out.resolveSibling(name.substring(0, dot) + ".rejects" + name.substring(dot));
        }
    }
}
