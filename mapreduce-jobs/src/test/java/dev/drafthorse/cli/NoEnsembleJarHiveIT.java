package dev.drafthorse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar built without the ensemble module ({@code drafthorse-<version>-no-ensemble.jar}, for teams that cannot
 * take Smile's GPL): it holds no Smile, JFreeChart or ensemble class, and through {@code scripts/drafthorse} with
 * {@code DRAFTHORSE_JAR} (which then drops our modules, Smile and JFreeChart from the provided class path) it runs
 * {@code infer} and the Hive LLM functions with the same results as the full jar, while {@code ensemble-train}
 * says it is not there.
 */
class NoEnsembleJarHiveIT {
    @TempDir
    Path dir;

    private static Path fullJar() {
        return Path.of(System.getProperty("drafthorse.jobJar")).toAbsolutePath();
    }

    private static Path noEnsembleJar() {
        String name = fullJar().getFileName().toString();
        return fullJar().resolveSibling(name.substring(0, name.length() - ".jar".length()) + "-no-ensemble.jar");
    }

    private static Path root() {
        return fullJar().getParent().getParent().getParent();
    }

    private static Path model() {
        return Path.of(System.getProperty("drafthorse.shared"))
                .resolve("models")
                .resolve("stories260K.gguf");
    }

    record Result(int exit, String out, String err) {}

    private Result run(Path jar, String... args) throws IOException, InterruptedException {
        List<String> cmd =
                new ArrayList<>(List.of(root().resolve("scripts/drafthorse").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("DRAFTHORSE_JAR", jar.toString());
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectError(err.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), String.join(" ", cmd) + " timed out");
        return new Result(
                p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private Result ok(Path jar, String... args) throws IOException, InterruptedException {
        Result r = run(jar, args);
        assertEquals(0, r.exit(), String.join(" ", args) + " failed: " + r.err());
        return r;
    }

    private static Map<String, String> parts(Path outDir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(outDir)) {
            for (Path f : s.filter(f -> f.getFileName().toString().startsWith("part-"))
                    .toList()) {
                files.put(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        return files;
    }

    @Test
    void holdsNoEnsembleOrSmileClass() throws IOException {
        List<String> bad = new ArrayList<>();
        boolean main = false;
        boolean hive = false;
        try (JarFile jar = new JarFile(noEnsembleJar().toFile())) {
            for (var e = jar.entries(); e.hasMoreElements(); ) {
                String n = e.nextElement().getName();
                if (n.startsWith("smile/")
                        || n.startsWith("org/jfree/")
                        || n.startsWith("dev/drafthorse/ensemble/")
                        || n.startsWith("dev/drafthorse/jobs/ensemble/")
                        || n.contains("EnsemblePredictUDF")
                        || n.contains("EnsembleCommands")) {
                    bad.add(n);
                }
                main |= n.equals("dev/drafthorse/cli/Main.class");
                hive |= n.equals("dev/drafthorse/hive/LlmGenerateUDTF.class");
            }
        }
        assertTrue(bad.isEmpty(), "ensemble or GPL classes in the no-ensemble jar: " + bad);
        assertTrue(main && hive, "the no-ensemble jar lacks the commands or the Hive functions");
    }

    @Test
    void runsInferAndTheHiveLlmFunctionsAsTheFullJarDoes() throws Exception {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Files.write(
                in.resolve("rows.txt"),
                List.of("a\tThe sun was hot and the cat", "b\tTom had a red ball"),
                StandardCharsets.UTF_8);
        for (Path jar : List.of(fullJar(), noEnsembleJar())) {
            String tag = jar.equals(fullJar()) ? "full" : "lean";
            ok(
                    jar,
                    "infer",
                    "--input",
                    in.toString(),
                    "--output",
                    dir.resolve(tag + "-gen").toString(),
                    "-m",
                    model().toString(),
                    "-n",
                    "10");
        }
        assertEquals(parts(dir.resolve("full-gen")), parts(dir.resolve("lean-gen")));
        assertEquals(
                2,
                parts(dir.resolve("lean-gen")).values().stream()
                        .mapToLong(s -> s.lines().count())
                        .sum());

        String sql = "SELECT id, g.text FROM (SELECT 'a' AS id, 'Tom had a red ball' AS p) t"
                + " LATERAL VIEW llm_generate(p, '" + model() + "', map('max_new_tokens', '8')) g;\n"
                + "SELECT s.candidate, round(s.logprob, 5) FROM (SELECT 'Tom had a red ball' AS p) t"
                + " LATERAL VIEW llm_score(p, array(' and', '.'), '" + model() + "') s;\n";
        String full = ok(fullJar(), "hive", "-e", sql).out();
        String lean = ok(noEnsembleJar(), "hive", "-e", sql).out();
        assertEquals(full, lean);
        assertEquals(3, lean.lines().count(), lean);

        Result train = run(noEnsembleJar(), "ensemble-train", "--method", "bagging");
        assertEquals(2, train.exit());
        assertTrue(train.err().contains("built without the ensemble module"), train.err());
    }
}
