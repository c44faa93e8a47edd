package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.util.ToolRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task opens exactly the model its job names, whatever is in the working directory (the issue-15 probes): two
 * {@code infer} jobs started together from one directory with different models each write their own model's
 * output, and links a killed job left behind (under any name) change nothing.
 */
class InferModelIsolationTest {
    @TempDir
    static Path dir;

    static Path input;
    static Path small;
    static Path other;
    /** Each model's output, from a run alone. */
    static List<String> smallAlone;

    static List<String> otherAlone;

    @BeforeAll
    static void baseline() throws Exception {
        small = Reference.model();
        other = small.resolveSibling("tinystories-1m.gguf");
        input = dir.resolve("in.txt");
        Files.write(
                input,
                List.of("r1\tOnce upon a time", "r2\tThe cat sat", "r3\tLily saw a big red ball"),
                StandardCharsets.UTF_8);
        smallAlone = infer(small, dir.resolve("alone-small"));
        otherAlone = infer(other, dir.resolve("alone-other"));
        assertNotEquals(
                smallAlone, otherAlone, "the two models must write different texts for the probe to mean anything");
    }

    /** Runs {@code infer} through its Tool (not {@code Cli}, which is serialized) and returns the output lines. */
    static List<String> infer(Path model, Path out) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ToolRunner.run(
                new Configuration(), new InferTool(new PrintStream(err, true, StandardCharsets.UTF_8)), new String[] {
                    "--input",
                    input.toString(),
                    "--output",
                    out.toString(),
                    "-m",
                    model.toString(),
                    "-n",
                    "12",
                    "--threads",
                    "1"
                });
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return OutputReader.lines(out);
    }

    record Outcome(int exit, String err) {}

    /** {@code infer} with extra arguments, through its Tool; the exit code and stderr. */
    static Outcome run(Path model, Path out, String... more) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of(more));
        args.addAll(List.of(
                "--input",
                input.toString(),
                "--output",
                out.toString(),
                "-m",
                model.toString(),
                "-n",
                "12",
                "--threads",
                "1"));
        int code = ToolRunner.run(
                new Configuration(),
                new InferTool(new PrintStream(err, true, StandardCharsets.UTF_8)),
                args.toArray(String[]::new));
        return new Outcome(code, err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Two jobs started together with one output directory (issue 15: the loser failed with a bare {@code NA}, after
     * its tasks had run): exactly one writes it, with its own model's rows only; the other stops before submitting,
     * saying why.
     */
    @Test
    void twoJobsRacingForOneOutputDirectory() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 2; round++) {
                Path out = dir.resolve("raced-" + round);
                Future<Outcome> fs = pool.submit(() -> run(small, out));
                Future<Outcome> fo = pool.submit(() -> run(other, out));
                Outcome s = fs.get();
                Outcome o = fo.get();
                assertEquals(
                        1, (s.exit() == 0 ? 1 : 0) + (o.exit() == 0 ? 1 : 0), "exactly one job wins:\n" + s + "\n" + o);
                Outcome loser = s.exit() == 0 ? o : s;
                assertEquals(1, loser.exit(), loser.toString());
                assertTrue(
                        loser.err().contains("another job claimed this output directory first")
                                || loser.err().contains("output directory already exists"),
                        loser.err());
                assertFalse(loser.err().contains("NA"), loser.err());
                assertEquals(
                        s.exit() == 0 ? smallAlone : otherAlone, OutputReader.lines(out), "the winner's rows only");
                try (var files = Files.list(out)) {
                    assertEquals(
                            List.of("_SUCCESS", "part-m-00000"),
                            files.map(p -> p.getFileName().toString()).sorted().toList(),
                            "no claim or other job's files left");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Settings that would expose a partial output (issue 15: algorithm 2 left 100 rows visible without _SUCCESS after
     * a kill) are overridden with a warning naming them; the output is the usual one, with _SUCCESS.
     */
    @Test
    void committerSettingsThatExposePartialOutputAreOverriddenWithAWarning() throws Exception {
        Path out = dir.resolve("committer-v2");
        Outcome r = run(
                small,
                out,
                "-D",
                "mapreduce.fileoutputcommitter.algorithm.version=2",
                "-D",
                "mapreduce.fileoutputcommitter.marksuccessfuljobs=false");
        assertEquals(0, r.exit(), r.err());
        assertTrue(
                r.err()
                        .contains(
                                "drafthorse infer: warning: ignoring mapreduce.fileoutputcommitter.algorithm.version=2"),
                r.err());
        assertTrue(
                r.err()
                        .contains(
                                "drafthorse infer: warning: ignoring mapreduce.fileoutputcommitter.marksuccessfuljobs=false"),
                r.err());
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        assertEquals(smallAlone, OutputReader.lines(out));
    }

    @Test
    void twoConcurrentJobsFromOneDirectoryEachUseTheirOwnModel() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 2; round++) {
                List<Future<List<String>>> f = new ArrayList<>();
                Path a = dir.resolve("concurrent-small-" + round);
                Path b = dir.resolve("concurrent-other-" + round);
                // Alternate which job is submitted first: the first one's link must not serve the second.
                List<Callable<List<String>>> jobs = round == 0
                        ? List.of(() -> infer(small, a), () -> infer(other, b))
                        : List.of(() -> infer(other, b), () -> infer(small, a));
                for (Callable<List<String>> j : jobs) {
                    f.add(pool.submit(j));
                }
                for (Future<List<String>> x : f) {
                    x.get();
                }
                assertEquals(
                        smallAlone,
                        OutputReader.lines(a),
                        "round " + round + ": the stories260K job wrote another model's rows");
                assertEquals(
                        otherAlone,
                        OutputReader.lines(b),
                        "round " + round + ": the tinystories-1m job wrote another model's rows");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void staleLinksInTheWorkingDirectoryChangeNothing() throws Exception {
        // The names earlier versions used, pointing at the other model, as a killed job would leave them.
        Path cwd = Path.of("").toAbsolutePath();
        List<Path> stale = new ArrayList<>();
        try {
            for (String name :
                    new String[] {"drafthorse-model.gguf", "drafthorse-draft.gguf", "train-heads-model.gguf"}) {
                Path link = cwd.resolve(name);
                if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, other);
                    stale.add(link);
                }
            }
            assertEquals(
                    smallAlone,
                    infer(small, dir.resolve("with-stale-links")),
                    "a stale link in the working directory was used");
        } finally {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void theJobRecordsALinkNameOfItsOwn() throws IOException, java.net.URISyntaxException {
        Configuration a = new Configuration(false);
        Configuration b = new Configuration(false);
        java.net.URI ua = dev.drafthorse.jobs.CacheFiles.register(a, small.toUri(), InferMapper.MODEL_ROLE, ".gguf");
        java.net.URI ub = dev.drafthorse.jobs.CacheFiles.register(b, small.toUri(), InferMapper.MODEL_ROLE, ".gguf");
        assertNotEquals(
                ua.getFragment(), ub.getFragment(), "two jobs of the same model still get different link names");
        assertEquals(ua.getFragment(), a.get(dev.drafthorse.jobs.CacheFiles.key(InferMapper.MODEL_ROLE)));
        assertEquals(small.toUri().getPath(), ua.getPath());
    }
}
