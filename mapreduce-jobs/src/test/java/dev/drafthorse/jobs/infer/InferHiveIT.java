package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code infer}'s output read by a real Hive: the job and the in-process Hive both run through
 * {@code scripts/drafthorse} against the packaged job jar, as a user runs them, and Hive's rows are checked
 * against the JSON lines read independently with Jackson.
 */
class InferHiveIT {
    @TempDir
    Path dir;

    private static Path root() {
        // drafthorse.jobJar = <root>/mapreduce-jobs/target/drafthorse-<version>.jar
        return Path.of(System.getProperty("drafthorse.jobJar"))
                .toAbsolutePath()
                .getParent()
                .getParent()
                .getParent();
    }

    private static Path model() {
        return Path.of(System.getProperty("drafthorse.shared"))
                .resolve("models")
                .resolve("stories260K.gguf");
    }

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd =
                new ArrayList<>(List.of(root().resolve("scripts/drafthorse").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static List<JsonNode> jsonRows(Path outDir) throws IOException {
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        try (Stream<Path> files = Files.list(outDir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-"))
                    .sorted()
                    .toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    rows.add(m.readTree(line));
                }
            }
        }
        return rows;
    }

    @Test
    void hiveReadsGenerateAndScoreOutputsAsExternalTables() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Files.write(
                in.resolve("rows.txt"),
                List.of("a\tThe sun was hot and the cat", "b\tTom had a red ball", "c\tOnce upon a time"),
                StandardCharsets.UTF_8);
        Path gen = dir.resolve("gen");
        Path score = dir.resolve("score");
        run("infer", "--input", in.toString(), "--output", gen.toString(), "-m", model().toString(), "-n", "12");
        run(
                "infer",
                "--input",
                in.toString(),
                "--output",
                score.toString(),
                "-m",
                model().toString(),
                "--mode",
                "score",
                "--candidates",
                " happy, sad");

        String hive = run(
                "hive",
                "-e",
                "CREATE EXTERNAL TABLE gen (id STRING, text STRING, tokens INT, finish_reason STRING, prompt_tokens INT)"
                        + " ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.JsonSerDe' STORED AS TEXTFILE LOCATION 'file://"
                        + gen + "';\n"
                        + "CREATE EXTERNAL TABLE score (id STRING, prompt_tokens INT,"
                        + " candidates ARRAY<STRUCT<candidate: STRING, logprob: DOUBLE, prob: DOUBLE, tokens: INT>>)"
                        + " ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.JsonSerDe' STORED AS TEXTFILE LOCATION 'file://"
                        + score + "';\n"
                        + "SELECT 'gen', id, tokens, finish_reason, prompt_tokens, text FROM gen;\n"
                        + "SELECT 'score', s.id, c.candidate, c.logprob, c.prob FROM score s LATERAL VIEW explode(s.candidates) t AS c;\n");

        TreeMap<String, String> fromHive = new TreeMap<>();
        for (String line : hive.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("gen")) {
                fromHive.put("gen " + f[1], f[2] + "|" + f[3] + "|" + f[4] + "|" + f[5]);
            } else if (f[0].equals("score")) {
                fromHive.put("score " + f[1] + f[2], Double.parseDouble(f[3]) + "|" + Double.parseDouble(f[4]));
            }
        }
        TreeMap<String, String> fromJson = new TreeMap<>();
        for (JsonNode n : jsonRows(gen)) {
            fromJson.put(
                    "gen " + n.get("id").asText(),
                    n.get("tokens").asInt() + "|" + n.get("finish_reason").asText() + "|"
                            + n.get("prompt_tokens").asInt() + "|"
                            + n.get("text").asText());
        }
        for (JsonNode n : jsonRows(score)) {
            for (JsonNode c : n.get("candidates")) {
                fromJson.put(
                        "score " + n.get("id").asText() + c.get("candidate").asText(),
                        c.get("logprob").asDouble() + "|" + c.get("prob").asDouble());
            }
        }
        assertEquals(9, fromJson.size(), fromJson.toString());
        assertEquals(fromJson, fromHive, hive);
    }

    /**
     * One vector per row three ways, all the same floats: the {@code embed} command's JSON lines, {@code infer --mode embed}'s
     * output read by Hive's JsonSerDe as {@code ARRAY<FLOAT>}, and {@code llm_embed} over a Hive table of the same rows.
     */
    @Test
    void embedInferAndLlmEmbedGiveTheSameVectors() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Path rows = in.resolve("rows.txt");
        Files.write(
                rows,
                List.of("a\tThe sun was hot and the cat", "b\tTom had a red ball", "c\tOnce upon a time"),
                StandardCharsets.UTF_8);
        Path cmd = dir.resolve("embed.jsonl");
        Path job = dir.resolve("job");
        run(
                "embed",
                "-m",
                model().toString(),
                "--input",
                rows.toString(),
                "--output",
                cmd.toString(),
                "--pooling",
                "last");
        run(
                "infer",
                "--input",
                in.toString(),
                "--output",
                job.toString(),
                "-m",
                model().toString(),
                "--mode",
                "embed",
                "--pooling",
                "last");
        String hive = run(
                "hive",
                "-e",
                "CREATE EXTERNAL TABLE vecs (id STRING, embedding ARRAY<FLOAT>)"
                        + " ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.JsonSerDe' STORED AS TEXTFILE LOCATION 'file://"
                        + job + "';\n"
                        + "CREATE TABLE texts (id STRING, body STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' STORED AS TEXTFILE;\n"
                        + "LOAD DATA LOCAL INPATH '" + rows + "' INTO TABLE texts;\n"
                        + "SELECT 'job', id, embedding FROM vecs;\n"
                        + "SELECT 'udf', id, llm_embed(body, '" + model() + "', map('pooling', 'last')) FROM texts;\n");
        TreeMap<String, String> fromHive = new TreeMap<>();
        for (String line : hive.split("\n")) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("job") || f[0].equals("udf")) {
                fromHive.put(f[0] + " " + f[1], floats(f[2]));
            }
        }
        TreeMap<String, String> expected = new TreeMap<>();
        ObjectMapper m = new ObjectMapper();
        for (String line : Files.readAllLines(cmd, StandardCharsets.UTF_8)) {
            JsonNode n = m.readTree(line);
            StringBuilder b = new StringBuilder();
            for (JsonNode x : n.get("embedding")) {
                b.append(Float.parseFloat(x.asText())).append(' ');
            }
            expected.put("job " + n.get("id").asText(), b.toString());
            expected.put("udf " + n.get("id").asText(), b.toString());
        }
        assertEquals(6, expected.size(), expected.toString());
        assertEquals(expected, fromHive, hive);
    }

    /** Hive's {@code [x,y,...]} as the floats, space-separated. */
    private static String floats(String array) {
        StringBuilder b = new StringBuilder();
        for (String x : array.substring(1, array.length() - 1).split(",")) {
            b.append(Float.parseFloat(x)).append(' ');
        }
        return b.toString();
    }
}
