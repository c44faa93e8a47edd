package dev.drafthorse.jobs.infer;

import dev.drafthorse.jobs.OutputClaim;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.InvalidJobConfException;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.OutputCommitter;
import org.apache.hadoop.mapreduce.RecordWriter;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.output.FileOutputCommitter;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;
import org.apache.hadoop.mapreduce.security.TokenCache;

/**
 * Writes the mapper's two streams: rows (key {@link InferMapper#ROW}) to {@code part-m-NNNNN} and rejects (key
 * {@link InferMapper#REJECT}) to {@code _rejects/part-m-NNNNN}, one value per line.
 *
 * <p>Both files live in the task attempt's work directory of the {@link FileOutputCommitter}, so they are
 * committed together when, and only when, that attempt commits: a failed or killed attempt (or the loser of a
 * speculative pair) leaves nothing in the output, and every row appears exactly once. The rejects file is
 * created on the first reject only; {@code _rejects} starts with an underscore, so Hive and FileInputFormat skip it
 * when they read the output directory.
 */
public final class InferOutputFormat extends FileOutputFormat<Text, Text> {
    /** The rejects folder under the output directory. */
    public static final String REJECTS_DIR = "_rejects";

    private FileOutputCommitter halting;

    /** The output directory may exist only as this job's driver claimed it ({@link OutputClaim}). */
    @Override
    public void checkOutputSpecs(JobContext job) throws IOException {
        Path out = getOutputPath(job);
        if (out == null) {
            throw new InvalidJobConfException("Output directory not set.");
        }
        TokenCache.obtainTokensForNamenodes(job.getCredentials(), new Path[] {out}, job.getConfiguration());
        OutputClaim.checkOutputSpecs(out.getFileSystem(job.getConfiguration()), out);
    }

    /** The committer; with {@link InferKey#FAULT_HALT_IN_COMMIT} (tests on a cluster), one whose early attempts die in commit. */
    @Override
    public synchronized OutputCommitter getOutputCommitter(TaskAttemptContext context) throws IOException {
        Configuration conf = context.getConfiguration();
        int halt = InferSettings.faultHaltInCommit(conf);
        if (halt == 0 || "local".equals(conf.get("mapreduce.framework.name", "local"))) {
            return super.getOutputCommitter(context);
        }
        if (halting == null) {
            halting = new FileOutputCommitter(getOutputPath(context), context) {
                @Override
                public void commitTask(TaskAttemptContext task) throws IOException {
                    super.commitTask(task);
                    if (task.getTaskAttemptID().getId() < halt) {
                        // die like a container killed during commit: after the files moved, before the task reports
                        // done
                        System.err.println("drafthorse infer: " + InferKey.FAULT_HALT_IN_COMMIT.key() + "=" + halt
                                + ": halting attempt " + task.getTaskAttemptID() + " in commit");
                        System.err.flush();
                        Runtime.getRuntime().halt(18);
                    }
                }
            };
        }
        return halting;
    }

    @Override
    public RecordWriter<Text, Text> getRecordWriter(TaskAttemptContext job) throws IOException {
        Path rows = getDefaultWorkFile(job, "");
        Path work = ((FileOutputCommitter) getOutputCommitter(job)).getWorkPath();
        Path rejects = new Path(new Path(work, REJECTS_DIR), getUniqueFile(job, getOutputName(job), ""));
        FileSystem fs = rows.getFileSystem(job.getConfiguration());
        return new Writer(fs, fs.create(rows, false), rejects);
    }

    private static final class Writer extends RecordWriter<Text, Text> {
        private final FileSystem fs;
        private final DataOutputStream rows;
        private final Path rejectsPath;
        private FSDataOutputStream rejects;

        Writer(FileSystem fs, DataOutputStream rows, Path rejectsPath) {
            this.fs = fs;
            this.rows = rows;
            this.rejectsPath = rejectsPath;
        }

        @Override
        public void write(Text key, Text value) throws IOException {
            DataOutputStream out;
            if (InferMapper.REJECT.equals(key)) {
                if (rejects == null) {
                    rejects = fs.create(rejectsPath, false);
                }
                out = rejects;
            } else if (InferMapper.ROW.equals(key)) {
                out = rows;
            } else {
                throw new IOException("unknown output stream '" + key + "' (expected " + InferMapper.ROW + " or "
                        + InferMapper.REJECT + ")");
            }
            out.write(value.getBytes(), 0, value.getLength());
            out.write('\n');
        }

        @Override
        public void close(TaskAttemptContext context) throws IOException {
            rows.close();
            if (rejects != null) {
                rejects.close();
            }
        }
    }
}
