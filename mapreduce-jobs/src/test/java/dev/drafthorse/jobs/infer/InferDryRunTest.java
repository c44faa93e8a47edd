package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drafthorse.cli.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --dry-run}: nothing is submitted or written; the printed rows, map tasks and tokens agree with what the real
 * job then does (its splits, its ROWS_IN, the prompt_tokens of its output rows); a user's job name stands.
 */
class InferDryRunTest {
    @TempDir
    Path dir;

    /** 150 generate rows and 2 bad ones. */
    static List<String> rows(int n) {
        String[] words = {"the", "cat", "sat", "and", "Tom", "saw", "a", "big", "red", "ball", "Lily", "sun"};
        java.util.Random rnd = new java.util.Random(5);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder p = new StringBuilder();
            for (int w = 0; w < 2 + rnd.nextInt(12); w++) {
                p.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
            }
            lines.add("r" + i + "\t" + p);
        }
        return lines;
    }

    static Map<String, String> printed(String out) {
        Map<String, String> m = new TreeMap<>();
        for (String l : out.split("\n")) {
            int c = l.indexOf(": ");
            if (c > 0) {
                m.put(l.substring(0, c), l.substring(c + 2));
            }
        }
        return m;
    }

    @Test
    void dryRunPredictsTheJobsRowsTasksAndTokens() throws IOException {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        List<String> lines = rows(150);
        lines.add(40, "no tab here");
        lines.add(90, "empty\t");
        Files.write(in.resolve("rows.tsv"), lines, StandardCharsets.UTF_8);
        String[] common = {
            "--input",
            in.toString(),
            "-m",
            Reference.model().toString(),
            "-n",
            "12",
            "--rows-per-task",
            "40",
            "--threads",
            "1"
        };
        Path out = dir.resolve("out");
        List<String> dry = new ArrayList<>(List.of("infer", "--output", out.toString(), "--dry-run"));
        dry.addAll(List.of(common));
        Cli d = Cli.run(dry.toArray(String[]::new));
        assertEquals(0, d.exit(), d.toString());
        assertFalse(Files.exists(out), "a dry run writes nothing");
        assertTrue(d.err().contains("no job submitted"), d.err());
        Map<String, String> p = printed(d.out());
        assertEquals("152 (counted)", p.get("rows"), d.out());
        assertEquals("4", p.get("map tasks"), d.out());
        assertTrue(p.get("sample").startsWith("152 rows from 4 of 4 splits, 2 rejected"), d.out());
        assertTrue(p.get("tokens to generate").startsWith("1800 at most (12.0 per row)"), d.out());
        assertTrue(p.get("estimated CPU").matches("[0-9.]+ CPU-hours \\([0-9.]+ CPU-seconds\\)"), d.out());

        List<String> real = new ArrayList<>(List.of("infer", "-D", "mapreduce.job.name=nightly prompts"));
        real.addAll(List.of("--output", out.toString()));
        real.addAll(List.of(common));
        Cli r = Cli.run(real.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("(nightly prompts) on the local runner"), "the user's job name stands: " + r.err());
        assertEquals(152, r.counter("rows_in"));
        long promptTokens = 0;
        for (JsonNode n : OutputReader.json(OutputReader.lines(out))) {
            promptTokens += n.get("prompt_tokens").asLong();
        }
        // The sample is the whole input here, so the dry run's prompt tokens are the job's, exactly.
        assertTrue(p.get("prompt tokens").startsWith(promptTokens + " "), promptTokens + " vs " + d.out());
        assertEquals(
                4,
                OutputReader.entries(out).stream()
                        .filter(e -> e.matches("part-m-\\d{5}"))
                        .count());
    }

    @Test
    void theJitHasSettledWhenTwoPassesInARowCompileLittleAndAgree() {
        // Passes as the timed run saw them on stories260K: {CPU ns, compile ms}.
        assertFalse(DryRun.settled(passes(370_000_000L, 93, 340_000_000L, 12)), "still compiling (25% of the first)");
        assertFalse(DryRun.settled(passes(270_000_000L, 1, 240_000_000L, 0)), "quiet, but 12.5% apart");
        assertFalse(DryRun.settled(passes(240_000_000L, 0, 240_000_000L, 13)), "13 ms of 240 is 5.4% compiling");
        assertTrue(DryRun.settled(passes(240_000_000L, 0, 250_000_000L, 12)), "5% compiling, 4% apart");
        assertFalse(DryRun.settled(passes(240_000_000L, 0)), "one pass is not enough");
    }

    private static List<DryRun.Pass> passes(long... cpuAndCompile) {
        List<DryRun.Pass> l = new ArrayList<>();
        for (int i = 0; i < cpuAndCompile.length; i += 2) {
            l.add(new DryRun.Pass(cpuAndCompile[i], cpuAndCompile[i + 1], 775, 2048));
        }
        return l;
    }

    @Test
    void embedAndScoreDryRunsTimeThePrefill() throws IOException {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Files.write(in.resolve("rows.tsv"), rows(30), StandardCharsets.UTF_8);
        for (String[] mode : new String[][] {{"--mode", "embed"}, {"--mode", "score", "--candidates", " happy, sad"}}) {
            List<String> a = new ArrayList<>(List.of(
                    "infer", "--input", in.toString(), "-m", Reference.model().toString(), "--dry-run"));
            a.addAll(List.of(mode));
            Cli d = Cli.run(a.toArray(String[]::new));
            assertEquals(0, d.exit(), d.toString());
            Map<String, String> p = printed(d.out());
            assertEquals("30 (counted)", p.get("rows"), d.out());
            assertFalse(p.containsKey("tokens to generate"), d.out());
            double cpu = Double.parseDouble(p.get("measured here").replaceAll("^prefill ([0-9.]+) ms.*", "$1"));
            assertTrue(cpu > 0, d.out());
        }
    }
}
