package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.cli.Cli;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --resume}: a job killed half-way ({@code kill -9} of the JVM running it on the local runner, after some of its
 * tasks committed), then resumed from its output directory, ends with exactly the rows of an uninterrupted run, and
 * the rows the killed job had finished are not run again.
 */
class InferResumeTest {
    @TempDir
    Path dir;

    static final ObjectMapper JSON = new ObjectMapper();

    private Path input() throws IOException {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        List<String> lines = new ArrayList<>();
        String[] prompts = {"Tom had a red ball", "The sun was hot", "Lily saw a cat", "Once upon a time"};
        for (int i = 0; i < 80; i++) {
            lines.add("{\"id\": \"r" + i + "\", \"prompt\": \"" + prompts[i % prompts.length] + " " + i + "\"}");
        }
        lines.add(13, "{\"id\": \"bad\"}");
        Files.write(in.resolve("rows.jsonl"), lines, StandardCharsets.UTF_8);
        return in;
    }

    private static List<String> args(Path in, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(
                "infer",
                "--input",
                in.toString(),
                "--output",
                out.toString(),
                "-m",
                Reference.model().toString(),
                "-n",
                "48",
                "--threads",
                "1",
                "--batch",
                "2",
                "--rows-per-task",
                "9"));
        a.addAll(List.of(more));
        return a;
    }

    /** id → row line of every visible data file of an output (rows), and the rejects' ids. */
    private static Map<String, String> rows(Path out) throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (String l : OutputReader.lines(out)) {
            String id = JSON.readTree(l).get("id").asText();
            assertFalse(m.containsKey(id), "row " + id + " twice");
            m.put(id, l);
        }
        return m;
    }

    private static List<Path> committedTasks(Path out) throws IOException {
        Path attempt = out.resolve("_temporary").resolve("0");
        if (!Files.isDirectory(attempt)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(attempt)) {
            return s.filter(p -> p.getFileName().toString().startsWith("task_")).toList();
        }
    }

    @Test
    void aKilledJobResumedGivesTheRowsOfAnUninterruptedRun() throws Exception {
        Path in = input();
        Path full = dir.resolve("full");
        Cli f = Cli.run(args(in, full).toArray(String[]::new));
        assertEquals(0, f.exit(), f.toString());
        Map<String, String> want = rows(full);
        assertEquals(80, want.size());

        // The same job in a JVM of its own, killed (SIGKILL) once a few of its tasks have committed.
        Path killed = dir.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "--add-modules",
                "jdk.incubator.vector",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.drafthorse.cli.Main"));
        cmd.addAll(args(in, killed));
        // In a directory of its own: the local runner links the model into its working directory, and a killed
        // job never removes the link.
        Path work = Files.createDirectories(dir.resolve("killed-cwd"));
        Process p = new ProcessBuilder(cmd)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("killed.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (committedTasks(killed).size() < 3 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String log = Files.readString(dir.resolve("killed.log"));
        assertFalse(Files.exists(killed.resolve("_SUCCESS")), "the job was killed before it finished:\n" + log);
        int committed = committedTasks(killed).size();
        assertTrue(committed >= 3 && committed < 9, committed + " tasks committed:\n" + log);
        assertEquals(Map.of(), rows(killed), "algorithm 1: nothing in the output directory itself");

        Path resumed = dir.resolve("resumed");
        Cli r = Cli.run(args(in, resumed, "--resume", killed.toString()).toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(want, rows(resumed), "exactly the rows of the uninterrupted run");
        long skipped = r.counter("rows_resumed");
        assertTrue(skipped >= 18, "the killed job's finished rows were not run again: " + skipped);
        assertEquals(81, r.counter("rows_in"));
        assertEquals(81 - skipped - 1, r.counter("rows_out"));
        assertEquals(1, OutputReader.rejectLines(resumed).size());
        for (String e : OutputReader.entries(resumed)) {
            assertTrue(
                    e.equals("_SUCCESS")
                            || e.matches("part-m-\\d{5}")
                            || e.matches("part-resumed-\\d{5}")
                            || e.equals("_rejects")
                            || e.matches("_rejects" + File.separator + "part-m-\\d{5}"),
                    e);
        }
    }

    @Test
    void resumeAcrossFormatsIsRefusedAndOrcResumes() throws Exception {
        Path in = input();
        Path full = dir.resolve("full-orc");
        assertEquals(
                0,
                Cli.run(args(in, full, "--format", "orc").toArray(String[]::new))
                        .exit());
        // An earlier run over the first half of the rows, as a finished output.
        Path half = dir.resolve("half-in");
        Files.createDirectories(half);
        List<String> lines = Files.readAllLines(in.resolve("rows.jsonl"));
        Files.write(half.resolve("rows.jsonl"), lines.subList(0, 40));
        Path first = dir.resolve("first-orc");
        assertEquals(
                0,
                Cli.run(args(half, first, "--format", "orc").toArray(String[]::new))
                        .exit());

        Cli wrong = Cli.run(
                args(in, dir.resolve("wrong"), "--resume", first.toString()).toArray(String[]::new));
        assertEquals(1, wrong.exit());
        assertTrue(wrong.err().contains("is orc, but this run writes jsonl"), wrong.err());

        Path resumed = dir.resolve("resumed-orc");
        Cli r = Cli.run(args(in, resumed, "--format", "orc", "--resume", first.toString())
                .toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(39, r.counter("rows_resumed"));
        Map<String, String> got = new TreeMap<>();
        Map<String, String> want = new TreeMap<>();
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
        for (Path[] pair : new Path[][] {{full, null}, {resumed, null}}) {
            Map<String, String> m = pair[0] == full ? want : got;
            try (Stream<Path> s = Files.list(pair[0])) {
                for (Path p : s.filter(x -> x.getFileName().toString().startsWith("part-"))
                        .toList()) {
                    org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(p.toString());
                    try (org.apache.orc.Reader rd =
                            org.apache.orc.OrcFile.createReader(hp, org.apache.orc.OrcFile.readerOptions(conf))) {
                        var b = rd.getSchema().createRowBatch();
                        try (var rows = rd.rows()) {
                            while (rows.nextBatch(b)) {
                                for (int i = 0; i < b.size; i++) {
                                    m.put(
                                            ((org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector) b.cols[0])
                                                    .toString(i),
                                            ((org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector) b.cols[1])
                                                    .toString(i));
                                }
                            }
                        }
                    }
                }
            }
        }
        assertEquals(80, want.size());
        assertEquals(want, got);
    }
}
