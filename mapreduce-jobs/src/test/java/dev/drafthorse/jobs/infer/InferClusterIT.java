package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.mapreduce.Counters;
import org.apache.hadoop.mapreduce.JobCounter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code infer} on a real (in-process) cluster ({@link ClusterFixture}, one for the class): the model on HDFS
 * through the distributed cache, two map tasks in their own JVMs, the job submitted from the shaded jar the way
 * {@code hadoop jar} does it (the jar's own class loader as the context class loader, then {@code Main.run}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InferClusterIT {
    static final String GROUP = ClusterFixture.GROUP;
    static int rows;

    @BeforeAll
    static void start() throws Exception {
        ClusterFixture.start("infer-it");
        ClusterFixture.putModel("stories260K.gguf");
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        String[] words = {"the", "cat", "sat", "and", "Tom", "saw", "a", "big", "red", "ball", "Lily"};
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < 24; i++) {
            StringBuilder p = new StringBuilder();
            for (int w = 0; w < 1 + rnd.nextInt(8); w++) {
                p.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
            }
            if (i % 2 == 0) {
                a.add("t" + i + "\t" + p);
            } else {
                b.add("{\"id\": \"j" + i + "\", \"prompt\": \"" + p + "\", \"temperature\": 0.8}");
            }
        }
        a.add(4, "a bad row without a tab");
        b.add("{\"id\": \"bad\", \"prompt\": \"\"}");
        rows = a.size() + b.size();
        write("/in/a.txt", a);
        write("/in/b.jsonl", b);
    }

    @AfterAll
    static void stop() throws IOException {
        ClusterFixture.stop();
    }

    static void write(String path, List<String> lines) throws IOException {
        ClusterFixture.write(path, lines);
    }

    static Object[] hadoopJar(String... args) throws Exception {
        return ClusterFixture.hadoopJar(args);
    }

    static Counters counters(String stderr) throws Exception {
        return ClusterFixture.counters(stderr);
    }

    static Map<String, String> files(String dir) throws IOException {
        return ClusterFixture.files(dir);
    }

    static String[] infer(String output, String... generic) {
        List<String> a = new ArrayList<>(List.of("infer", "-conf", ClusterFixture.confFile.getPath()));
        a.addAll(List.of(generic));
        a.addAll(List.of(
                "--input",
                "/in",
                "--output",
                output,
                "-m",
                "/models/stories260K.gguf",
                "-n",
                "12",
                "--batch",
                "4",
                "--threads",
                "1",
                "--seed",
                "7",
                "--max-reject-fraction",
                "0.5"));
        return a.toArray(String[]::new);
    }

    static Map<String, String> clean;

    @Test
    @Order(1)
    void theJobClassesComeFromTheJarOnly() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.drafthorse.jobs.infer.InferMapper"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.drafthorse.kernels.model.Model"));
    }

    @Test
    @Order(2)
    void twoMapTasksOnYarnWithTheModelFromHdfs() throws Exception {
        Object[] r = hadoopJar(infer("/out/clean"));
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("on the yarn runner"), (String) r[1]);
        Counters c = counters((String) r[1]);
        assertEquals(2, c.findCounter(JobCounter.TOTAL_LAUNCHED_MAPS).getValue());
        assertEquals(0, c.findCounter(JobCounter.TOTAL_LAUNCHED_REDUCES).getValue());
        assertEquals(rows, c.findCounter(GROUP, "ROWS_IN").getValue());
        assertEquals(rows - 2, c.findCounter(GROUP, "ROWS_OUT").getValue());
        assertEquals(2, c.findCounter(GROUP, "ROWS_REJECTED").getValue());
        assertEquals(
                2, c.findCounter(GROUP, "TASKS_VECTOR").getValue(), "the job gave its task JVMs the Vector API module");
        assertTrue(c.findCounter(GROUP, "GENERATED_TOKENS").getValue() > 0);
        assertTrue(c.findCounter(GROUP, "PROMPT_TOKENS").getValue() > 0);
        clean = files("/out/clean");
        assertEquals(
                List.of("_SUCCESS", "_rejects/part-m-00000", "_rejects/part-m-00001", "part-m-00000", "part-m-00001"),
                new ArrayList<>(clean.keySet()));
        List<String> lines = new ArrayList<>();
        for (String f : List.of("part-m-00000", "part-m-00001")) {
            lines.addAll(List.of(clean.get(f).split("\n")));
        }
        assertEquals(rows - 2, lines.size());
        assertEquals(
                rows - 2,
                lines.stream()
                        .map(l -> l.substring(0, l.indexOf(",\"text\"")))
                        .distinct()
                        .count(),
                "each row once");

        // The same job on the local runner (same jar, same HDFS input) writes the same bytes.
        Object[] local = hadoopJar(infer("/out/local", "-D", "mapreduce.framework.name=local"));
        assertEquals(0, local[0], (String) local[1]);
        assertEquals(clean, files("/out/local"), "YARN and the local runner agree byte for byte");
    }

    @Test
    @Order(3)
    void firstAttemptsDieMidOutputAndTheRetriesWriteTheSameBytes() throws Exception {
        Object[] r = hadoopJar(infer("/out/faulty", "-D", "drafthorse.infer.fault.halt-after-rows=3"));
        assertEquals(0, r[0], (String) r[1]);
        Counters c = counters((String) r[1]);
        assertEquals(2, c.findCounter(JobCounter.NUM_FAILED_MAPS).getValue(), "each task's first attempt died");
        assertEquals(4, c.findCounter(JobCounter.TOTAL_LAUNCHED_MAPS).getValue());
        assertEquals(rows, c.findCounter(GROUP, "ROWS_IN").getValue(), "the successful attempts' counters only");
        assertEquals(clean, files("/out/faulty"), "every row exactly once, byte-identical to the clean run");
    }

    /**
     * Issue 15, commit semantics: speculative map execution on, algorithm 2 asked for on the command line (overridden,
     * with a warning), and every task's first attempt killed inside its commit, just after the committer moved its
     * files. The retries commit again and the output is byte-identical to the clean run's.
     */
    @Test
    @Order(5)
    void speculativeMapsAndAttemptsKilledDuringCommitWriteTheSameBytes() throws Exception {
        Object[] r = hadoopJar(infer(
                "/out/commit-killed",
                "-D",
                "mapreduce.map.speculative=true",
                "-D",
                "mapreduce.fileoutputcommitter.algorithm.version=2",
                "-D",
                "drafthorse.infer.fault.halt-in-commit=1"));
        String err = (String) r[1];
        assertEquals(0, r[0], err);
        assertTrue(err.contains("warning: ignoring mapreduce.fileoutputcommitter.algorithm.version=2"), err);
        Counters c = counters(err);
        assertEquals(
                2,
                c.findCounter(JobCounter.NUM_FAILED_MAPS).getValue(),
                "each task's first attempt died in its commit");
        assertEquals(clean, files("/out/commit-killed"), "every row exactly once, byte-identical to the clean run");
    }

    /**
     * A job whose tasks die in every commit fails; with algorithm 2 (which the job overrides) the first attempts'
     * commits would have moved their rows into the output directory, visible without {@code _SUCCESS}. Here nothing
     * is left there.
     */
    @Test
    @Order(6)
    void aJobFailingInCommitLeavesNoRowsInItsOutput() throws Exception {
        Object[] r = hadoopJar(infer(
                "/out/commit-failed",
                "-D",
                "mapreduce.fileoutputcommitter.algorithm.version=2",
                "-D",
                "drafthorse.infer.fault.halt-in-commit=2",
                "-D",
                "mapreduce.map.maxattempts=2"));
        String err = (String) r[1];
        assertEquals(1, r[0], err);
        assertTrue(err.contains("failed: "), err);
        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path("/out/commit-failed");
        Map<String, String> left = ClusterFixture.fs.exists(out) ? files("/out/commit-failed") : Map.of();
        assertEquals(Map.of(), left, "no rows, no _SUCCESS, no claim left in the output directory");
    }

    /**
     * {@code train-heads} on YARN: model and prompts on HDFS, two map tasks generate, one reduce task trains, the heads
     * land on HDFS. The same jar's in-process trainer on local copies is the oracle: the heads bytes are equal.
     */
    @Test
    @Order(7)
    void trainHeadsOnYarnEqualsInProcessTraining() throws Exception {
        List<String> prompts = List.of("Once upon a time", "", "Tom had a", "Lily saw a big");
        write("/train/prompts.txt", prompts);
        ClusterFixture.fs.mkdirs(new org.apache.hadoop.fs.Path("/heads"));
        java.nio.file.Path local = new java.io.File("target/infer-it/train-heads")
                .getAbsoluteFile()
                .toPath();
        java.nio.file.Files.createDirectories(local);
        java.nio.file.Files.write(local.resolve("prompts.txt"), prompts);
        String[] common = {
            "--kind",
            "medusa",
            "--heads",
            "2",
            "--steps",
            "4",
            "--precision",
            "f16",
            "--samples",
            "2",
            "--tokens",
            "16",
            "--batch",
            "3",
            "--seed",
            "5",
            "--threads",
            "1"
        };
        List<String> a = new ArrayList<>(List.of(
                "train-heads",
                "-conf",
                ClusterFixture.confFile.getPath(),
                "-D",
                "mapreduce.reduce.memory.mb=512",
                "-D",
                "mapreduce.reduce.java.opts=-Xmx384m"));
        a.addAll(List.of(common));
        a.addAll(List.of(
                "-m",
                "/models/stories260K.gguf",
                "--prompts",
                "/train/prompts.txt",
                "--prompts-per-task",
                "2",
                "-o",
                "/heads/yarn.gguf",
                "--csv",
                local.resolve("yarn.csv").toString(),
                "--png",
                local.resolve("yarn.png").toString()));
        Object[] r = hadoopJar(a.toArray(String[]::new));
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("on the yarn runner"), (String) r[1]);
        Counters c = counters((String) r[1]);
        String g = "dev.drafthorse.jobs.heads.TrainHeadsCounter";
        assertEquals(2, c.findCounter(JobCounter.TOTAL_LAUNCHED_MAPS).getValue());
        assertEquals(
                1, c.findCounter(JobCounter.TOTAL_LAUNCHED_REDUCES).getValue(), "training is sequential: one reducer");
        assertEquals(4, c.findCounter(g, "PROMPTS").getValue());
        assertEquals(8, c.findCounter(g, "CONTINUATIONS").getValue());
        assertEquals(
                c.findCounter(g, "SEQUENCES").getValue(),
                c.findCounter(g, "SEQUENCES_TRAINED_ON").getValue());
        assertEquals(4, c.findCounter(g, "STEPS").getValue());
        assertEquals(List.of("yarn.gguf"), files("/heads").keySet().stream().toList(), "no work directory left behind");

        java.lang.reflect.Method inProcess = ClusterFixture.jar
                .loadClass("dev.drafthorse.cli.TrainHeadsCommand")
                .getDeclaredMethod("inProcess", String[].class);
        inProcess.setAccessible(true);
        List<String> l = new ArrayList<>(List.of(common));
        l.addAll(List.of(
                "-m",
                ClusterFixture.model("stories260K.gguf").toString(),
                "--prompts",
                local.resolve("prompts.txt").toString(),
                "-o",
                local.resolve("local.gguf").toString()));
        assertEquals(0, inProcess.invoke(null, (Object) l.toArray(String[]::new)));
        byte[] yarn;
        try (var in = ClusterFixture.fs.open(new org.apache.hadoop.fs.Path("/heads/yarn.gguf"))) {
            yarn = in.readAllBytes();
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                java.nio.file.Files.readAllBytes(local.resolve("local.gguf")),
                yarn,
                "heads trained on YARN = heads trained in process, byte for byte");
        assertEquals(
                java.nio.file.Files.readAllLines(local.resolve("local.csv")),
                java.nio.file.Files.readAllLines(local.resolve("yarn.csv")));
    }
}
