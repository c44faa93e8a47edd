package dev.drafthorse.jobs.ensemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.jobs.infer.ClusterFixture;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code ensemble-train} and {@code ensemble-predict} on the in-process cluster (HDFS + YARN, {@link ClusterFixture}),
 * submitted from the shaded jar as {@code hadoop jar} does: inputs, labels and model on HDFS, units trained in reduce
 * containers. The oracle is the ensemble module's in-process tool (no Hadoop), loaded from the same jar, on local
 * copies of the same files: the model bytes and the predictions must be identical.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EnsembleClusterIT {
    static final String GROUP = "dev.drafthorse.jobs.ensemble.EnsembleCounter";
    static Path local;
    static String localInputs;
    static final String HDFS_INPUTS = "t0=/ens/scores_t0,/ens/t1.jsonl,/ens/extra.tsv";

    @BeforeAll
    static void start() throws Exception {
        ClusterFixture.start("ensemble-it");
        EnsembleData d = new EnsembleData(120, 4);
        ClusterFixture.write("/ens/scores_t0/part-m-00000", d.t0.subList(0, 70));
        ClusterFixture.write("/ens/scores_t0/part-m-00001", d.t0.subList(70, d.t0.size()));
        ClusterFixture.write("/ens/t1.jsonl", d.t1);
        ClusterFixture.write("/ens/extra.tsv", d.table);
        ClusterFixture.write("/ens/labels.tsv", d.labels);
        local = new File("target/ensemble-it/local").getAbsoluteFile().toPath();
        Files.createDirectories(local.resolve("scores_t0"));
        Files.write(local.resolve("scores_t0/part-m-00000"), d.t0.subList(0, 70), StandardCharsets.UTF_8);
        Files.write(local.resolve("scores_t0/part-m-00001"), d.t0.subList(70, d.t0.size()), StandardCharsets.UTF_8);
        Files.write(local.resolve("t1.jsonl"), d.t1, StandardCharsets.UTF_8);
        Files.write(local.resolve("extra.tsv"), d.table, StandardCharsets.UTF_8);
        Files.write(local.resolve("labels.tsv"), d.labels, StandardCharsets.UTF_8);
        localInputs =
                "t0=" + local.resolve("scores_t0") + "," + local.resolve("t1.jsonl") + "," + local.resolve("extra.tsv");
    }

    @AfterAll
    static void stop() throws IOException {
        ClusterFixture.stop();
    }

    /** {@code drafthorse COMMAND -conf cluster.xml (small reduce containers) ARGS} from the job jar. */
    static Object[] onYarn(String command, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of(
                command,
                "-conf",
                ClusterFixture.confFile.getPath(),
                "-D",
                "mapreduce.reduce.memory.mb=512",
                "-D",
                "mapreduce.reduce.java.opts=-Xmx384m"));
        a.addAll(List.of(args));
        return ClusterFixture.hadoopJar(a.toArray(String[]::new));
    }

    /** The in-process commands (LocalEnsemble.train/predict), from the job jar. */
    static int localTool(String method, String... args) throws Exception {
        Class<?> tool = ClusterFixture.jar.loadClass("dev.drafthorse.cli.LocalEnsemble");
        return (Integer) tool.getMethod(method, String[].class).invoke(null, (Object) args);
    }

    static byte[] hdfsBytes(String path) throws IOException {
        try (InputStream in = ClusterFixture.fs.open(new org.apache.hadoop.fs.Path(path))) {
            return in.readAllBytes();
        }
    }

    @Test
    @Order(1)
    void theJobClassesComeFromTheJarOnly() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.drafthorse.jobs.ensemble.TrainReducer"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.drafthorse.ensemble.method.Bagging"));
    }

    @Test
    @Order(2)
    void baggingMembersInReduceContainersWhoseFirstAttemptsDieEqualLocalTraining() throws Exception {
        String[] common = {"--method", "bagging", "--seed", "9", "-D", "ensemble.bagging.members=4"};
        List<String> args = new ArrayList<>(List.of("-D", TrainReducer.FAULT_HALT_AFTER_UNITS + "=1"));
        args.addAll(List.of(common));
        args.addAll(List.of(
                "--inputs",
                HDFS_INPUTS,
                "--labels",
                "/ens/labels.tsv",
                "--output",
                "/models/bagging.model",
                "--tasks",
                "2"));
        Object[] r = onYarn("ensemble-train", args.toArray(String[]::new));
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("on the yarn runner"), (String) r[1]);
        Counters c = ClusterFixture.counters((String) r[1]);
        assertEquals(
                2,
                c.findCounter(JobCounter.NUM_FAILED_REDUCES).getValue(),
                "each reduce task's first attempt died after its first unit");
        // 2 tasks x 2 attempts, plus any speculative attempt a slow machine provokes (its output is discarded too)
        assertTrue(c.findCounter(JobCounter.TOTAL_LAUNCHED_REDUCES).getValue() >= 4);
        assertEquals(
                4, c.findCounter(GROUP, "BAGGING_MEMBERS_TRAINED").getValue(), "the committed attempts' counters only");
        assertEquals(120 - 11, c.findCounter(GROUP, "TRAIN_ROWS").getValue());

        List<String> l = new ArrayList<>(List.of(common));
        Path model = local.resolve("bagging.model");
        l.addAll(List.of(
                "--inputs",
                localInputs,
                "--labels",
                local.resolve("labels.tsv").toString(),
                "--output",
                model.toString()));
        assertEquals(0, localTool("train", l.toArray(String[]::new)));
        assertArrayEquals(
                Files.readAllBytes(model),
                hdfsBytes("/models/bagging.model"),
                "distributed training = local training, byte for byte");
        assertEquals(
                List.of("bagging.model"),
                ClusterFixture.files("/models").keySet().stream().toList(),
                "no staging left behind");
    }

    @Test
    @Order(3)
    void predictionsWithTheModelFromTheDistributedCacheEqualLocal() throws Exception {
        // (stacking's folds in reduce tasks are checked against local training on the local runner: EnsembleJobTest)
        Path model = local.resolve("bagging.model");
        Object[] p = onYarn(
                "ensemble-predict", "--model", "/models/bagging.model", "--inputs", HDFS_INPUTS, "--output", "/pred");
        assertEquals(0, p[0], (String) p[1]);
        Counters pc = ClusterFixture.counters((String) p[1]);
        assertEquals(120, pc.findCounter(GROUP, "ROWS_OUT").getValue());
        assertEquals(0, pc.findCounter(GROUP, "LINES_REJECTED").getValue());
        Map<String, String> files = ClusterFixture.files("/pred");
        assertEquals(List.of("_SUCCESS", "part-r-00000"), new ArrayList<>(files.keySet()));
        List<String> lines = new ArrayList<>(List.of(files.get("part-r-00000").split("\n")));
        Path out = local.resolve("pred");
        assertEquals(
                0,
                localTool("predict", "--model", model.toString(), "--inputs", localInputs, "--output", out.toString()));
        List<String> expected = new ArrayList<>(Files.readAllLines(out.resolve("part-00000"), StandardCharsets.UTF_8));
        expected.sort(null);
        lines.sort(null);
        assertEquals(expected, lines, "YARN predictions = local predictions");
    }
}
