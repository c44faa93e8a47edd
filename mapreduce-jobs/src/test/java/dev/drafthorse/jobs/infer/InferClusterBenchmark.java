package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.mapreduce.Counters;
import org.apache.hadoop.mapreduce.JobCounter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rows per second with 1 vs 2 map tasks on the mini cluster (BENCHMARKS-infer.md). Not part of the build's tests;
 * run it with {@code mvn -pl mapreduce-jobs -DskipTests package} then
 * {@code mvn -pl mapreduce-jobs surefire:test@cluster-tests -Dtest=InferClusterBenchmark}.
 */
class InferClusterBenchmark {
    static final int ROWS = Integer.getInteger("bench.rows", 200);
    static final String MODEL = System.getProperty("bench.model", "tinystories-23m-q8_0.gguf");
    static String model;

    @BeforeAll
    static void start() throws Exception {
        ClusterFixture.start("infer-bench");
        model = ClusterFixture.putModel(MODEL);
        String[] words = {
            "the", "cat", "sat", "and", "Tom", "saw", "a", "big", "red", "ball", "Lily", "sun", "was", "hot"
        };
        java.util.Random rnd = new java.util.Random(1);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            StringBuilder p = new StringBuilder();
            for (int w = 0; w < 3 + rnd.nextInt(10); w++) {
                p.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
            }
            lines.add("r" + i + "\t" + p);
        }
        ClusterFixture.write("/bench/rows.txt", lines);
    }

    @AfterAll
    static void stop() throws Exception {
        ClusterFixture.stop();
    }

    @Test
    void oneVersusTwoMapTasks() throws Exception {
        StringBuilder report = new StringBuilder();
        for (int tasks : new int[] {1, 2, 1, 2}) {
            long t0 = System.nanoTime();
            Object[] r = ClusterFixture.hadoopJar(
                    "infer",
                    "-conf",
                    ClusterFixture.confFile.getPath(),
                    "--input",
                    "/bench/rows.txt",
                    "--output",
                    "/bench/out-" + tasks + "-" + t0,
                    "-m",
                    model,
                    "-n",
                    "32",
                    "--batch",
                    "16",
                    "--threads",
                    "1",
                    "--rows-per-task",
                    Integer.toString((ROWS + tasks - 1) / tasks));
            double secs = (System.nanoTime() - t0) / 1e9;
            assertEquals(0, r[0], (String) r[1]);
            Counters c = ClusterFixture.counters((String) r[1]);
            assertEquals(tasks, c.findCounter(JobCounter.TOTAL_LAUNCHED_MAPS).getValue());
            long decodeMs = c.findCounter(ClusterFixture.GROUP, "DECODE_MS").getValue();
            long tokens =
                    c.findCounter(ClusterFixture.GROUP, "GENERATED_TOKENS").getValue();
            report.append(String.format(
                    Locale.ROOT,
                    "%s: %d rows, %d map task(s): job %.1f s (%.2f rows/s), decode %.1f s summed over tasks,"
                            + " %d tokens%n",
                    MODEL,
                    ROWS,
                    tasks,
                    secs,
                    ROWS / secs,
                    decodeMs / 1e3,
                    tokens));
        }
        System.out.print(report);
    }
}
