package dev.drafthorse.jobs.infer;

import dev.drafthorse.jobs.OutputClaim;
import dev.drafthorse.rows.RowMode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.GzipCodec;
import org.apache.hadoop.mapred.InvalidJobConfException;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.OutputCommitter;
import org.apache.hadoop.mapreduce.RecordWriter;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.output.FileOutputCommitter;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;
import org.apache.hadoop.mapreduce.lib.output.PathOutputCommitter;
import org.apache.hadoop.mapreduce.security.TokenCache;
import org.apache.hadoop.util.ReflectionUtils;

/**
 * Writes the mapper's two streams: rows (key {@link InferMapper#ROW}) to {@code part-m-NNNNN} and rejects (key
 * {@link InferMapper#REJECT}) to {@code _rejects/part-m-NNNNN}, one value per line.
 *
 * <p>Both files live in the task attempt's work directory of the output committer ({@link PathOutputCommitter#getWorkPath()}:
 * FileOutputCommitter by default, or whatever committer factory {@code mapreduce.outputcommitter.factory.scheme.*}
 * names, such as the manifest, S3A or ABFS committers), so they are committed together when, and only when, that
 * attempt commits: a failed or killed attempt (or the loser of a
 * speculative pair) leaves nothing in the output, and every row appears exactly once. The rejects file is
 * created on the first reject only; {@code _rejects} starts with an underscore, so Hive and FileInputFormat skip it
 * when they read the output directory.
 *
 * <p>Rows are written as {@link InferKey#FORMAT} says: text lines (JSON or TSV, compressed with the codec of
 * {@code mapreduce.output.fileoutputformat.compress.codec}, Hadoop's DefaultCodec (deflate) unless set, as
 * TextOutputFormat does, when
 * {@code mapreduce.output.fileoutputformat.compress} is true), or ORC or Parquet files ({@link OutputTables}).
 * Rejects are JSON lines, compressed like text rows.
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
        Configuration conf = job.getConfiguration();
        Path work = workPath(getOutputCommitter(job), getOutputPath(job));
        InferSettings.Format format =
                InferSettings.Format.valueOf(conf.getTrimmed(InferKey.FORMAT.key(), InferKey.FORMAT.defaultValue())
                        .toUpperCase(Locale.ROOT));
        RowMode mode = RowMode.parse(InferKey.MODE.key(), conf.getTrimmed(InferKey.MODE.key(), "generate"));
        CompressionCodec codec = getCompressOutput(job)
                ? ReflectionUtils.newInstance(getOutputCompressorClass(job, GzipCodec.class), conf)
                : null;
        String name = getUniqueFile(job, getOutputName(job), "");
        FileSystem fs = work.getFileSystem(conf);
        OutputTables.Sink rows = switch (format) {
            case ORC -> OutputTables.orc(fs, new Path(work, name + ".orc"), conf, mode);
            case PARQUET -> OutputTables.parquet(new Path(work, name + ".parquet"), conf, mode);
            default -> lines(fs, new Path(work, name), codec);
        };
        Path rejects = new Path(new Path(work, REJECTS_DIR), name);
        return new Writer(rows, () -> lines(fs, rejects, codec));
    }

    /**
     * Where a task attempt writes: the committer's work path. Any {@link PathOutputCommitter} (FileOutputCommitter,
     * the manifest committer, S3A's and ABFS's committers) has one; rows and rejects both go there, so the committer
     * publishes them together.
     */
    static Path workPath(OutputCommitter committer, Path output) throws IOException {
        if (committer instanceof PathOutputCommitter p && p.getWorkPath() != null) {
            return p.getWorkPath();
        }
        throw new IOException("the output committer " + committer.getClass().getName()
                + " has no work path (a PathOutputCommitter is needed) for " + output);
    }

    /** Text lines into {@code file}, through {@code codec} when output compression is on (its suffix appended). */
    private static OutputTables.Sink lines(FileSystem fs, Path file, CompressionCodec codec) throws IOException {
        Path p = codec == null ? file : file.suffix(codec.getDefaultExtension());
        FSDataOutputStream raw = fs.create(p, false);
        OutputStream out = codec == null ? raw : codec.createOutputStream(raw);
        return new OutputTables.Sink() {
            @Override
            public void write(byte[] row, int length) throws IOException {
                out.write(row, 0, length);
                out.write('\n');
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    /** Opens a sink on first use. */
    private interface Opener {
        OutputTables.Sink open() throws IOException;
    }

    private static final class Writer extends RecordWriter<Text, Text> {
        private final OutputTables.Sink rows;
        private final Opener rejectsOpener;
        private OutputTables.Sink rejects;

        Writer(OutputTables.Sink rows, Opener rejectsOpener) {
            this.rows = rows;
            this.rejectsOpener = rejectsOpener;
        }

        @Override
        public void write(Text key, Text value) throws IOException {
            if (InferMapper.REJECT.equals(key)) {
                if (rejects == null) {
                    rejects = rejectsOpener.open();
                }
                rejects.write(value.getBytes(), value.getLength());
            } else if (InferMapper.ROW.equals(key)) {
                rows.write(value.getBytes(), value.getLength());
            } else {
                throw new IOException("unknown output stream '" + key + "' (expected " + InferMapper.ROW + " or "
                        + InferMapper.REJECT + ")");
            }
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
