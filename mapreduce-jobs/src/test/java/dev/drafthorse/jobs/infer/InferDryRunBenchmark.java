package dev.drafthorse.jobs.infer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dry run's CPU estimate against the real job's CPU time on the local runner (BENCHMARKS.md, "Dry-run estimate
 * (issue 16)"). Not part of the build's tests: {@code mvn -pl mapreduce-jobs -am test -Dtest=InferDryRunBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false [-Dbench.rows=10000 -Dbench.subset=2000 -Dbench.model=stories260K.gguf
 * -Dbench.tokens=32]}. Every command runs in a JVM of its own, as {@code drafthorse infer} does, and its CPU time
 * (user + system, as bash's {@code time} reports it) is the measure: dry runs of all rows and of a subset, and the
 * real jobs over the same two inputs.
 */
class InferDryRunBenchmark {
    static final int ROWS = Integer.getInteger("bench.rows", 10_000);
    static final int SUBSET = Integer.getInteger("bench.subset", 2_000);
    static final String MODEL = System.getProperty("bench.model", "stories260K.gguf");
    static final String TOKENS = System.getProperty("bench.tokens", "32");

    /** {CPU seconds, stdout} of {@code drafthorse <args>} in a fresh JVM. */
    static Object[] run(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                "bash",
                "-c",
                "TIMEFORMAT='cpu %U %S'; time \"$@\"",
                "_",
                ProcessHandle.current().info().command().orElse("java"),
                "--add-modules",
                "jdk.incubator.vector",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.drafthorse.cli.Main"));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", args) + ":\n" + Files.readString(err));
        }
        List<String> lines = Files.readAllLines(err);
        String[] t = lines.get(lines.size() - 1).split(" ");
        return new Object[] {Double.parseDouble(t[1]) + Double.parseDouble(t[2]), out};
    }

    static double estimate(String out) {
        for (String l : out.split("\n")) {
            if (l.startsWith("estimated CPU: ")) {
                String s = l.substring(l.indexOf('(') + 1);
                return Double.parseDouble(s.substring(0, s.indexOf(' ')));
            }
        }
        throw new AssertionError(out);
    }

    @Test
    void estimateAgainstTheRealJob() throws Exception {
        Path dir = Files.createTempDirectory("dry-run-bench");
        Path all = dir.resolve("all");
        Path sub = dir.resolve("subset");
        Files.createDirectories(all);
        Files.createDirectories(sub);
        List<String> rows = InferDryRunTest.rows(ROWS);
        Files.write(all.resolve("rows.tsv"), rows, StandardCharsets.UTF_8);
        Files.write(sub.resolve("rows.tsv"), rows.subList(0, SUBSET), StandardCharsets.UTF_8);
        String model = Reference.model().resolveSibling(MODEL).toString();
        StringBuilder report = new StringBuilder();
        for (Path in : new Path[] {sub, all}) {
            int n = in == sub ? SUBSET : ROWS;
            Object[] dry = run(dir, "infer", "--input", in.toString(), "-m", model, "-n", TOKENS, "--dry-run");
            Object[] real = run(
                    dir,
                    "infer",
                    "--input",
                    in.toString(),
                    "--output",
                    dir.resolve("out-" + n).toString(),
                    "-m",
                    model,
                    "-n",
                    TOKENS);
            double e = estimate((String) dry[1]);
            double r = (Double) real[0];
            report.append(String.format(
                    "=== %d rows: dry run printed (its own CPU %.1f s):%n%s=== real job: %.1f CPU-s;"
                            + " estimate %.1f CPU-s = %.0f%% of real%n",
                    n, (Double) dry[0], dry[1], r, e, 100 * e / r));
        }
        System.out.println(report);
    }
}
