package dev.drafthorse.jobs.ensemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.cli.Cli;
import dev.drafthorse.cli.LocalEnsemble;
import java.io.IOException;
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

    /** A job's counters, from its summary line on stderr. */
    static Map<String, Long> counters(Cli r) {
        Matcher m = Pattern.compile("job \\S+ done: (.*)").matcher(r.err);
        assertTrue(m.find(), r.err);
        Map<String, Long> c = new HashMap<>();
        for (String kv : m.group(1).split(", ")) {
            String[] f = kv.split(" ");
            c.put(f[0], Long.parseLong(f[1]));
        }
        return c;
    }

    static Cli main(String... args) {
        return Cli.run(args);
    }

    static String trainInputs;

    static String[] trainArgs(Path model, String method, String... more) {
        List<String> a = new ArrayList<>(List.of(
                "--method",
                method,
                "--inputs",
                trainInputs == null ? inputs : trainInputs,
                "--labels",
                labels.toString(),
                "--output",
                model.toString(),
                "--seed",
                "9"));
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
    static Cli sameModel(String method, String[] jobOnly, String... more) throws IOException {
        Path job = dir.resolve("job-" + method + ".model");
        Path local = dir.resolve("local-" + method + ".model");
        List<String> jobArgs = new ArrayList<>(List.of(trainArgs(job, method, more)));
        jobArgs.addAll(List.of(jobOnly));
        Cli r = main(cmd("ensemble-train", jobArgs.toArray(String[]::new)));
        assertEquals(0, r.exit(), r.err());
        Cli l = Cli.capture(() -> LocalEnsemble.train(trainArgs(local, method, more)));
        assertEquals(0, l.exit(), l.err());
        assertEquals(header(local), header(job), method + ": the same header");
        assertArrayEquals(
                Files.readAllBytes(local),
                Files.readAllBytes(job),
                method + ": the job's model file is the local one, byte for byte");
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(
                    s.noneMatch(p -> p.getFileName().toString().startsWith(".job-" + method)),
                    "staging and temporary files are gone");
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
        Cli r = sameModel("bagging", new String[] {"--tasks", "3"}, "-D", "ensemble.bagging.members=7");
        assertTrue(r.err().contains("7 units in 3 reduce tasks"), r.err());
        Map<String, Long> c = counters(r);
        assertEquals(7, c.get("bagging_members_trained"));
        assertEquals(7, c.get("units_trained"));
        assertEquals(160 - 15, c.get("train_rows"), "labeled rows: 160 minus every 11th");
        assertEquals(15, c.get("train_rows_unlabeled"));
        assertTrue(r.err().contains("oob_accuracy = "), r.err());
    }

    @Test
    void poissonBaggingOfLogisticMembersAlsoEqualsLocal() throws IOException {
        sameModel(
                "bagging",
                NONE,
                "-D",
                "ensemble.bagging.members=4",
                "-D",
                "ensemble.bagging.sampling=poisson",
                "-D",
                "ensemble.bagging.base=logistic",
                "-D",
                "ensemble.bagging.combine=vote");
    }

    @Test
    void stackingFoldsAndRefitsInReduceTasksEqualLocalTraining() throws IOException {
        Cli r = sameModel(
                "stacking",
                new String[] {"--tasks", "4"},
                "-D",
                "ensemble.stacking.folds=3",
                "-D",
                "ensemble.stacking.members=sources,tree,logistic");
        Map<String, Long> c = counters(r);
        // sources: t0 and t1 (their own probabilities) and the table (a logistic regression on its block); tree;
        // logistic
        assertEquals(5 * 3, c.get("stacking_folds_trained"));
        assertEquals(5, c.get("stacking_refits_trained"));
    }

    @Test
    void boostingIsOneSequentialUnitAndEqualsLocal() throws IOException {
        Cli r = sameModel("boosting", NONE, "-D", "ensemble.boosting.trees=30");
        assertTrue(r.err().contains("boosting is sequential"), r.err());
        assertEquals(1, counters(r).get("boosting_runs"));
        assertEquals(1, counters(r).get("units_trained"));
    }

    @Test
    void aModelOfFewFeaturesAlsoEqualsLocal() throws IOException {
        // 3 features: Smile's small name -> index maps, whose table size changes in a serialization round trip
        trainInputs = "few=" + dir.resolve("extra.tsv");
        try {
            sameModel("bagging", new String[] {"--tasks", "2"}, "-D", "ensemble.bagging.members=3");
            sameModel("boosting", NONE, "-D", "ensemble.boosting.trees=5");
        } finally {
            trainInputs = null;
        }
    }

    @Test
    void predictionsEqualTheLocalToolsForTheSameRows() throws IOException {
        Path model = dir.resolve("predict.model");
        assertEquals(
                0,
                main(cmd("ensemble-train", trainArgs(model, "stacking", "-D", "ensemble.stacking.folds=3")))
                        .exit());
        for (String format : List.of("tsv", "json")) {
            Path out = dir.resolve("pred-job-" + format);
            Path local = dir.resolve("pred-local-" + format);
            String[] args = {
                "--model", model.toString(), "--inputs", inputs, "--output", out.toString(), "--format", format
            };
            Cli r = main(cmd("ensemble-predict", args));
            assertEquals(0, r.exit(), r.err());
            args[5] = local.toString();
            Cli l = Cli.capture(() -> LocalEnsemble.predict(args));
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
            Map<String, Long> c = counters(r);
            assertEquals(160, c.get("rows_out"));
            assertEquals(160 + 160 - 160 / 7 - (160 % 7 > 3 ? 1 : 0) + 160, c.get("input_lines"));
            assertEquals(c.get("input_lines"), c.get("lines_joined"));
        }
        // a second run into the same directory is refused
        Cli again = main(
                "ensemble-predict",
                "--model",
                model.toString(),
                "--inputs",
                inputs,
                "--output",
                dir.resolve("pred-job-tsv").toString());
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("already exists"), again.err());
    }

    @Test
    void aStaleModelLinkInTheWorkingDirectoryChangesNothing() throws IOException {
        // issue 15's probe: ensemble-predict used a drafthorse-ensemble.model left in the working directory (a model
        // trained on flipped labels) instead of the one given with --model.
        EnsembleData d = new EnsembleData(60, 8);
        Path train = dir.resolve("stale-train.jsonl");
        Files.write(train, d.t0, StandardCharsets.UTF_8);
        Path flipped = dir.resolve("flipped-labels.tsv");
        Files.write(
                flipped,
                Files.readAllLines(labels).stream()
                        .map(l -> l.endsWith("\thappy")
                                ? l.replace("\thappy", "\tsad")
                                : l.endsWith("\tsad") ? l.replace("\tsad", "\thappy") : l)
                        .toList());
        Path real = dir.resolve("real.model");
        Path wrong = dir.resolve("wrong.model");
        for (Path[] mf : new Path[][] {{real, labels}, {wrong, flipped}}) {
            Cli t = Cli.capture(() -> LocalEnsemble.train(new String[] {
                "--method",
                "boosting",
                "--inputs",
                "t0=" + train,
                "--labels",
                mf[1].toString(),
                "--output",
                mf[0].toString(),
                "-D",
                "ensemble.boosting.trees=10"
            }));
            assertEquals(0, t.exit(), t.err());
        }
        Path expected = dir.resolve("stale-local-real");
        Path other = dir.resolve("stale-local-wrong");
        assertEquals(
                0,
                Cli.capture(() -> LocalEnsemble.predict(new String[] {
                            "--model", real.toString(), "--inputs", "t0=" + train, "--output", expected.toString()
                        }))
                        .exit());
        assertEquals(
                0,
                Cli.capture(() -> LocalEnsemble.predict(new String[] {
                            "--model", wrong.toString(), "--inputs", "t0=" + train, "--output", other.toString()
                        }))
                        .exit());
        assertNotEquals(
                partLines(expected), partLines(other), "the two models must disagree for the probe to mean anything");

        Path link = Path.of("drafthorse-ensemble.model").toAbsolutePath();
        boolean made = false;
        try {
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, wrong);
                made = true;
            }
            Path out = dir.resolve("stale-job");
            Cli r = main(
                    "ensemble-predict",
                    "--model",
                    real.toString(),
                    "--inputs",
                    "t0=" + train,
                    "--output",
                    out.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals(sorted(partLines(expected)), partLines(out), "the job predicted with the model it was given");
        } finally {
            if (made) {
                Files.deleteIfExists(link);
            }
        }
    }

    /** A model file with its payload replaced, the framing and checksum rewritten (ModelFile's layout). */
    static byte[] withPayload(byte[] model, java.util.function.UnaryOperator<byte[]> edit) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(model);
        int h = b.getInt(12);
        long n = b.getLong(16 + h);
        byte[] payload = edit.apply(java.util.Arrays.copyOfRange(model, 24 + h, 24 + h + (int) n));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream d = new java.io.DataOutputStream(out);
        d.write(model, 0, 16 + h);
        d.writeLong(payload.length);
        d.write(payload);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(model, 16, h);
        crc.update(payload);
        d.writeInt((int) crc.getValue());
        return out.toByteArray();
    }

    /**
     * Issue 15's crafted model files, refused by the driver before it submits (no output directory), naming what is
     * wrong: a class name garbled with the checksum recomputed (it used to pass the driver and fail in the task with a
     * NullPointerException), and nested hash maps (the "SerialDOS" shape, which kept the driver busy for minutes).
     */
    @Test
    void craftedModelFilesAreRefusedByTheDriverNamingWhatIsWrong() throws IOException {
        Path good = dir.resolve("crafted-good.model");
        Cli t = Cli.capture(() -> LocalEnsemble.train(trainArgs(good, "boosting", "-D", "ensemble.boosting.trees=5")));
        assertEquals(0, t.exit(), t.err());
        byte[] model = Files.readAllBytes(good);
        byte[] garbled = withPayload(
                model,
                p -> new String(p, StandardCharsets.ISO_8859_1)
                        .replace("smile.base.cart.OrdinalNode", "smile.base.cart.OrdinalNodf")
                        .getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(model.length, garbled.length);
        Path garbledFile = Files.write(dir.resolve("crafted-garbled.model"), garbled);
        java.util.Map<Object, Object> root = new java.util.HashMap<>();
        java.util.Map<Object, Object> a = root;
        java.util.Map<Object, Object> b = new java.util.HashMap<>();
        for (int i = 0; i < 60; i++) {
            java.util.Map<Object, Object> ta = new java.util.HashMap<>();
            java.util.Map<Object, Object> tb = new java.util.HashMap<>();
            ta.put("foo", "bar");
            a.put(ta, "x");
            a.put(tb, "x");
            b.put(ta, "x");
            b.put(tb, "x");
            a = ta;
            b = tb;
        }
        java.io.ByteArrayOutputStream dos = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(dos)) {
            o.writeObject(root);
        }
        Path dosFile = Files.write(dir.resolve("crafted-serialdos.model"), withPayload(model, p -> dos.toByteArray()));
        for (Path f : List.of(garbledFile, dosFile)) {
            Path out = dir.resolve("crafted-out-" + f.getFileName());
            long t0 = System.nanoTime();
            Cli r = main("ensemble-predict", "--model", f.toString(), "--inputs", inputs, "--output", out.toString());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(1, r.exit(), r.err());
            assertTrue(ms < 5000, ms + " ms");
            assertTrue(r.err().contains(f.getFileName() + ": payload refused: class "), r.err());
            assertFalse(r.err().contains("NullPointerException") || r.err().contains("failed: NA"), r.err());
            assertFalse(Files.exists(out), "refused before the job was submitted");
        }
        assertTrue(main(
                        "ensemble-predict",
                        "--model",
                        garbledFile.toString(),
                        "--inputs",
                        inputs,
                        "--output",
                        dir.resolve("x").toString())
                .err()
                .contains("smile.base.cart.OrdinalNodf"));
        assertTrue(main(
                        "ensemble-predict",
                        "--model",
                        dosFile.toString(),
                        "--inputs",
                        inputs,
                        "--output",
                        dir.resolve("y").toString())
                .err()
                .contains("class java.util.HashMap is not allowed"));
    }

    @Test
    void loneSurrogateIdsAreRejectedNotMergedIntoOneRow() throws IOException {
        // Joined by UTF-8 keys, ids "\\ud800" and "\\udc00" would both become "?" and one would be a "duplicate".
        EnsembleData d = new EnsembleData(30, 8);
        Path train = dir.resolve("ls-train.jsonl");
        Files.write(train, d.t0, StandardCharsets.UTF_8);
        Path model = dir.resolve("ls.model");
        Cli t = Cli.capture(() -> LocalEnsemble.train(new String[] {
            "--method",
            "boosting",
            "--inputs",
            "t0=" + train,
            "--labels",
            labels.toString(),
            "--output",
            model.toString(),
            "-D",
            "ensemble.boosting.trees=5"
        }));
        assertEquals(0, t.exit(), t.err());
        List<String> lines = new ArrayList<>(d.t0.subList(0, 20));
        lines.add(d.t0.get(20).replace("\"id\": \"s20\"", "\"id\": \"\\ud800\""));
        lines.add(d.t0.get(21).replace("\"id\": \"s21\"", "\"id\": \"\\udc00\""));
        Path in = dir.resolve("ls-in.jsonl");
        Files.write(in, lines, StandardCharsets.UTF_8);
        Path out = dir.resolve("ls-out");
        Cli r = main(
                "ensemble-predict",
                "--model",
                model.toString(),
                "--inputs",
                "t0=" + in,
                "--output",
                out.toString(),
                "--max-reject-fraction",
                "0.5");
        assertEquals(0, r.exit(), r.err());
        assertEquals(20, partLines(out).size());
        List<String> rej = rejects(out, true);
        assertEquals(
                List.of(
                        "\\ud800\tid holds a lone surrogate at char 0: ensemble-predict joins rows by UTF-8 ids, which cannot carry it",
                        "\\udc00\tid holds a lone surrogate at char 0: ensemble-predict joins rows by UTF-8 ids, which cannot carry it"),
                rej);
    }

    /** {@code id<TAB>reason} of every reject line under DIR/_rejects (the job writes {@code id<TAB>file (byte N): reason}). */
    static List<String> rejects(Path d, boolean job) throws IOException {
        List<String> out = new ArrayList<>();
        Path r = d.resolve("_rejects");
        if (!Files.exists(r)) {
            return out;
        }
        try (Stream<Path> s = Files.list(r)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("part-"))
                    .sorted()
                    .toList()) {
                for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                    String[] f = line.split("\t", 2);
                    // job: "FILE (byte N): reason"; local: "SOURCE:LINE: reason"
                    String reason =
                            job ? f[1].substring(f[1].indexOf("): ") + 3) : f[1].replaceFirst("^.*?:\\d+: ", "");
                    out.add(f[0] + "\t" + reason);
                }
            }
        }
        out.sort(null);
        return out;
    }

    @Test
    void badLinesGoToRejectsWithReasonsAndEveryLineIsCounted() throws IOException {
        EnsembleData d = new EnsembleData(60, 8);
        Path train = dir.resolve("rej-train.jsonl");
        Files.write(train, d.t0, StandardCharsets.UTF_8);
        Path model = dir.resolve("rej.model");
        Cli t = Cli.capture(() -> LocalEnsemble.train(new String[] {
            "--method",
            "boosting",
            "--inputs",
            "t0=" + train,
            "--labels",
            labels.toString(),
            "--output",
            model.toString(),
            "-D",
            "ensemble.boosting.trees=10"
        }));
        assertEquals(0, t.exit(), t.err());

        List<String> lines = new ArrayList<>(d.t0.subList(0, 40));
        lines.add(3, "{\"id\": \"broken\", \"candidates\": ");
        lines.add(7, "{\"prompt_tokens\": 3, \"candidates\": [{\"candidate\": \"happy\", \"logprob\": -1}]}");
        lines.add(9, d.t0.get(2)); // a repeated id: the first line wins
        lines.add(12, "{\"id\": \"p\", \"candidates\": [{\"candidate\": \"happy\", \"logprob\": -1, \"prob\": 7}]}");
        lines.add("");
        Path in = Files.createDirectories(dir.resolve("rej-in"));
        Files.write(in.resolve("part-m-00000"), lines.subList(0, 20), StandardCharsets.UTF_8);
        Files.write(in.resolve("part-m-00001"), lines.subList(20, lines.size()), StandardCharsets.UTF_8);
        Path out = dir.resolve("rej-out");
        Cli r = main(
                "ensemble-predict", "--model", model.toString(), "--inputs", "t0=" + in, "--output", out.toString());
        assertEquals(0, r.exit(), r.err());
        Map<String, Long> c = counters(r);
        assertEquals(44, c.get("input_lines"), "blank lines are not rows");
        assertEquals(40, c.get("rows_out"));
        assertEquals(4, c.get("lines_rejected"));
        assertEquals(c.get("input_lines"), c.get("rows_out") + c.get("lines_rejected"), "rows in = out + rejected");
        List<String> rej = rejects(out, true);
        assertEquals(4, rej.size(), rej.toString());
        assertTrue(rej.contains("\tfield 'id' is missing or not a string or integer"), rej.toString());
        assertTrue(rej.contains("p\tfield 'candidates[0].prob' must be a number in [0, 1], found 7"), rej.toString());
        assertTrue(rej.contains("s2\tduplicate id"), rej.toString());
        assertTrue(rej.stream().anyMatch(x -> x.startsWith("\tnot valid JSON: ")), rej.toString());
        // map-side rejects (unreadable lines) and reduce-side ones (the repeated id), each naming file and offset
        assertTrue(
                Files.readString(out.resolve("_rejects").resolve("part-r-00000"))
                        .matches("s2\\t\\S*/part-m-0000\\d \\(byte \\d+\\): duplicate id\\n"),
                "file and offset named");
        try (Stream<Path> s = Files.list(out.resolve("_rejects"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("part-m-")));
        }

        // the local tool on the same directory: the same predictions and the same rejects (id, reason)
        Path local = dir.resolve("rej-local");
        Cli l = Cli.capture(() -> LocalEnsemble.predict(
                new String[] {"--model", model.toString(), "--inputs", "t0=" + in, "--output", local.toString()}));
        assertEquals(0, l.exit(), l.err());
        assertEquals(sorted(partLines(local)), partLines(out));
        assertEquals(rejects(local, false), rej);
    }

    @Test
    void rowsWhoseFeaturesTheModelLacksAreRejectedAndTooManyRejectsFailTheJob() throws IOException {
        Path model = dir.resolve("table.model");
        Path table = dir.resolve("tbl.tsv");
        Files.write(table, new EnsembleData(80, 2).table, StandardCharsets.UTF_8);
        Cli t = Cli.capture(() -> LocalEnsemble.train(new String[] {
            "--method",
            "bagging",
            "--inputs",
            "tbl=" + table,
            "--labels",
            labels.toString(),
            "--output",
            model.toString(),
            "-D",
            "ensemble.bagging.members=3"
        }));
        assertEquals(0, t.exit(), t.err());
        // a table with a malformed row and a non-number: rejected, the rest predicted
        List<String> rows = new ArrayList<>(new EnsembleData(80, 2).table.subList(0, 21));
        rows.add(5, "s900\t12");
        rows.add(8, "s901\t12\tlots");
        Path bad = dir.resolve("bad.tsv");
        Files.write(bad, rows, StandardCharsets.UTF_8);
        Path out = dir.resolve("tbl-out");
        Cli r = main(
                "ensemble-predict",
                "--model",
                model.toString(),
                "--inputs",
                "tbl=" + bad,
                "--output",
                out.toString(),
                "--max-reject-fraction",
                "0.2");
        assertEquals(0, r.exit(), r.err());
        assertEquals(20, partLines(out).size());
        assertEquals(
                List.of("s900\t2 cells, the header has 3", "s901\tcolumn 'score' of id 's901' is not a number: 'lots'"),
                rejects(out, true));
        // a table without the model's column 'score': every row is refused by name, and the job fails
        List<String> noScore = new ArrayList<>();
        for (String l : new EnsembleData(80, 2).table.subList(0, 11)) {
            noScore.add(l.substring(0, l.lastIndexOf('\t')));
        }
        Path narrow = dir.resolve("narrow.tsv");
        Files.write(narrow, noScore, StandardCharsets.UTF_8);
        Path out2 = dir.resolve("narrow-out");
        Cli f = main(
                "ensemble-predict",
                "--model",
                model.toString(),
                "--inputs",
                "tbl=" + narrow,
                "--output",
                out2.toString());
        assertEquals(1, f.exit(), f.err());
        assertTrue(f.err().contains("10 of 10 input lines rejected"), f.err());
        assertFalse(Files.exists(out2.resolve("_SUCCESS")));
        List<String> rej = rejects(out2, true);
        assertEquals(10, rej.size());
        assertTrue(rej.get(0).contains("feature 'score' is not in the table"), rej.get(0));
        assertEquals(10, counters(f).get("rows_rejected"));
    }

    @Test
    void badArgumentsAreUsageErrorsNamingTheOption() {
        Path m = dir.resolve("never.model");
        Cli r = main(
                "ensemble-train",
                "--method",
                "forest",
                "--inputs",
                inputs,
                "--labels",
                labels.toString(),
                "--output",
                m.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("ensemble.method"), r.err());
        r = main(
                "ensemble-train",
                "--method",
                "bagging",
                "--inputs",
                inputs,
                "--labels",
                labels.toString(),
                "--output",
                m.toString(),
                "--tasks",
                "0");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--tasks 0"), r.err());
        r = main(
                "ensemble-train",
                "--method",
                "bagging",
                "--inputs",
                inputs,
                "--labels",
                labels.toString(),
                "--output",
                m.toString(),
                "-D",
                "ensemble.bagging.memebers=3");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown hyperparameter key 'ensemble.bagging.memebers'"), r.err());
        r = main(
                "ensemble-train",
                "--method",
                "bagging",
                "--inputs",
                "nothere=" + dir.resolve("missing"),
                "--labels",
                labels.toString(),
                "--output",
                m.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("missing: input does not exist"), r.err());
        r = main(
                "ensemble-predict",
                "--model",
                labels.toString(),
                "--inputs",
                inputs,
                "--output",
                dir.resolve("x").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("not a Drafthorse ensemble model file"), r.err());
        assertFalse(Files.exists(m));
    }

    static List<String> partLines(Path d) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("part-"))
                    .sorted()
                    .toList()) {
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
