package dev.drafthorse.jobs.infer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.ColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.LongColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.orc.OrcFile;
import org.apache.orc.Reader;
import org.apache.orc.TypeDescription;

/**
 * The rows of one split of an ORC file: its id and prompt columns only (the others are not decoded), from the
 * stripes that start in the split, as Hive's ORC reader takes them. Keys are row numbers in the file.
 */
final class OrcRows extends RecordReader<LongWritable, Text> {
    private static final Set<TypeDescription.Category> ID_TYPES = Set.of(
            TypeDescription.Category.STRING,
            TypeDescription.Category.VARCHAR,
            TypeDescription.Category.CHAR,
            TypeDescription.Category.BYTE,
            TypeDescription.Category.SHORT,
            TypeDescription.Category.INT,
            TypeDescription.Category.LONG);
    private static final Set<TypeDescription.Category> TEXT_TYPES =
            Set.of(TypeDescription.Category.STRING, TypeDescription.Category.VARCHAR, TypeDescription.Category.CHAR);

    private Reader reader;
    private org.apache.orc.RecordReader rows;
    private VectorizedRowBatch batch;
    private int idColumn;
    private int promptColumn;
    private int next;
    private long batchFirstRow;
    private long total;
    private long read;
    private final LongWritable key = new LongWritable();
    private final Text value = new Text();

    @Override
    public void initialize(InputSplit split, TaskAttemptContext context) throws IOException {
        try {
            open(split, context);
        } catch (IOException | RuntimeException e) {
            // Before the mapper runs: record it for the driver (the local runner keeps no task diagnostics).
            dev.drafthorse.jobs.TaskFailures.record(context, e);
            throw e;
        }
    }

    private void open(InputSplit split, TaskAttemptContext context) throws IOException {
        FileSplit fs = (FileSplit) split;
        Configuration conf = context.getConfiguration();
        Path file = fs.getPath();
        reader = OrcFile.createReader(file, OrcFile.readerOptions(conf).filesystem(file.getFileSystem(conf)));
        TypeDescription schema = reader.getSchema();
        if (schema.getCategory() != TypeDescription.Category.STRUCT) {
            throw new IOException(file + ": an ORC file of rows (a struct schema) expected, found " + schema);
        }
        idColumn = column(file, schema, InferKey.ID_COL, conf, ID_TYPES);
        promptColumn = column(file, schema, InferKey.PROMPT_COL, conf, TEXT_TYPES);
        boolean[] include = new boolean[schema.getMaximumId() + 1];
        include[0] = true;
        include[schema.getChildren().get(idColumn).getId()] = true;
        include[schema.getChildren().get(promptColumn).getId()] = true;
        rows = reader.rows(reader.options().range(fs.getStart(), fs.getLength()).include(include));
        batch = schema.createRowBatch();
        total = 0;
        for (org.apache.orc.StripeInformation s : reader.getStripes()) {
            if (s.getOffset() >= fs.getStart() && s.getOffset() < fs.getStart() + fs.getLength()) {
                total += s.getNumberOfRows();
            }
        }
    }

    /** The index of the column {@code key} names, checked to exist and to be of one of {@code types}. */
    private static int column(
            Path file, TypeDescription schema, InferKey key, Configuration conf, Set<TypeDescription.Category> types)
            throws IOException {
        String name = conf.getTrimmed(key.key(), key.defaultValue());
        int i = schema.getFieldNames().indexOf(name);
        if (i < 0) {
            throw InferInputFormat.noColumn(file, name, key, schema.getFieldNames());
        }
        TypeDescription t = schema.getChildren().get(i);
        if (!types.contains(t.getCategory())) {
            throw new IOException(file + ": column '" + name + "' (" + key.key() + ") is " + t + "; expected one of "
                    + types.stream().map(c -> c.getName()).sorted().toList());
        }
        return i;
    }

    @Override
    public boolean nextKeyValue() throws IOException {
        if (next >= batch.size) {
            if (!rows.nextBatch(batch)) {
                return false;
            }
            batchFirstRow = rows.getRowNumber() - batch.size;
            next = 0;
            if (batch.size == 0) {
                return false;
            }
        }
        key.set(batchFirstRow + next);
        InferInputFormat.tableRow(bytes(batch.cols[idColumn], next), bytes(batch.cols[promptColumn], next), value);
        next++;
        read++;
        return true;
    }

    private static byte[] bytes(ColumnVector v, int row) {
        int i = v.isRepeating ? 0 : row;
        if (!v.noNulls && v.isNull[i]) {
            return null;
        }
        if (v instanceof BytesColumnVector b) {
            return Arrays.copyOfRange(b.vector[i], b.start[i], b.start[i] + b.length[i]);
        }
        return Long.toString(((LongColumnVector) v).vector[i]).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public LongWritable getCurrentKey() {
        return key;
    }

    @Override
    public Text getCurrentValue() {
        return value;
    }

    @Override
    public float getProgress() {
        return total == 0 ? 1f : Math.min(1f, (float) read / total);
    }

    @Override
    public void close() throws IOException {
        if (rows != null) {
            rows.close();
        }
        if (reader != null) {
            reader.close();
        }
    }
}
