package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warehouse tables as Hive writes them, through {@code scripts/drafthorse} and the packaged jar: Hive creates and fills
 * tables {@code STORED AS ORC}, {@code STORED AS PARQUET}, a default text table and an {@code ESCAPED BY} text table
 * with a prompt holding a tab, one a newline, a backslash and a NULL; {@code infer} over each table's directory gives
 * the rows (by id) of the same prompts as JSON lines, the NULL a reject; then Hive reads {@code infer --format orc}
 * output and gzip-compressed JSON output through external tables.
 *
 * <p>The default text table shows Hive's own limit: without an escape character Hive writes the newline as it is, so
 * that row comes back as two broken rows (Hive's SELECT shows them). {@code infer} reads the table exactly as Hive's
 * SELECT does; the escaped table keeps the newline.
 */
class InferTablesHiveIT {
    @TempDir
    Path dir;

    static final ObjectMapper JSON = new ObjectMapper();

    private static Path root() {
        return Path.of(System.getProperty("drafthorse.jobJar"))
                .toAbsolutePath()
                .getParent()
                .getParent()
                .getParent();
    }

    private static String model() {
        return Path.of(System.getProperty("drafthorse.shared"))
                .resolve("models")
                .resolve("stories260K.gguf")
                .toString();
    }

    private String run(String... args) throws IOException, InterruptedException {
        List<String> cmd =
                new ArrayList<>(List.of(root().resolve("scripts/drafthorse").toString()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8)
                    + Files.readString(err));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static String b64(String s) {
        return s.equals("NULL") ? null : new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    /** Runs infer over {@code in}; id → JSON output row, and the rejects' reasons by id. */
    private Map<String, String> infer(Path in, String name, Map<String, String> rejects, String... more)
            throws IOException, InterruptedException {
        Path out = dir.resolve("out-" + name);
        List<String> a = new ArrayList<>(List.of("infer"));
        int generic = 0;
        while (generic < more.length && more[generic].equals("-D")) {
            generic += 2; // Hadoop's generic options come first
        }
        a.addAll(List.of(more).subList(0, generic));
        a.addAll(List.of(
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "-m",
                model(),
                "-n",
                "8",
                "--max-reject-fraction",
                "0.5"));
        a.addAll(List.of(more).subList(generic, more.length));
        run(a.toArray(String[]::new));
        Map<String, String> rows = new TreeMap<>();
        if (name.startsWith("orc-")) {
            return rows; // ORC or gzip parts: Hive reads them below
        }
        for (String l : OutputReader.lines(out)) {
            rows.put(JSON.readTree(l).get("id").asText(), l);
        }
        for (JsonNode n : OutputReader.json(OutputReader.rejectLines(out))) {
            rejects.put(n.get("id").asText(), n.get("reason").asText());
        }
        return rows;
    }

    /** JSON lines of id → prompt (non-NULL prompts), the equivalent input. */
    private Path jsonLines(String name, Map<String, String> prompts) throws IOException {
        Path in = dir.resolve("json-" + name);
        Files.createDirectories(in);
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> e : prompts.entrySet()) {
            if (e.getValue() != null) {
                lines.add(JSON.writeValueAsString(Map.of("id", e.getKey(), "prompt", e.getValue())));
            }
        }
        Files.write(in.resolve("prompts.jsonl"), lines, StandardCharsets.UTF_8);
        return in;
    }

    @Test
    void hiveTablesInAndHiveReadsTheOutputs() throws Exception {
        String[] names = {"orc", "parquet", "text", "escaped"};
        String loc = "file://" + dir + "/";
        String hive = run(
                "hive",
                "-e",
                "CREATE EXTERNAL TABLE t_orc (id STRING, prompt STRING, n INT) STORED AS ORC LOCATION '" + loc
                        + "orc';\n"
                        + "CREATE EXTERNAL TABLE t_parquet (id STRING, prompt STRING, n INT) STORED AS PARQUET"
                        + " LOCATION '" + loc + "parquet';\n"
                        + "CREATE EXTERNAL TABLE t_text (id STRING, prompt STRING, n INT) LOCATION '" + loc
                        + "text';\n"
                        + "CREATE EXTERNAL TABLE t_escaped (id STRING, prompt STRING, n INT) ROW FORMAT DELIMITED"
                        + " FIELDS TERMINATED BY '\\001' ESCAPED BY '\\\\' LOCATION '" + loc + "escaped'"
                        + " TBLPROPERTIES ('serialization.escape.crlf'='true');\n"
                        + "INSERT INTO t_orc VALUES ('a', 'Tom had\\ta red ball', 1), ('b', 'Lily saw\\na cat', 2),"
                        + " ('c', NULL, 3), ('d', 'the sun \\\\ was hot', 4), ('e', 'Once upon a time', 5);\n"
                        + "INSERT INTO t_parquet SELECT * FROM t_orc;\n"
                        + "INSERT INTO t_text SELECT * FROM t_orc;\n"
                        + "INSERT INTO t_escaped SELECT * FROM t_orc;\n"
                        + "SELECT 'orc', id, base64(cast(prompt AS BINARY)) FROM t_orc;\n"
                        + "SELECT 'parquet', id, base64(cast(prompt AS BINARY)) FROM t_parquet;\n"
                        + "SELECT 'text', base64(cast(id AS BINARY)), base64(cast(prompt AS BINARY)) FROM t_text;\n"
                        + "SELECT 'escaped', id, base64(cast(prompt AS BINARY)) FROM t_escaped;\n");
        // What Hive reads from each table: id → prompt (null for NULL).
        Map<String, Map<String, String>> read = new TreeMap<>();
        for (String line : hive.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length == 3 && List.of(names).contains(f[0])) {
                String id = f[0].equals("text") ? b64(f[1]) : f[1];
                read.computeIfAbsent(f[0], k -> new TreeMap<>()).put(id, b64(f[2]));
            }
        }
        Map<String, String> inserted = new TreeMap<>();
        inserted.put("a", "Tom had\ta red ball");
        inserted.put("b", "Lily saw\na cat");
        inserted.put("c", null);
        inserted.put("d", "the sun \\ was hot");
        inserted.put("e", "Once upon a time");
        assertEquals(inserted, read.get("orc"), hive);
        assertEquals(inserted, read.get("parquet"));
        assertEquals(inserted, read.get("escaped"));
        // Hive's default text table: the newline ends the row, in Hive's own reading.
        Map<String, String> brokenByHive = new TreeMap<>(inserted);
        brokenByHive.put("b", "Lily saw");
        brokenByHive.put("a cat", "2");
        assertEquals(brokenByHive, read.get("text"));

        Map<String, String> refRejects = new TreeMap<>();
        Map<String, String> want = infer(jsonLines("inserted", inserted), "ref", refRejects);
        assertEquals(4, want.size());
        Map<String, String> wantText = infer(jsonLines("text", brokenByHive), "ref-text", refRejects);
        assertEquals(Map.of(), refRejects);

        Map<String, String> rejects = new TreeMap<>();
        assertEquals(want, infer(dir.resolve("parquet"), "parquet", rejects));
        assertEquals(Map.of("c", "column 'prompt' is NULL"), rejects);
        rejects.clear();
        assertEquals(
                want,
                infer(dir.resolve("escaped"), "escaped", rejects, "--input-format", "text", "--escape-char", "\\"));
        assertEquals(Map.of("c", "prompt (column 2) is NULL"), rejects);
        rejects.clear();
        assertEquals(wantText, infer(dir.resolve("text"), "text", rejects, "--input-format", "text"));
        assertEquals(Map.of("c", "prompt (column 2) is NULL"), rejects);

        // ORC in, ORC out; ORC in, gzip JSON lines out: both read back by Hive.
        rejects.clear();
        infer(dir.resolve("orc"), "orc-orc", rejects, "--format", "orc");
        infer(
                dir.resolve("orc"),
                "orc-gz",
                rejects,
                "-D",
                "mapreduce.output.fileoutputformat.compress=true",
                "-D",
                "mapreduce.output.fileoutputformat.compress.codec=org.apache.hadoop.io.compress.GzipCodec");
        try (Stream<Path> s = Files.list(dir.resolve("out-orc-gz"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().matches("part-m-\\d{5}\\.gz")));
        }
        String back = run(
                "hive",
                "-e",
                "CREATE EXTERNAL TABLE gen_orc (id STRING, text STRING, tokens INT, finish_reason STRING,"
                        + " prompt_tokens INT) STORED AS ORC LOCATION '" + loc + "out-orc-orc';\n"
                        + "CREATE EXTERNAL TABLE gen_gz (id STRING, text STRING, tokens INT, finish_reason STRING,"
                        + " prompt_tokens INT) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.JsonSerDe'"
                        + " STORED AS TEXTFILE LOCATION '" + loc + "out-orc-gz';\n"
                        + "SELECT 'orc', id, base64(cast(text AS BINARY)), tokens, finish_reason, prompt_tokens FROM gen_orc;\n"
                        + "SELECT 'gz', id, base64(cast(text AS BINARY)), tokens, finish_reason, prompt_tokens FROM gen_gz;\n");
        Map<String, String> expected = new TreeMap<>();
        for (Map.Entry<String, String> e : want.entrySet()) {
            JsonNode n = JSON.readTree(e.getValue());
            expected.put(
                    e.getKey(),
                    n.get("text").asText() + "|" + n.get("tokens").asInt() + "|"
                            + n.get("finish_reason").asText() + "|"
                            + n.get("prompt_tokens").asInt());
        }
        Map<String, Map<String, String>> fromHive = new TreeMap<>();
        for (String line : back.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length == 6 && (f[0].equals("orc") || f[0].equals("gz"))) {
                fromHive.computeIfAbsent(f[0], k -> new TreeMap<>())
                        .put(f[1], b64(f[2]) + "|" + f[3] + "|" + f[4] + "|" + f[5]);
            }
        }
        assertEquals(expected, fromHive.get("orc"), back);
        assertEquals(expected, fromHive.get("gz"), back);
    }
}
