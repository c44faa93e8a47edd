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
        return Path.of(System.getProperty("drafthorse.jobJar")).toAbsolutePath().getParent().getParent().getParent();
    }

    private static Path model() {
        return Path.of(System.getProperty("drafthorse.shared")).resolve("models").resolve("stories260K.gguf");
    }

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root().resolve("scripts/drafthorse").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
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
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
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
        Files.write(in.resolve("rows.txt"), List.of("a\tThe sun was hot and the cat", "b\tTom had a red ball", "c\tOnce upon a time"),
                StandardCharsets.UTF_8);
        Path gen = dir.resolve("gen");
        Path score = dir.resolve("score");
        run("infer", "--input", in.toString(), "--output", gen.toString(), "-m", model().toString(), "-n", "12");
        run("infer", "--input", in.toString(), "--output", score.toString(), "-m", model().toString(), "--mode", "score",
                "--candidates", " happy, sad");

        String hive = run("hive", "-e",
                "CREATE EXTERNAL TABLE gen (id STRING, text STRING, tokens INT, finish_reason STRING, prompt_tokens INT)"
                + " ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.JsonSerDe' STORED AS TEXTFILE LOCATION 'file://" + gen + "';\n"
                + "CREATE EXTERNAL TABLE score (id STRING, prompt_tokens INT,"
                + " candidates ARRAY<STRUCT<candidate: STRING, logprob: DOUBLE, prob: DOUBLE, tokens: INT>>)"
                + " ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.JsonSerDe' STORED AS TEXTFILE LOCATION 'file://" + score + "';\n"
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
            fromJson.put("gen " + n.get("id").asText(), n.get("tokens").asInt() + "|" + n.get("finish_reason").asText() + "|"
                    + n.get("prompt_tokens").asInt() + "|" + n.get("text").asText());
        }
        for (JsonNode n : jsonRows(score)) {
            for (JsonNode c : n.get("candidates")) {
                fromJson.put("score " + n.get("id").asText() + c.get("candidate").asText(),
                        c.get("logprob").asDouble() + "|" + c.get("prob").asDouble());
            }
        }
        assertEquals(9, fromJson.size(), fromJson.toString());
        assertEquals(fromJson, fromHive, hive);
    }
}
