package dev.drafthorse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.kernels.SharedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code batch}: input order, rejects with reasons, rows = outputs + rejects, and agreement with {@code generate}. */
class BatchCommandTest {
    @TempDir
    Path dir;

    @Test
    void loneSurrogateIdsRoundTripAndTextThatNeedsRewritingIsRejected() throws IOException {
        // issue 15's probe: batch died with MalformedInputException, a partial last line, and the row before lost.
        List<String> lines = List.of(
                "{\"id\": \"before\", \"prompt\": \"The cat\", \"max_new_tokens\": 4}",
                "{\"id\": \"\\ud800\", \"prompt\": \"Once upon a time\", \"max_new_tokens\": 4}",
                "{\"id\": \"\\udc00\", \"prompt\": \"Once upon a time\", \"max_new_tokens\": 4}",
                "{\"id\": \"\\udfff\", \"prompt\": \"x\\ud800\"}");
        Path in = dir.resolve("ids.jsonl");
        Files.write(in, lines, StandardCharsets.UTF_8);
        Path out = dir.resolve("ids-out.jsonl");
        Cli r = Cli.run(
                "batch",
                "-m",
                SharedFiles.model("stories260K.gguf").toString(),
                "--input",
                in.toString(),
                "--output",
                out.toString());
        assertEquals(0, r.exit, r.toString());
        ObjectMapper m = new ObjectMapper();
        byte[] raw = Files.readAllBytes(out);
        assertEquals('\n', raw[raw.length - 1], "no partial last line");
        List<String> outLines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertEquals(
                List.of("before", "\ud800", "\udc00"),
                outLines.stream()
                        .map(l -> {
                            try {
                                return m.readTree(l).get("id").asText();
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        })
                        .toList(),
                "ids come back exactly, in input order");
        assertTrue(outLines.get(1).contains("\"id\":\"\\ud800\""), outLines.get(1));
        List<String> rejects = Files.readAllLines(dir.resolve("ids-out.rejects.jsonl"), StandardCharsets.UTF_8);
        assertEquals(1, rejects.size(), rejects.toString());
        JsonNode rej = m.readTree(rejects.get(0));
        assertEquals("\udfff", rej.get("id").asText(), "the reject keeps the exact id");
        assertTrue(
                rej.get("reason").asText().startsWith("prompt holds a lone surrogate \\ud800 at char 1"),
                rej.toString());
    }

    @Test
    void writesInInputOrderAndRejectsBadLines() throws IOException {
        String[] prompts = {
            "The sun was hot and the cat", "Tom had a red ball", "Once upon a time", "Lily and Ben", "A dog"
        };
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            lines.add("{\"id\": \"row-" + i + "\", \"prompt\": \"" + prompts[i] + "\", \"max_new_tokens\": "
                    + (10 + 7 * i) + "}");
        }
        lines.add(2, "this is not json");
        lines.add(4, "{\"id\": \"empty\", \"prompt\": \"\"}");
        lines.add("{\"id\": \"bad-option\", \"prompt\": \"x\", \"colour\": \"red\"}");
        lines.add("{\"prompt\": \"no id\"}");
        lines.add("{\"id\": \"neg\", \"prompt\": \"x\", \"temperature\": -1}");
        Path in = dir.resolve("in.jsonl");
        Files.write(in, lines, StandardCharsets.UTF_8);
        Files.write(in, new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}', '\n'}, java.nio.file.StandardOpenOption.APPEND);
        Path out = dir.resolve("out.jsonl");
        Cli r = Cli.run(
                "batch",
                "-m",
                SharedFiles.model("stories260K.gguf").toString(),
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "--batch",
                "3");
        assertEquals(0, r.exit, r.toString());
        ObjectMapper m = new ObjectMapper();
        List<String> outLines = Files.readAllLines(out);
        List<String> rejects = Files.readAllLines(dir.resolve("out.rejects.jsonl"));
        assertEquals(lines.size() + 1, outLines.size() + rejects.size(), "input lines = output lines + rejected lines");
        assertEquals(prompts.length, outLines.size());
        for (int i = 0; i < prompts.length; i++) {
            JsonNode n = m.readTree(outLines.get(i));
            assertEquals("row-" + i, n.get("id").asText());
            // the same text generate prints for that prompt and length
            Cli g = Cli.run(
                    "generate",
                    "-m",
                    SharedFiles.model("stories260K.gguf").toString(),
                    "-p",
                    prompts[i],
                    "-n",
                    Integer.toString(10 + 7 * i),
                    "--json");
            JsonNode gj = m.readTree(g.out);
            assertEquals(gj.get("tokens"), n.get("tokens"), "row " + i);
            assertEquals(gj.get("text").asText(), n.get("text").asText());
            assertEquals(10 + 7 * i, n.get("stats").get("generated_tokens").asInt());
        }
        String all = String.join("\n", rejects);
        assertTrue(all.contains("not JSON"), all);
        assertTrue(all.contains("empty prompt"), all);
        assertTrue(all.contains("unknown option 'colour'"), all);
        assertTrue(all.contains("missing id"), all);
        assertTrue(all.contains("temperature"), all);
        assertTrue(all.contains("invalid UTF-8"), all);
        for (String rej : rejects) {
            assertTrue(m.readTree(rej).has("reason") && m.readTree(rej).has("line"), rej);
        }
    }

