package dev.drafthorse.jobs.infer;

import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.RecordWriter;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.output.FileOutputCommitter;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;

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
                throw new IOException("unknown output stream '" + key + "' (expected " + InferMapper.ROW + " or " + InferMapper.REJECT + ")");
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
