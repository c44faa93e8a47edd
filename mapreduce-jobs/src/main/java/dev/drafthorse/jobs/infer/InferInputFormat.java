package dev.drafthorse.jobs.infer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.SplittableCompressionCodec;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.LineRecordReader;
import org.apache.hadoop.mapreduce.lib.input.NLineInputFormat;

/**
 * The input of {@code infer}: every file of the input directories, each read as its {@link InputKind} says, so one
 * job reads JSON lines, Hive text, ORC and Parquet side by side (a table whose partitions differ in format too).
 *
 * <p>Splits are Hadoop's file splits, by block: ORC files split at stripes and Parquet files at row groups (a split
 * reads the stripes, or row groups, that start in it, as Hive's readers do), text at lines, compressed text only
 * when the codec is splittable (bzip2), else one split per file. With {@link InferKey#ROWS_PER_TASK} uncompressed text
 * is cut into splits of that many lines instead.
 *
 * <p>Keys are the row's position (byte offset of a line; row number of an ORC or Parquet row in its file), values
 * the row: a text line as read, or a table row's id and prompt columns encoded by {@link #tableRow}.
 */
public final class InferInputFormat extends FileInputFormat<LongWritable, Text> {
    /** Field delimiter of {@link #tableRow}. */
    static final byte TABLE_DELIMITER = 1;
    /** Escape of {@link #tableRow}. */
    static final byte TABLE_ESCAPE = '\\';

    @Override
    protected boolean isSplitable(JobContext context, Path file) {
        try {
            if (!InputKind.of(context.getConfiguration(), file).lines()) {
                return true;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CompressionCodec codec = new CompressionCodecFactory(context.getConfiguration()).getCodec(file);
        return codec == null || codec instanceof SplittableCompressionCodec;
    }

    @Override
    public List<InputSplit> getSplits(JobContext job) throws IOException {
        List<InputSplit> splits = super.getSplits(job);
        int rowsPerTask = job.getConfiguration().getInt(InferKey.ROWS_PER_TASK.key(), 0);
        if (rowsPerTask <= 0) {
            return splits;
        }
        // Uncompressed text by lines; the rest keeps its block splits.
        Configuration conf = job.getConfiguration();
        CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
        List<InputSplit> out = new ArrayList<>();
        Set<Path> done = new HashSet<>();
        for (InputSplit s : splits) {
            Path p = ((FileSplit) s).getPath();
            if (!InputKind.of(conf, p).lines() || codecs.getCodec(p) != null) {
                out.add(s);
            } else if (done.add(p)) {
                FileStatus st = p.getFileSystem(conf).getFileStatus(p);
                out.addAll(NLineInputFormat.getSplitsForFile(st, conf, rowsPerTask));
            }
        }
        return out;
    }

    @Override
    public RecordReader<LongWritable, Text> createRecordReader(InputSplit split, TaskAttemptContext context)
            throws IOException {
        Path file = ((FileSplit) split).getPath();
        return switch (InputKind.of(context.getConfiguration(), file)) {
            case ORC -> new OrcRows();
            case PARQUET -> new ParquetRows();
            default -> {
                String delimiter = context.getConfiguration().get("textinputformat.record.delimiter");
                yield new LineRecordReader(delimiter == null ? null : delimiter.getBytes(StandardCharsets.UTF_8));
            }
        };
    }

    /**
     * A table row's id and prompt (each its bytes, or null for NULL) as one value: the two fields separated by
     * {@code \001}, backslash before a backslash or {@code \001}, NULL written {@code \N}: Hive's own text encoding,
     * read back by {@link dev.drafthorse.rows.HiveTextFields}.
     */
    static void tableRow(byte[] id, byte[] prompt, Text out) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(
                (id == null ? 2 : id.length) + (prompt == null ? 2 : prompt.length) + 8);
        field(id, b);
        b.write(TABLE_DELIMITER);
        field(prompt, b);
        out.set(b.toByteArray());
    }

    private static void field(byte[] f, java.io.ByteArrayOutputStream b) {
        if (f == null) {
            b.write('\\');
            b.write('N');
            return;
        }
        for (byte x : f) {
            if (x == TABLE_ESCAPE || x == TABLE_DELIMITER) {
                b.write(TABLE_ESCAPE);
            }
            b.write(x);
        }
    }

    /** The message for a missing column, naming the file, the option and the columns there are. */
    static IOException noColumn(Path file, String column, InferKey key, List<String> columns) {
        return new IOException(file + ": no column '" + column + "' (" + key.key() + "); its columns are "
                + String.join(", ", columns));
    }
}