    @Test
    void speculationAndBatchSizeNeverChangeGreedyOutputs() throws IOException {
        Random rnd = new Random(4);
        String[] words = {"the", "cat", "sat", "and", "Tom", "saw", "a", "big", "red", "ball", "Lily"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            StringBuilder p = new StringBuilder();
            for (int w = 0; w < 1 + rnd.nextInt(12); w++) {
                p.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
            }
            lines.add("{\"id\": " + i + ", \"prompt\": \"" + p + "\"}");
        }
        Path in = dir.resolve("in.jsonl");
        Files.write(in, lines, StandardCharsets.UTF_8);
        String model = SharedFiles.model("stories260K.gguf").toString();
        Cli base = Cli.run(
                "batch",
                "-m",
                model,
                "--input",
                in.toString(),
                "--output",
                dir.resolve("a.jsonl").toString(),
                "-n",
                "40",
                "--batch",
                "1");
        Cli big = Cli.run(
                "batch",
                "-m",
                model,
                "--input",
                in.toString(),
                "--output",
                dir.resolve("b.jsonl").toString(),
                "-n",
                "40",
                "--batch",
                "8",
                "--threads",
                "1");
        Cli draft = Cli.run(
                "batch",
                "-m",
                model,
                "--input",
                in.toString(),
                "--output",
                dir.resolve("c.jsonl").toString(),
                "-n",
                "40",
                "--batch",
                "5",
                "--draft",
                SharedFiles.model("tinystories-1m.gguf").toString(),
                "--draft-max",
                "4");
        Cli lookup = Cli.run(
                "batch",
                "-m",
                model,
                "--input",
                in.toString(),
                "--output",
                dir.resolve("d.jsonl").toString(),
                "-n",
                "40",
                "--batch",
                "4",
                "--lookup");
        for (Cli c : new Cli[] {base, big, draft, lookup}) {
            assertEquals(0, c.exit, c.toString());
        }
        List<String> expected = tokens(dir.resolve("a.jsonl"));
        assertEquals(expected, tokens(dir.resolve("b.jsonl")));
        assertEquals(expected, tokens(dir.resolve("c.jsonl")));
        assertEquals(expected, tokens(dir.resolve("d.jsonl")));
    }

    private static List<String> tokens(Path p) throws IOException {
        ObjectMapper m = new ObjectMapper();
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(p)) {
            JsonNode n = m.readTree(l);
            out.add(n.get("id").asText() + ":" + n.get("tokens"));
        }
        return out;
    }
}
