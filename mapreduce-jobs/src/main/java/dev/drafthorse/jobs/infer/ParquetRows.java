package dev.drafthorse.jobs.infer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetRecordReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The rows of one split of a Parquet file through parquet-hadoop's own record reader (the row groups whose middle lies
 * in the split, as Hive's reader takes them), projected onto the id and prompt columns. Keys are row numbers in the
 * file.
 */
final class ParquetRows extends RecordReader<LongWritable, Text> {
    private static final Set<PrimitiveType.PrimitiveTypeName> ID_TYPES = Set.of(
            PrimitiveType.PrimitiveTypeName.BINARY,
            PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY,
            PrimitiveType.PrimitiveTypeName.INT32,
            PrimitiveType.PrimitiveTypeName.INT64);

    private ParquetRecordReader<Group> rows;
    private final LongWritable key = new LongWritable();
    private final Text value = new Text();

    @Override
    public void initialize(InputSplit split, TaskAttemptContext context) throws IOException, InterruptedException {
        try {
            open(split, context);
        } catch (IOException | RuntimeException e) {
            // Before the mapper runs: record it for the driver (the local runner keeps no task diagnostics).
            dev.drafthorse.jobs.TaskFailures.record(context, e);
            throw e;
        }
    }

    private void open(InputSplit split, TaskAttemptContext context) throws IOException, InterruptedException {
        Path file = ((FileSplit) split).getPath();
        Configuration conf = new Configuration(context.getConfiguration());
        MessageType schema;
        try (ParquetFileReader f = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
            schema = f.getFileMetaData().getSchema();
        }
        Type id = column(file, schema, InferKey.ID_COL, conf, ID_TYPES);
        Type prompt = column(
                file,
                schema,
                InferKey.PROMPT_COL,
                conf,
                Set.of(PrimitiveType.PrimitiveTypeName.BINARY, PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY));
        conf.set(ReadSupport.PARQUET_READ_SCHEMA, new MessageType(schema.getName(), id, prompt).toString());
        rows = new ParquetRecordReader<>(new GroupReadSupport());
        rows.initialize(split, new TaskAttemptContextImpl(conf, context.getTaskAttemptID()));
    }

    private static Type column(
            Path file, MessageType schema, InferKey key, Configuration conf, Set<PrimitiveType.PrimitiveTypeName> types)
            throws IOException {
        String name = conf.getTrimmed(key.key(), key.defaultValue());
        if (!schema.containsField(name)) {
            List<String> names = new ArrayList<>();
            for (Type t : schema.getFields()) {
                names.add(t.getName());
            }
            throw InferInputFormat.noColumn(file, name, key, names);
        }
        Type t = schema.getType(name);
        if (!t.isPrimitive()
                || t.isRepetition(Type.Repetition.REPEATED)
                || !types.contains(t.asPrimitiveType().getPrimitiveTypeName())) {
            throw new IOException(file + ": column '" + name + "' (" + key.key() + ") is " + t + "; expected one of "
                    + types.stream().map(Enum::name).sorted().toList());
        }
        return t;
    }

    @Override
    public boolean nextKeyValue() throws IOException, InterruptedException {
        if (!rows.nextKeyValue()) {
            return false;
        }
        Group g = rows.getCurrentValue();
        key.set(rows.getCurrentRowIndex());
        InferInputFormat.tableRow(bytes(g, 0), bytes(g, 1), value);
        return true;
    }

    private static byte[] bytes(Group g, int field) {
        if (g.getFieldRepetitionCount(field) == 0) {
            return null;
        }
        return switch (g.getType().getType(field).asPrimitiveType().getPrimitiveTypeName()) {
            case INT32 -> Integer.toString(g.getInteger(field, 0)).getBytes(StandardCharsets.UTF_8);
            case INT64 -> Long.toString(g.getLong(field, 0)).getBytes(StandardCharsets.UTF_8);
            default -> g.getBinary(field, 0).getBytes();
        };
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
    public float getProgress() throws IOException, InterruptedException {
        return rows.getProgress();
    }

    @Override
    public void close() throws IOException {
        if (rows != null) {
            rows.close();
        }
    }
}
