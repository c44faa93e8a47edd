package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drafthorse.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random bytes, huge lines and broken JSON through the whole job: no task crashes, every line is a row that is
 * either written or rejected with a reason.
 */
class InferFuzzTest {
    @TempDir
    Path dir;

    static final String[] VALID = {
        "{\"id\": \"v1\", \"prompt\": \"The cat sat\", \"max_new_tokens\": 3}",
        "{\"id\": 12, \"prompt\": \"Lily and Ben\", \"temperature\": 0.5, \"seed\": 2, \"stop\": [\".\"]}",
        "{\"id\": \"v3\", \"prompt\": \"caf\\u00e9 \\ud83d\\ude00 \\u0000 end\", \"top_k\": 3}",
    };

    @Test
    void noInputCrashesATask() throws IOException {
        Random rnd = new Random(2024);
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        for (int i = 0; i < 150; i++) {
            // random bytes, tabs and all (CR and LF too: Hadoop splits lines at each of them)
            byte[] b = new byte[rnd.nextInt(80)];
            rnd.nextBytes(b);
            if (rnd.nextBoolean() && b.length > 3) {
                b[rnd.nextInt(b.length)] = '\t';
            }
            text.write(b);
            text.write('\n');
            if (i % 10 == 0) {
                text.writeBytes(("ok" + i + "\tTom saw a big\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        for (int i = 0; i < 150; i++) {
            String v = VALID[rnd.nextInt(VALID.length)];
            String line = switch (rnd.nextInt(7)) {
                case 0 -> v.substring(0, rnd.nextInt(v.length())); // truncated
                case 1 -> mutate(v, rnd); // a byte changed
                case 2 -> "[".repeat(1 + rnd.nextInt(5000)); // deep nesting
                case 3 ->
                    "{\"id\": \"n" + i + "\", \"prompt\": \"x\", \"max_new_tokens\": 1" + "0".repeat(rnd.nextInt(30))
                            + "}";
                case 4 -> "{\"id\": \"s" + i + "\", \"prompt\": \"lone \\ud800 surrogate\", \"max_new_tokens\": 2}";
                case 5 -> "{\"id\": {\"nested\": 1}, \"prompt\": 5}";
                default -> v.replace("\"v", "\"f" + i + "-");
            };
            json.writeBytes(line.getBytes(StandardCharsets.UTF_8));
            json.write('\n');
        }
        // huge lines: over max-line-bytes, and under it but far over the context window
        text.writeBytes(("huge\t" + "the cat ".repeat(400_000) + "\n").getBytes(StandardCharsets.UTF_8));
        json.writeBytes(("{\"id\": \"long\", \"prompt\": \"" + "a b ".repeat(20_000) + "\"}\n")
                .getBytes(StandardCharsets.UTF_8));
        json.writeBytes(new byte[] {'{', (byte) 0xff, '"', (byte) 0xc0, (byte) 0x80, '}'}); // last line, no newline
        Files.write(in.resolve("fuzz.txt"), text.toByteArray());
        Files.write(in.resolve("fuzz.jsonl"), json.toByteArray());
        long lines = hadoopLines(text.toByteArray()) + hadoopLines(json.toByteArray());

        Path out = dir.resolve("out");
        Cli r = Cli.run(
                "infer",
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "-m",
                Reference.model().toString(),
                "-n",
                "4",
                "--batch",
                "5",
                "--max-reject-fraction",
                "1",
                "--rows-per-task",
                "60");
        assertEquals(0, r.exit(), r.toString());
        List<JsonNode> rows = OutputReader.json(OutputReader.lines(out));
        List<JsonNode> rejects = OutputReader.json(OutputReader.rejectLines(out));
        assertEquals(lines, r.counter("rows_in"), "every line is a row");
        assertEquals(lines, rows.size() + rejects.size(), "input rows = output rows + rejected rows");
        assertTrue(rows.size() >= 15, "the good rows among the junk still run: " + rows.size());
        for (JsonNode n : rows) {
            assertEquals(5, n.size(), n.toString());
            assertTrue(n.get("tokens").asInt() <= 4 || n.get("id").asText().startsWith("n"), n.toString());
        }
        List<String> reasons = new ArrayList<>();
        for (JsonNode n : rejects) {
            assertFalse(n.get("reason").asText().isBlank(), n.toString());
            assertTrue(n.get("input").asText().length() <= 1003, "rejects carry a bounded excerpt");
            reasons.add(n.get("reason").asText());
        }
        assertTrue(reasons.stream().anyMatch(s -> s.contains("exceeds drafthorse.infer.max-line-bytes")), "huge line");
        assertTrue(reasons.stream().anyMatch(s -> s.contains("does not fit the context window")), "long prompt");
        assertTrue(reasons.stream().anyMatch(s -> s.contains("invalid UTF-8")), "random bytes");
        assertTrue(reasons.stream().anyMatch(s -> s.startsWith("not JSON")), "broken JSON");
    }

    private static String mutate(String v, Random rnd) {
        char[] c = v.toCharArray();
        c[rnd.nextInt(c.length)] = "{}[]\",:\\ x0".charAt(rnd.nextInt(11));
        return new String(c);
    }

    /** Lines as Hadoop's LineRecordReader cuts them: at LF, CR or CRLF; a last line without a terminator counts. */
    static long hadoopLines(byte[] b) {
        long n = 0;
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n' || b[i] == '\r') {
                n++;
                if (b[i] == '\r' && i + 1 < b.length && b[i + 1] == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        return start < b.length ? n + 1 : n;
    }
}
