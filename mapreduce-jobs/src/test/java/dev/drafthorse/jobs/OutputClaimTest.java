package dev.drafthorse.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.lib.output.FileOutputCommitter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OutputClaim}: exactly one of many drivers claims an output directory; {@link Commits}: settings overridden by name. */
class OutputClaimTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void exactlyOneOfEightSimultaneousClaimsWins() throws Exception {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 20; round++) {
                Path out = fs.makeQualified(new Path(dir.resolve("out-" + round).toString()));
                CyclicBarrier start = new CyclicBarrier(8);
                List<Future<String>> f = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int id = t;
                    f.add(pool.submit(() -> {
                        start.await();
                        try {
                            OutputClaim.claim(fs, out, "job " + id);
                            return "won";
                        } catch (IOException e) {
                            return e.getMessage();
                        }
                    }));
                }
                int won = 0;
                for (Future<String> x : f) {
                    String r = x.get();
                    if (r.equals("won")) {
                        won++;
                    } else {
                        assertTrue(
                                r.startsWith(out + ": ")
                                        && (r.contains("another job claimed this output directory first")
                                                || r.contains("another job has claimed it")),
                                r);
                    }
                }
                assertEquals(1, won, "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClaimedDirectoryPassesOnlyItsOwnJobsCheckAndIsReleased() throws IOException {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        Path out = fs.makeQualified(new Path(dir.resolve("out").toString()));
        OutputClaim.checkOutputSpecs(fs, out);
        Path claim = OutputClaim.claim(fs, out, "first");
        OutputClaim.checkOutputSpecs(fs, out);
        IOException again = assertThrows(IOException.class, () -> OutputClaim.claim(fs, out, "second"));
        assertTrue(again.getMessage().contains("another job has claimed it (_DRAFTHORSE_CLAIM)"), again.getMessage());
        Files.writeString(dir.resolve("out").resolve("part-m-00000"), "x\n");
        assertThrows(
                org.apache.hadoop.mapred.FileAlreadyExistsException.class, () -> OutputClaim.checkOutputSpecs(fs, out));
        OutputClaim.release(fs, claim);
        assertFalse(Files.exists(dir.resolve("out").resolve(OutputClaim.NAME)));
        IOException full = assertThrows(IOException.class, () -> OutputClaim.claim(fs, out, "third"));
        assertTrue(full.getMessage().endsWith("already exists and is not empty"), full.getMessage());
    }

    @Test
    void committerSettingsAreOverriddenWithWarningsNamingThem() {
        Configuration c = new Configuration(false);
        assertEquals(List.of(), Commits.enforce(c), "nothing set: nothing to warn about");
        assertEquals("1", c.get(FileOutputCommitter.FILEOUTPUTCOMMITTER_ALGORITHM_VERSION));
        assertEquals("true", c.get(FileOutputCommitter.SUCCESSFUL_JOB_OUTPUT_DIR_MARKER));
        c.set(FileOutputCommitter.FILEOUTPUTCOMMITTER_ALGORITHM_VERSION, "2", "from command line");
        c.set(FileOutputCommitter.SUCCESSFUL_JOB_OUTPUT_DIR_MARKER, "false", "mapred-site.xml");
        List<String> w = Commits.enforce(c);
        assertEquals(2, w.size(), w.toString());
        assertTrue(
                w.get(0)
                        .startsWith(
                                "ignoring mapreduce.fileoutputcommitter.algorithm.version=2 (source: from command line): algorithm 2"),
                w.get(0));
        assertTrue(
                w.get(1)
                        .startsWith(
                                "ignoring mapreduce.fileoutputcommitter.marksuccessfuljobs=false (source: mapred-site.xml)"),
                w.get(1));
        assertEquals("1", c.get(FileOutputCommitter.FILEOUTPUTCOMMITTER_ALGORITHM_VERSION));
        assertEquals("true", c.get(FileOutputCommitter.SUCCESSFUL_JOB_OUTPUT_DIR_MARKER));
        Configuration d = new Configuration(false);
        d.set(FileOutputCommitter.FILEOUTPUTCOMMITTER_ALGORITHM_VERSION, "2", "mapred-default.xml");
        assertEquals(List.of(), Commits.enforce(d), "Hadoop's own default is overridden silently");
        assertEquals("1", d.get(FileOutputCommitter.FILEOUTPUTCOMMITTER_ALGORITHM_VERSION));
    }
}
