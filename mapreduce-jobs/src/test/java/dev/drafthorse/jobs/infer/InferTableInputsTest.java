package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.cli.Cli;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.LongColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch;
import org.apache.hadoop.io.compress.BZip2Codec;
import org.apache.orc.OrcFile;
import org.apache.orc.TypeDescription;
import org.apache.orc.Writer;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code infer} reads ORC, Parquet, Hive text tables and compressed text: each gives, row for row (by id), the output
 * of the same rows as plain JSON lines, and rows in = rows out + rejected rows (a NULL prompt is a rejected row with
 * its reason, not a lost one). The files are written here with ORC's and Parquet's own writers and Hadoop's codecs;
 * {@code InferTablesHiveIT} has Hive itself write the tables.
 */
class InferTableInputsTest {
    @TempDir
    static Path dir;

    /** id → prompt; one prompt holds a tab, a newline, a backslash and \001's neighbour characters. */
    static final Map<String, String> ROWS = new LinkedHashMap<>();
    /** id → the JSON output row of the plain JSON-lines run (the oracle). */
    static final Map<String, String> EXPECTED = new TreeMap<>();

    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void reference() throws IOException {
        String[] words = {"the", "cat", "sat", "and", "Tom", "saw", "a", "big", "red", "ball", "Lily", "sun"};
        for (int i = 0; i < 12; i++) {
            StringBuilder p = new StringBuilder();
            for (int w = 0; w <= i % 5; w++) {
                p.append(w == 0 ? "" : " ").append(words[(i * 7 + w * 3) % words.length]);
            }
            ROWS.put(String.valueOf(100 + i), p.toString());
        }
        ROWS.put("112", "Tom\tsaw a\ncat \\ and\u0002 a dog");
        Path json = dir.resolve("json");
        Files.createDirectories(json);
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> e : ROWS.entrySet()) {
            lines.add(JSON.writeValueAsString(Map.of("id", e.getKey(), "prompt", e.getValue())));
        }
        Files.write(json.resolve("prompts.jsonl"), lines, StandardCharsets.UTF_8);
        Path out = dir.resolve("out-json");
        Cli r = run(json, out);
        assertEquals(0, r.exit(), r.toString());
        for (String l : OutputReader.lines(out)) {
            EXPECTED.put(JSON.readTree(l).get("id").asText(), l);
        }
        assertEquals(ROWS.keySet(), EXPECTED.keySet());
    }

    static Cli run(Path in, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(
                "infer",
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "-m",
                Reference.model().toString(),
                "-n",
                "8",
                "--threads",
                "1",
                "--max-reject-fraction",
                "0.5"));
        a.addAll(List.of(more));
        return Cli.run(a.toArray(String[]::new));
    }

    /** Runs {@code in}; checks every good row against the JSON-lines run and returns the rejects' reasons by id. */
    static Map<String, String> sameRows(Path in, String name, int nulls, String... more) throws IOException {
        Path out = dir.resolve("out-" + name);
        Cli r = run(in, out, more);
        assertEquals(0, r.exit(), r.toString());
        Map<String, String> got = new TreeMap<>();
        for (String l : OutputReader.lines(out)) {
            got.put(JSON.readTree(l).get("id").asText(), l);
        }
        assertEquals(EXPECTED, got, name + ": the same rows as from JSON lines");
        Map<String, String> rejects = new TreeMap<>();
        for (JsonNode n : OutputReader.json(OutputReader.rejectLines(out))) {
            rejects.put(
                    n.get("id").isNull() ? "null" : n.get("id").asText(),
                    n.get("reason").asText());
        }
        assertEquals(nulls, rejects.size(), name + " rejects: " + rejects);
        assertEquals(ROWS.size() + nulls, r.counter("rows_in"), name + ": rows in = rows out + rejected");
        assertEquals(ROWS.size(), r.counter("rows_out"));
        return rejects;
    }

    @Test
    void orcByColumnNameWithANullPrompt() throws IOException {
        Path in = dir.resolve("orc");
        Files.createDirectories(in);
        TypeDescription schema = TypeDescription.fromString("struct<n:int,key:string,body:string>");
        Configuration conf = new Configuration();
        try (Writer w = OrcFile.createWriter(
                new org.apache.hadoop.fs.Path(in.resolve("000000_0").toString()),
                OrcFile.writerOptions(conf)
                        .setSchema(schema)
                        .stripeSize(64 * 1024)
                        .bufferSize(1024))) {
            VectorizedRowBatch b = schema.createRowBatch();
            LongColumnVector n = (LongColumnVector) b.cols[0];
            BytesColumnVector key = (BytesColumnVector) b.cols[1];
            BytesColumnVector body = (BytesColumnVector) b.cols[2];
            int i = 0;
            for (Map.Entry<String, String> e : ROWS.entrySet()) {
                int row = b.size++;
                n.vector[row] = i++;
                key.setVal(row, e.getKey().getBytes(StandardCharsets.UTF_8));
                body.setVal(row, e.getValue().getBytes(StandardCharsets.UTF_8));
            }
            int row = b.size++;
            n.vector[row] = i;
            key.setVal(row, "nul".getBytes(StandardCharsets.UTF_8));
            body.noNulls = false;
            body.isNull[row] = true;
            w.addRowBatch(b);
        }
        Map<String, String> rejects = sameRows(in, "orc", 1, "--id-col", "key", "--prompt-col", "body");
        assertEquals(Map.of("nul", "column 'body' is NULL"), rejects);
        // A missing column fails the job, naming it and the columns there are.
        Cli r = run(in, dir.resolve("out-orc-nocol"));
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no column 'id' (drafthorse.infer.id-col); its columns are n, key, body"), r.err());
    }

    @Test
    void parquetWithIntegerIdsAndANullPrompt() throws IOException {
        Path in = dir.resolve("parquet");
        Files.createDirectories(in);
        MessageType schema = MessageTypeParser.parseMessageType(
                "message hive_schema { optional int64 id; optional binary prompt (STRING); optional double x; }");
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(
                        in.resolve("part-0.parquet").toString()))
                .withType(schema)
                .withConf(new Configuration())
                .build()) {
            SimpleGroupFactory f = new SimpleGroupFactory(schema);
            for (Map.Entry<String, String> e : ROWS.entrySet()) {
                w.write(f.newGroup()
                        .append("id", Long.parseLong(e.getKey()))
                        .append("prompt", e.getValue())
                        .append("x", 1.5));
            }
            w.write(f.newGroup().append("id", 999L));
        }
        Map<String, String> rejects = sameRows(in, "parquet", 1);
        assertEquals(Map.of("999", "column 'prompt' is NULL"), rejects);
    }

    @Test
    void hiveTextWithEscapesAndNull() throws IOException {
        Path in = dir.resolve("text");
        Files.createDirectories(in);
        StringBuilder t = new StringBuilder();
        for (Map.Entry<String, String> e : ROWS.entrySet()) {
            // as LazySimpleSerDe writes with ESCAPED BY '\\' and serialization.escape.crlf=true
            String p = e.getValue()
                    .replace("\\", "\\\\")
                    .replace("\u0001", "\\\u0001")
                    .replace("\n", "\\n")
                    .replace("\r", "\\r");
            t.append(e.getKey()).append('\u0001').append(p).append('\u0001').append("7\n");
        }
        t.append("nul\u0001\\N\u00017\n");
        Files.writeString(in.resolve("000000_0"), t.toString(), StandardCharsets.UTF_8);
        Map<String, String> rejects = sameRows(in, "text", 1, "--input-format", "text", "--escape-char", "\\");
        assertEquals(Map.of("nul", "prompt (column 2) is NULL"), rejects);
    }

    @Test
    void gzipJsonLinesAndBzip2TsvAsTheUncompressedFiles() throws IOException {
        Path gz = dir.resolve("gz");
        Files.createDirectories(gz);
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz.resolve("prompts.jsonl.gz")))) {
            o.write(Files.readAllBytes(dir.resolve("json/prompts.jsonl")));
        }
        sameRows(gz, "gz", 0);
        // TSV cannot hold the newline row: the other rows, bzip2-compressed, with Hadoop's (splittable) codec.
        Path bz = dir.resolve("bz2");
        Files.createDirectories(bz);
        BZip2Codec codec = new BZip2Codec();
        codec.setConf(new Configuration());
        try (OutputStream o = codec.createOutputStream(Files.newOutputStream(bz.resolve("prompts.tsv.bz2")))) {
            for (Map.Entry<String, String> e : ROWS.entrySet()) {
                if (!e.getValue().contains("\n") && !e.getKey().equals("112")) {
                    o.write((e.getKey() + "\t" + e.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        Path out = dir.resolve("out-bz2");
        Cli r = run(bz, out);
        assertEquals(0, r.exit(), r.toString());
        Map<String, String> got = new TreeMap<>();
        for (String l : OutputReader.lines(out)) {
            got.put(JSON.readTree(l).get("id").asText(), l);
        }
        Map<String, String> want = new TreeMap<>(EXPECTED);
        want.remove("112");
        assertEquals(want, got);
    }
}
