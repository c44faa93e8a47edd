package dev.drafthorse.jobs;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.mapreduce.lib.output.FileOutputCommitter;

/**
 * The output-commit settings every Drafthorse job runs with, whatever the user's configuration says: a reader (Hive,
 * the next job) must see either nothing or the whole output with {@code _SUCCESS}, never part of it.
 *
 * <ul>
 * <li>{@code mapreduce.fileoutputcommitter.algorithm.version=1}: a task's files move into the job's attempt directory
 *     when the task commits, and into the output directory only at job commit. Algorithm 2 moves them into the output
 *     directory at task commit, so a job that fails or is killed afterwards leaves the committed tasks' rows there
 *     without {@code _SUCCESS} (issue 15: 100 rows visible after a {@code kill -9}), and a task killed during its
 *     commit leaves some of its files.
 * <li>{@code mapreduce.fileoutputcommitter.marksuccessfuljobs=true}: {@code _SUCCESS} is how a reader tells a
 *     complete output from a partial one; without it every output looks partial.
 * </ul>
 * A setting that differs is overridden, with a warning naming the key, the value and where it came from (a value
 * from Hadoop's own defaults is overridden silently: some Hadoop 3 releases default to algorithm 2).
 */
public final class Commits {
    private Commits() {}

    /** Key and the value every job needs. */
    static final String[][] REQUIRED = {
        {
            FileOutputCommitter.FILEOUTPUTCOMMITTER_ALGORITHM_VERSION,
            "1",
            "algorithm 2 moves each task's files into the output directory when the task commits, so a job that fails or"
                    + " is killed later leaves part of its output there without _SUCCESS"
        },
        {
            FileOutputCommitter.SUCCESSFUL_JOB_OUTPUT_DIR_MARKER,
            "true",
            "_SUCCESS is how a reader tells a complete output from a partial one"
        },
    };

    /**
     * Sets the required values on {@code conf}; returns one warning per overridden user setting (empty when none).
     */
    public static List<String> enforce(Configuration conf) {
        List<String> warnings = new ArrayList<>();
        for (String[] r : REQUIRED) {
            String v = conf.getTrimmed(r[0]);
            if (v != null && !v.equalsIgnoreCase(r[1]) && !fromDefaults(conf, r[0])) {
                String[] src = conf.getPropertySources(r[0]);
                warnings.add(
                        "ignoring " + r[0] + "=" + v + (src == null ? "" : " (source: " + String.join(", ", src) + ")")
                                + ": " + r[2] + "; using " + r[1]);
            }
            conf.set(r[0], r[1], "set by Drafthorse (" + Commits.class.getSimpleName() + ")");
        }
        return warnings;
    }

    /** {@link #enforce}, printing the warnings as {@code command: warning: …}. */
    public static void enforce(Configuration conf, PrintStream err, String command) {
        for (String w : enforce(conf)) {
            err.println(command + ": warning: " + w);
        }
    }

    private static boolean fromDefaults(Configuration conf, String key) {
        String[] src = conf.getPropertySources(key);
        return src != null && Arrays.stream(src).allMatch(s -> s.endsWith("-default.xml"));
    }
}
