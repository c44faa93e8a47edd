package dev.drafthorse.jobs.ensemble;

import dev.drafthorse.jobs.Commits;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.Counter;
import org.apache.hadoop.mapreduce.Job;

/** What the two ensemble drivers share: option plumbing, submission with progress on stderr, file hygiene. */
final class JobSupport {
    private JobSupport() {}

    /**
     * {@code -D key=value} given after the command's options (as the local command accepts them): {@code ensemble.*}
     * keys are hyperparameters (returned), any other key is a job setting (set on {@code conf}).
     */
    static Properties splitDefines(Properties defines, Configuration conf, String command) {
        Properties ensemble = new Properties();
        for (String k : defines.stringPropertyNames()) {
            if (k.startsWith("ensemble.")) {
                ensemble.setProperty(k, defines.getProperty(k));
            } else {
                conf.set(k, defines.getProperty(k), "from the " + command + " command line");
            }
        }
        return ensemble;
    }

    /** The {@code ensemble.*} keys of the job configuration (generic -D options before the command's, -conf files). */
    static Properties ensembleKeys(Configuration conf) {
        Properties p = new Properties();
        for (Map.Entry<String, String> e : conf) {
            if (e.getKey().startsWith("ensemble.")) {
                p.setProperty(e.getKey(), e.getValue());
            }
        }
        return p;
    }

    static Properties loadLocal(String file) throws IOException {
        Properties p = new Properties();
        java.nio.file.Path f = java.nio.file.Path.of(file);
        if (!Files.exists(f)) {
            throw new FileNotFoundException(f + ": no such file (--params)");
        }
        try (InputStream in = Files.newInputStream(f)) {
            p.load(in);
        }
        return p;
    }

    /**
     * Committer-managed outputs (algorithm 1: task output moves at task commit, job output at job commit; and
     * {@code _SUCCESS}), whatever the configuration says: other settings are overridden with a warning ({@link Commits}).
     */
    static void committerDefaults(Configuration conf, PrintStream err, String command) {
        Commits.enforce(conf, err, command);
    }

    /** Submits and waits, printing map/reduce progress on stderr; returns whether the job succeeded. */
    static boolean run(Job job, String command, PrintStream err)
            throws IOException, InterruptedException, ClassNotFoundException {
        job.submit();
        err.printf(
                "%s: submitted %s (%s) on the %s runner%n",
                command,
                job.getJobID(),
                job.getJobName(),
                job.getConfiguration().get("mapreduce.framework.name", "local"));
        String last = "";
        while (!job.isComplete()) {
            Thread.sleep(500);
            String now = String.format(
                    Locale.ROOT, "map %.0f%% reduce %.0f%%", job.mapProgress() * 100, job.reduceProgress() * 100);
            if (!now.equals(last)) {
                err.println(command + ": " + now);
                last = now;
            }
        }
        if (!job.isSuccessful()) {
            java.util.List<String> errors = dev.drafthorse.jobs.TaskFailures.of(job);
            err.printf(
                    "%s: job %s failed: %s%n",
                    command, job.getJobID(), dev.drafthorse.jobs.TaskFailures.reason(job, errors));
            if (errors.size() > 1) {
                for (String e : errors) {
                    err.println(command + ":   failed attempt " + e);
                }
            }
            return false;
        }
        StringBuilder summary = new StringBuilder();
        for (Counter c : job.getCounters().getGroup(EnsembleCounter.class.getName())) {
            summary.append(summary.length() == 0 ? "" : ", ")
                    .append(c.getName().toLowerCase(Locale.ROOT))
                    .append(' ')
                    .append(c.getValue());
        }
        err.println(command + ": job " + job.getJobID() + " done: " + summary);
        return true;
    }

    /** The filesystem to write final files with: the local filesystem without its {@code .crc} side files. */
    static FileSystem plain(FileSystem fs) {
        return fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
    }

    /** Drops the local filesystem's hidden {@code .NAME.crc} files under {@code dir} (the output contract lists none). */
    static void dropChecksumFiles(FileSystem fs, Path dir) throws IOException {
        if (!(fs instanceof ChecksumFileSystem cfs)) {
            return;
        }
        FileSystem raw = cfs.getRawFileSystem();
        if (!raw.exists(dir)) {
            return;
        }
        for (FileStatus st : raw.listStatus(dir)) {
            if (st.isDirectory()) {
                dropChecksumFiles(fs, st.getPath());
            } else if (cfs.isChecksumFile(st.getPath())) {
                raw.delete(st.getPath(), false);
            }
        }
    }

    static String describe(Exception e) {
        String m = e.getMessage();
        return m == null
                ? e.toString()
                : (e instanceof IOException || e instanceof IllegalArgumentException ? m : e.toString());
    }
}
