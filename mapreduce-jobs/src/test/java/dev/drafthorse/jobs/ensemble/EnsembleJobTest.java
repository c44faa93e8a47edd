package dev.drafthorse.jobs.ensemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.cli.Main;
import dev.drafthorse.ensemble.cli.EnsembleTool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ensemble-train} and {@code ensemble-predict} as MapReduce jobs on Hadoop's local runner, as
 * {@code scripts/drafthorse} runs them, against the ensemble module's in-process tool (local training and
 * prediction, no Hadoop) on the same files: the job's model file must be byte-identical to the local one for every
 * method, and its predictions line-identical.
 */
class EnsembleJobTest {
    @TempDir
    static Path dir;
    static String inputs;
    static Path labels;

    @BeforeAll
    static void data() throws IOException {
        EnsembleData d = new EnsembleData(160, 5);
        // t0 as infer writes it: part files, _SUCCESS and a _rejects folder (skipped)
        Path t0 = Files.createDirectories(dir.resolve("scores_t0"));
        Files.write(t0.resolve("part-m-00000"), d.t0.subList(0, 90), StandardCharsets.UTF_8);
        Files.write(t0.resolve("part-m-00001"), d.t0.subList(90, d.t0.size()), StandardCharsets.UTF_8);
        Files.writeString(t0.resolve("_SUCCESS"), "");
        Files.createDirectories(t0.resolve("_rejects"));
        Files.writeString(t0.resolve("_rejects").resolve("part-m-00000"), "{\"file\": \"x\"}\n");
        Path t1 = dir.resolve("t1.jsonl");
        Files.write(t1, d.t1, StandardCharsets.UTF_8);
        Path table = dir.resolve("extra.tsv");
        Files.write(table, d.table, StandardCharsets.UTF_8);
        labels = dir.resolve("labels.tsv");
        Files.write(labels, d.labels, StandardCharsets.UTF_8);
        inputs = "t0=" + t0 + "," + t1 + "," + table;
    }

    record Run(int exit, String out, String err) {
        /** The job's counters, from its summary line on stderr. */
        Map<String, Long> counters() {
            Matcher m = Pattern.compile("job \\S+ done: (.*)").matcher(err);
            assertTrue(m.find(), err);
            Map<String, Long> c = new HashMap<>();
            for (String kv : m.group(1).split(", ")) {
                String[] f = kv.split(" ");
                c.put(f[0], Long.parseLong(f[1]));
            }
            return c;
        }
    }

    static synchronized Run main(String... args) {
        return capture(() -> Main.run(args));
    }

    interface Body {
        int run();
    }

