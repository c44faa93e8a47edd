package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drafthorse.cli.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ids survive the job exactly (issue 15's probe): JSON ids backslash-u-d800 and backslash-u-dc00 (lone surrogates)
 * come out as the same escapes, not both as {@code "?"}; text that would have to be rewritten is rejected with
 * its reason; TSV output, which cannot carry such an id, rejects the row instead.
 */
class InferIdsTest {
    @TempDir
    Path dir;

    private Path input() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(
                in,
                String.join(
                                "\n",
                                "{\"id\": \"\\ud800\", \"prompt\": \"Once upon a time\"}",
                                "{\"id\": \"\\udc00\", \"prompt\": \"Once upon a time\"}",
                                "{\"id\": \"ok\", \"prompt\": \"The cat\"}",
                                "{\"id\": \"bad\", \"prompt\": \"x\\ud800\"}")
                        + "\n",
                StandardCharsets.UTF_8);
        return in;
    }

    private static Map<String, JsonNode> byId(List<JsonNode> rows) {
        Map<String, JsonNode> m = new TreeMap<>();
        for (JsonNode n : rows) {
            assertTrue(m.put(n.get("id").asText(), n) == null, "id appears once: " + n);
        }
        return m;
    }

    @Test
    void loneSurrogateIdsRoundTripAsEscapesAndBadTextIsRejected() throws Exception {
        Path out = dir.resolve("out");
        Cli r = Cli.run(
                "infer",
                "--input",
                input().toString(),
                "--output",
                out.toString(),
                "-m",
                Reference.model().toString(),
                "-n",
                "6",
                "--max-reject-fraction",
                "0.5");
        assertEquals(0, r.exit(), r.toString());
        List<String> lines = OutputReader.lines(out);
        for (String l : lines) {
            assertFalse(l.contains("\"id\":\"?\""), "an id rewritten as '?': " + l);
        }
        Map<String, JsonNode> rows = byId(OutputReader.json(lines));
        assertEquals(List.of("ok", "\ud800", "\udc00"), List.copyOf(rows.keySet()));
        assertEquals(rows.get("\ud800").get("text"), rows.get("\udc00").get("text"), "same prompt, same greedy text");
        String all = String.join("\n", lines);
        assertTrue(all.contains("\"id\":\"\\ud800\"") && all.contains("\"id\":\"\\udc00\""), all);
        List<JsonNode> rejects = OutputReader.json(OutputReader.rejectLines(out));
        assertEquals(1, rejects.size(), rejects.toString());
        assertEquals("bad", rejects.get(0).get("id").asText());
        assertTrue(
                rejects.get(0).get("reason").asText().startsWith("prompt holds a lone surrogate \\ud800 at char 1"),
                rejects.toString());
        assertNoPartialLines(out);
    }

    @Test
    void tsvOutputRejectsWhatItCannotWrite() throws Exception {
        Path out = dir.resolve("out-tsv");
        Cli r = Cli.run(
                "infer",
                "--input",
                input().toString(),
                "--output",
                out.toString(),
                "-m",
                Reference.model().toString(),
                "-n",
                "6",
                "--format",
                "tsv",
                "--max-reject-fraction",
                "0.9");
        assertEquals(0, r.exit(), r.toString());
        List<String> lines = OutputReader.lines(out);
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("ok\t"), lines.toString());
        Map<String, JsonNode> rejects = byId(OutputReader.json(OutputReader.rejectLines(out)));
        assertEquals(
                List.of("bad", "\ud800", "\udc00"), List.copyOf(rejects.keySet()), "the reject keeps the exact id");
        assertTrue(
                rejects.get("\ud800")
                        .get("reason")
                        .asText()
                        .startsWith("id holds a lone surrogate at char 0: --format tsv"),
                rejects.toString());
        assertNoPartialLines(out);
    }

    /** Every data file of the output ends with a newline and decodes as strict UTF-8. */
    static void assertNoPartialLines(Path out) throws Exception {
        for (String e : OutputReader.entries(out)) {
            Path f = out.resolve(e);
            if (Files.isRegularFile(f) && e.contains("part-")) {
                byte[] b = Files.readAllBytes(f);
                assertTrue(b.length == 0 || b[b.length - 1] == '\n', "partial last line in " + e);
                StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b));
            }
        }
    }
}
