package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.cli.Cli;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.DoubleColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.ListColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.LongColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.StructColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch;
import org.apache.orc.CompressionKind;
import org.apache.orc.OrcFile;
import org.apache.orc.Reader;
import org.apache.orc.RecordReader;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code infer --format orc|parquet}, compressed text outputs, and a non-default output committer: every output read
 * back with ORC's and Parquet's own readers (or the JDK's gzip) holds the values of the JSON-lines output, and the
 * manifest committer publishes the same part files and rejects, byte for byte, as FileOutputCommitter.
 */
class InferTableOutputsTest {
    @TempDir
    static Path dir;

    static Path input;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void input() throws IOException {
        input = dir.resolve("in");
        Files.createDirectories(input);
        List<String> lines = new ArrayList<>();
        String[] prompts = {"Tom had a red ball", "The sun was hot", "Lily saw a cat", "Once upon a time", "a big dog"};
        for (int i = 0; i < 25; i++) {
            lines.add("r" + i + "\t" + prompts[i % prompts.length] + (i % 2 == 0 ? "" : " and"));
        }
        lines.add(7, "a line without a tab");
        Files.write(input.resolve("rows.txt"), lines, StandardCharsets.UTF_8);
    }

    static Cli run(Path out, String... more) {
        List<String> a = new ArrayList<>();
        a.add("infer");
        int i = 0;
        while (i < more.length && more[i].equals("-D")) {
            a.add(more[i++]);
            a.add(more[i++]);
        }
        a.addAll(List.of(
                "--input",
                input.toString(),
                "--output",
                out.toString(),
                "-m",
                Reference.model().toString(),
                "-n",
                "8",
                "--threads",
                "1",
                "--rows-per-task",
                "10"));
        a.addAll(List.of(more).subList(i, more.length));
        Cli r = Cli.run(a.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        return r;
    }

    static List<Path> parts(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(p -> p.getFileName().toString().startsWith("part-"))
                    .sorted()
                    .toList();
        }
    }

    /** id → JSON row of a JSON-lines output. */
    static Map<String, JsonNode> byId(List<String> lines) throws IOException {
        Map<String, JsonNode> m = new TreeMap<>();
        for (String l : lines) {
            JsonNode n = JSON.readTree(l);
            m.put(n.get("id").asText(), n);
        }
        return m;
    }

    @Test
    void generateAsOrcParquetAndGzipHoldsTheJsonRows() throws IOException {
        Path jsonOut = dir.resolve("gen-json");
        run(jsonOut);
        Map<String, JsonNode> want = byId(OutputReader.lines(jsonOut));
        assertEquals(25, want.size());

        Path orcOut = dir.resolve("gen-orc");
        run(orcOut, "--format", "orc");
        Map<String, String> orc = new TreeMap<>();
        Configuration conf = new Configuration();
        for (Path p : parts(orcOut)) {
            assertTrue(p.getFileName().toString().matches("part-m-\\d{5}\\.orc"), p.toString());
            try (Reader r =
                    OrcFile.createReader(new org.apache.hadoop.fs.Path(p.toString()), OrcFile.readerOptions(conf))) {
                assertTrue(r.getCompressionKind() != CompressionKind.NONE, "ORC is compressed by default");
                VectorizedRowBatch b = r.getSchema().createRowBatch();
                try (RecordReader rows = r.rows()) {
                    while (rows.nextBatch(b)) {
                        for (int i = 0; i < b.size; i++) {
                            orc.put(
                                    ((BytesColumnVector) b.cols[0]).toString(i),
                                    ((BytesColumnVector) b.cols[1]).toString(i) + "|"
                                            + ((LongColumnVector) b.cols[2]).vector[i] + "|"
                                            + ((BytesColumnVector) b.cols[3]).toString(i) + "|"
                                            + ((LongColumnVector) b.cols[4]).vector[i]);
                        }
                    }
                }
            }
        }
        assertEquals(flat(want), orc);
        // The rejects stay JSON lines, with their reasons.
        assertEquals(1, OutputReader.rejectLines(orcOut).size());

        Path parquetOut = dir.resolve("gen-parquet");
        run(parquetOut, "--format", "parquet");
        Map<String, String> parquet = new TreeMap<>();
        for (Path p : parts(parquetOut)) {
            org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(p.toString());
            try (ParquetFileReader f = ParquetFileReader.open(HadoopInputFile.fromPath(hp, conf))) {
                assertEquals(
                        CompressionCodecName.SNAPPY,
                        f.getFooter().getBlocks().get(0).getColumns().get(0).getCodec());
            }
            try (ParquetReader<Group> r =
                    ParquetReader.builder(new GroupReadSupport(), hp).build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    parquet.put(
                            g.getString("id", 0),
                            g.getString("text", 0) + "|" + g.getInteger("tokens", 0) + "|"
                                    + g.getString("finish_reason", 0) + "|" + g.getInteger("prompt_tokens", 0));
                }
            }
        }
        assertEquals(flat(want), parquet);

        Path gzOut = dir.resolve("gen-gz");
        run(
                gzOut,
                "-D",
                "mapreduce.output.fileoutputformat.compress=true",
                "-D",
                "mapreduce.output.fileoutputformat.compress.codec=org.apache.hadoop.io.compress.GzipCodec");
        List<String> lines = new ArrayList<>();
        for (Path p : parts(gzOut)) {
            assertTrue(p.getFileName().toString().matches("part-m-\\d{5}\\.gz"), p.toString());
            try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
                String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (!all.isEmpty()) {
                    lines.addAll(List.of(all.substring(0, all.length() - 1).split("\n", -1)));
                }
            }
        }
        assertEquals(OutputReader.lines(jsonOut), lines, "gzip parts hold the same lines in the same order");
    }

    private static Map<String, String> flat(Map<String, JsonNode> rows) {
        Map<String, String> m = new TreeMap<>();
        rows.forEach((id, n) -> m.put(
                id,
                n.get("text").asText() + "|" + n.get("tokens").asInt() + "|"
                        + n.get("finish_reason").asText() + "|"
                        + n.get("prompt_tokens").asInt()));
        return m;
    }

    @Test
    void scoreAsOrcKeepsEveryCandidateBitForBit() throws IOException {
        Path jsonOut = dir.resolve("score-json");
        run(jsonOut, "--mode", "score", "--candidates", " happy, sad");
        Map<String, JsonNode> want = byId(OutputReader.lines(jsonOut));
        Path orcOut = dir.resolve("score-orc");
        run(orcOut, "--mode", "score", "--candidates", " happy, sad", "--format", "orc");
        int rows = 0;
        for (Path p : parts(orcOut)) {
            try (Reader r = OrcFile.createReader(
                    new org.apache.hadoop.fs.Path(p.toString()), OrcFile.readerOptions(new Configuration()))) {
                VectorizedRowBatch b = r.getSchema().createRowBatch();
                try (RecordReader rr = r.rows()) {
                    while (rr.nextBatch(b)) {
                        ListColumnVector c = (ListColumnVector) b.cols[2];
                        StructColumnVector s = (StructColumnVector) c.child;
                        for (int i = 0; i < b.size; i++) {
                            JsonNode w = want.get(((BytesColumnVector) b.cols[0]).toString(i));
                            assertEquals(w.get("prompt_tokens").asLong(), ((LongColumnVector) b.cols[1]).vector[i]);
                            assertEquals(w.get("candidates").size(), c.lengths[i]);
                            for (int k = 0; k < c.lengths[i]; k++) {
                                int e = (int) c.offsets[i] + k;
                                JsonNode wc = w.get("candidates").get(k);
                                assertEquals(
                                        wc.get("candidate").asText(), ((BytesColumnVector) s.fields[0]).toString(e));
                                assertEquals(
                                        Double.parseDouble(wc.get("logprob").asText()),
                                        ((DoubleColumnVector) s.fields[1]).vector[e]);
                                assertEquals(
                                        Double.parseDouble(wc.get("prob").asText()),
                                        ((DoubleColumnVector) s.fields[2]).vector[e]);
                            }
                            rows++;
                        }
                    }
                }
            }
        }
        assertEquals(want.size(), rows);
    }

    @Test
    void embedAsParquetKeepsTheFloats() throws IOException {
        Path jsonOut = dir.resolve("embed-json");
        run(jsonOut, "--mode", "embed");
        Map<String, JsonNode> want = byId(OutputReader.lines(jsonOut));
        Path pqOut = dir.resolve("embed-parquet");
        run(pqOut, "--mode", "embed", "--format", "parquet");
        int rows = 0;
        for (Path p : parts(pqOut)) {
            try (ParquetReader<Group> r = ParquetReader.builder(
                            new GroupReadSupport(), new org.apache.hadoop.fs.Path(p.toString()))
                    .build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    JsonNode w = want.get(g.getString("id", 0)).get("embedding");
                    Group list = g.getGroup("embedding", 0);
                    float[] got = new float[list.getFieldRepetitionCount(0)];
                    float[] exp = new float[w.size()];
                    for (int i = 0; i < got.length; i++) {
                        got[i] = list.getGroup(0, i).getFloat(0, 0);
                    }
                    for (int i = 0; i < exp.length; i++) {
                        exp[i] = Float.parseFloat(w.get(i).asText());
                    }
                    assertArrayEquals(exp, got);
                    rows++;
                }
            }
        }
        assertEquals(want.size(), rows);
    }

    @Test
    void manifestCommitterPublishesTheSameBytes() throws IOException {
        Path plain = dir.resolve("commit-default");
        run(plain);
        Path manifest = dir.resolve("commit-manifest");
        run(
                manifest,
                "-D",
                "mapreduce.outputcommitter.factory.scheme.file="
                        + "org.apache.hadoop.mapreduce.lib.output.committer.manifest.ManifestCommitterFactory");
        assertEquals(files(plain), files(manifest), "the same part and reject files");
        for (String f : files(plain).keySet()) {
            assertArrayEquals(Files.readAllBytes(plain.resolve(f)), Files.readAllBytes(manifest.resolve(f)), f);
        }
        assertTrue(Files.exists(manifest.resolve("_SUCCESS")));
        assertEquals(1, OutputReader.rejectLines(manifest).size());
    }

    /** Relative name → size of the part files and rejects of an output. */
    private static Map<String, Long> files(Path out) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(out)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = out.relativize(p).toString();
                if (rel.startsWith("part-") || rel.startsWith("_rejects/part-")) {
                    m.put(rel, Files.size(p));
                }
            }
        }
        return m;
    }
}