    static synchronized Run capture(Body b) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = b.run();
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static String[] trainArgs(Path model, String method, String... more) {
        List<String> a = new ArrayList<>(List.of("--method", method, "--inputs", inputs, "--labels", labels.toString(),
                "--output", model.toString(), "--seed", "9"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static String[] cmd(String command, String[] args) {
        String[] all = new String[args.length + 1];
        all[0] = command;
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }

    /** Trains with the job and locally; asserts identical bytes; returns the job's run. */
    static Run sameModel(String method, String[] jobOnly, String... more) throws IOException {
        Path job = dir.resolve("job-" + method + ".model");
        Path local = dir.resolve("local-" + method + ".model");
        List<String> jobArgs = new ArrayList<>(List.of(trainArgs(job, method, more)));
        jobArgs.addAll(List.of(jobOnly));
        Run r = main(cmd("ensemble-train", jobArgs.toArray(String[]::new)));
        assertEquals(0, r.exit(), r.err());
        Run l = capture(() -> EnsembleTool.train(trainArgs(local, method, more)));
        assertEquals(0, l.exit(), l.err());
        assertEquals(header(local), header(job), method + ": the same header");
        assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(job), method + ": the job's model file is the local one, byte for byte");
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".job-" + method)), "staging and temporary files are gone");
        }
        return r;
    }

    /** The model file's JSON header (ModelFile: magic 8, version 4, size 4, header). */
    static String header(Path model) throws IOException {
        byte[] b = Files.readAllBytes(model);
        int n = java.nio.ByteBuffer.wrap(b, 12, 4).getInt();
        return new String(b, 16, n, StandardCharsets.UTF_8);
    }

    static final String[] NONE = {};

    @Test
    void baggingMembersTrainedInParallelReduceTasksEqualLocalTraining() throws IOException {
        Run r = sameModel("bagging", new String[] {"--tasks", "3"}, "-D", "ensemble.bagging.members=7");
        assertTrue(r.err().contains("7 units in 3 reduce tasks"), r.err());
        Map<String, Long> c = r.counters();
        assertEquals(7, c.get("bagging_members_trained"));
        assertEquals(7, c.get("units_trained"));
        assertEquals(160 - 15, c.get("train_rows"), "labeled rows: 160 minus every 11th");
        assertEquals(15, c.get("train_rows_unlabeled"));
        assertTrue(r.err().contains("oob_accuracy = "), r.err());
    }

    @Test
    void poissonBaggingOfLogisticMembersAlsoEqualsLocal() throws IOException {
        sameModel("bagging", NONE, "-D", "ensemble.bagging.members=4", "-D", "ensemble.bagging.sampling=poisson", "-D", "ensemble.bagging.base=logistic",
                "-D", "ensemble.bagging.combine=vote");
    }

    @Test
    void stackingFoldsAndRefitsInReduceTasksEqualLocalTraining() throws IOException {
        Run r = sameModel("stacking", new String[] {"--tasks", "4"}, "-D", "ensemble.stacking.folds=3", "-D", "ensemble.stacking.members=sources,tree,logistic");
        Map<String, Long> c = r.counters();
        // sources: t0 and t1 (their own probabilities) and the table (a logistic regression on its block); tree; logistic
        assertEquals(5 * 3, c.get("stacking_folds_trained"));
        assertEquals(5, c.get("stacking_refits_trained"));
    }

    @Test
    void boostingIsOneSequentialUnitAndEqualsLocal() throws IOException {
        Run r = sameModel("boosting", NONE, "-D", "ensemble.boosting.trees=30");
        assertTrue(r.err().contains("boosting is sequential"), r.err());
        assertEquals(1, r.counters().get("boosting_runs"));
        assertEquals(1, r.counters().get("units_trained"));
    }

    @Test
    void predictionsEqualTheLocalToolsForTheSameRows() throws IOException {
        Path model = dir.resolve("predict.model");
        assertEquals(0, main(cmd("ensemble-train", trainArgs(model, "stacking", "-D", "ensemble.stacking.folds=3"))).exit());
        for (String format : List.of("tsv", "json")) {
            Path out = dir.resolve("pred-job-" + format);
            Path local = dir.resolve("pred-local-" + format);
            String[] args = {"--model", model.toString(), "--inputs", inputs, "--output", out.toString(), "--format", format};
            Run r = main(cmd("ensemble-predict", args));
            assertEquals(0, r.exit(), r.err());
            args[5] = local.toString();
            Run l = capture(() -> EnsembleTool.predict(args));
            assertEquals(0, l.exit(), l.err());
            List<String> jobLines = partLines(out);
            List<String> localLines = partLines(local);
            assertEquals(160, jobLines.size());
            assertEquals(sorted(localLines), jobLines, format + ": the same lines (the job's sorted by id)");
            assertEquals(sorted(jobLines), jobLines);
            assertTrue(Files.exists(out.resolve("_SUCCESS")));
            assertFalse(Files.exists(out.resolve("_rejects")), "no rejects");
            try (Stream<Path> s = Files.walk(out)) {
                assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".crc")), "no checksum side files");
            }
            Map<String, Long> c = r.counters();
            assertEquals(160, c.get("rows_out"));
            assertEquals(160 + 160 - 160 / 7 - (160 % 7 > 3 ? 1 : 0) + 160, c.get("input_lines"));
            assertEquals(c.get("input_lines"), c.get("lines_joined"));
        }
        // a second run into the same directory is refused
        Run again = main("ensemble-predict", "--model", model.toString(), "--inputs", inputs, "--output", dir.resolve("pred-job-tsv").toString());
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("already exists"), again.err());
    }

    static List<String> partLines(Path d) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                lines.addAll(Files.readAllLines(p, StandardCharsets.UTF_8));
            }
        }
        return lines;
    }

    static List<String> sorted(List<String> l) {
        List<String> s = new ArrayList<>(l);
        s.sort(null);
        return s;
    }
}
