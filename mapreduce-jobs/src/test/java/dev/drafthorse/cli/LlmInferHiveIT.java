package dev.drafthorse.cli;

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
 * {@code llm_infer} in Hive against the {@code infer} job on the same 200 rows: both run through
 * {@code scripts/drafthorse} against the packaged job jar, as a user runs them (the job on Hadoop's local runner, the
 * function in the in-process Hive), with sampling on, so the texts agree only if both seed each row by (seed, id) and
 * decode it to the same bits whatever its batch. The job's JSON lines are read with Jackson; Hive's texts come back
 * base64-encoded, so a newline in a text cannot split a result row.
 */
class LlmInferHiveIT {
    static final int ROWS = 200;

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

    private String run(String... args) throws IOException, InterruptedException {
        List<String> cmd =
                new ArrayList<>(List.of(root().resolve("scripts/drafthorse").toString()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), String.join(" ", cmd) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed: " + Files.readString(err));
        return new String(out, StandardCharsets.UTF_8);
    }

    /** 200 prompts; many share a prefix (the prefix cache is on in both), some repeat under other ids. */
    static List<String> prompts() {
        String[] animals = {"cat", "dog", "bird", "fish", "frog", "bear", "bunny", "duck", "lion", "mouse"};
        String[] names = {"Lily", "Tom", "Ben", "Sue", "Max", "Mia", "Sam", "Anna", "Tim", "Lucy"};
        List<String> p = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            p.add(
                    switch (i % 4) {
                        case 0 -> "Once upon a time, there was a " + animals[i / 4 % 10] + " named " + names[i / 40];
                        case 1 -> names[i / 4 % 10] + " saw a big " + animals[i / 40];
                        case 2 -> "The sun was hot and the " + animals[i / 4 % 10];
                        default -> "One day, " + names[i / 4 % 10] + " went to the park";
                    });
        }
        return p;
    }

    @Test
    void llmInferGivesInfersTextsOnTheSameRows() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        List<String> prompts = prompts();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            lines.add(String.format("r%03d\t%s", i, prompts.get(i)));
        }
        Path rows = in.resolve("rows.txt");
        Files.write(rows, lines, StandardCharsets.UTF_8);

        Path out = dir.resolve("out");
        run(
                "infer",
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "-m",
                model().toString(),
                "-n",
                "24",
                "--temperature",
                "0.9",
                "--seed",
                "7",
                "--batch",
                "8");
        Map<String, String> fromInfer = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-"))
                    .toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    JsonNode n = json.readTree(line);
                    fromInfer.put(
                            n.get("id").asText(),
                            n.get("text").asText() + "|" + n.get("tokens").asInt() + "|"
                                    + n.get("finish_reason").asText());
                }
            }
        }
        assertEquals(ROWS, fromInfer.size());

        // Another batch size than the job's: the rows must not care.
        String hive = run(
                "hive",
                "-e",
                "CREATE TABLE prompts (id STRING, prompt STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t';\n"
                        + "LOAD DATA LOCAL INPATH '" + rows + "' INTO TABLE prompts;\n"
                        + "SELECT g.id, base64(encode(g.text, 'UTF-8')), g.tokens, g.finish_reason, g.error FROM"
                        + " (SELECT llm_infer(id, prompt, '" + model() + "', map('max_new_tokens', '24', 'temperature',"
                        + " '0.9', 'seed', '7', 'batch_size', '16')) FROM prompts) g;\n");
        Map<String, String> fromHive = new TreeMap<>();
        for (String line : hive.split("\n")) {
            String[] f = line.split("\t", -1);
            assertEquals(5, f.length, line);
            assertEquals("NULL", f[4], line);
            fromHive.put(
                    f[0],
                    new String(Base64.getDecoder().decode(f[1]), StandardCharsets.UTF_8) + "|" + f[2] + "|" + f[3]);
        }
        assertEquals(fromInfer, fromHive);
        long distinct = fromInfer.values().stream().distinct().count();
        assertTrue(distinct > ROWS / 2, "sampled texts differ between rows: " + distinct);
    }
}
