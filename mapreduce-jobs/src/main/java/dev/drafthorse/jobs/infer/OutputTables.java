package dev.drafthorse.jobs.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.rows.RowMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.ColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.DoubleColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.ListColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.LongColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.StructColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch;
import org.apache.orc.OrcFile;
import org.apache.orc.TypeDescription;
import org.apache.orc.Writer;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.Type;

/**
 * The ORC and Parquet forms of {@code infer}'s output rows: one schema per mode, the same columns as the JSON rows
 * ({@link OutputRows}, {@link EmbeddingRows}), which the mapper writes and these writers convert field by field, so
 * every format holds the same values. The Hive DDL for each is in {@code infer-output-tables.sql}.
 *
 * <pre>
 * generate: id STRING, text STRING, tokens INT, finish_reason STRING, prompt_tokens INT
 * score:    id STRING, prompt_tokens INT, candidates ARRAY&lt;STRUCT&lt;candidate STRING, logprob DOUBLE, prob DOUBLE, tokens INT&gt;&gt;
 * embed:    id STRING, embedding ARRAY&lt;FLOAT&gt;
 * </pre>
 *
 * Both are compressed by default: ORC with its own default ({@code orc.compress}, ZSTD in ORC 2), Parquet with
 * SNAPPY ({@code parquet.compression} overrides it), as Hive writes them.
 */
final class OutputTables {
    /** Decimals kept as written, so a float or double converts from its own digits (no rounding through double). */
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private OutputTables() {}

    /** A writer of JSON rows into a table file. */
    interface Sink {
        void write(byte[] jsonRow, int length) throws IOException;

        void close() throws IOException;
    }

    static TypeDescription orcSchema(RowMode mode) {
        return TypeDescription.fromString(
                switch (mode) {
                    case GENERATE -> "struct<id:string,text:string,tokens:int,finish_reason:string,prompt_tokens:int>";
                    case SCORE ->
                        "struct<id:string,prompt_tokens:int,"
                                + "candidates:array<struct<candidate:string,logprob:double,prob:double,tokens:int>>>";
                    case EMBED -> "struct<id:string,embedding:array<float>>";
                });
    }

    static MessageType parquetSchema(RowMode mode) {
        return MessageTypeParser.parseMessageType(
                switch (mode) {
                    case GENERATE ->
                        "message generation { required binary id (STRING); required binary text (STRING);"
                                + " required int32 tokens; required binary finish_reason (STRING);"
                                + " required int32 prompt_tokens; }";
                    case SCORE ->
                        "message score { required binary id (STRING); required int32 prompt_tokens;"
                                + " required group candidates (LIST) { repeated group list { required group element {"
                                + " required binary candidate (STRING); required double logprob; required double prob;"
                                + " required int32 tokens; } } } }";
                    case EMBED ->
                        "message embedding { required binary id (STRING);"
                                + " required group embedding (LIST) { repeated group list { required float element; } } }";
                });
    }

    static JsonNode parse(byte[] row, int length) throws IOException {
        return JSON.readTree(new String(row, 0, length, StandardCharsets.UTF_8));
    }

    private static String digits(JsonNode n) {
        return n.isBigDecimal() ? n.decimalValue().toString() : n.asText();
    }

    /** A float from its decimal digits (the writer wrote the shortest decimal that reads back to the float). */
    private static float real(JsonNode n) {
        return Float.parseFloat(digits(n));
    }

    // ---------------------------------------------------------------- ORC

    /** Rows into an ORC file, a batch at a time. */
    static Sink orc(FileSystem fs, Path file, Configuration conf, RowMode mode) throws IOException {
        TypeDescription schema = orcSchema(mode);
        Writer w = OrcFile.createWriter(
                file,
                OrcFile.writerOptions(conf).setSchema(schema).fileSystem(fs).overwrite(false));
        VectorizedRowBatch batch = schema.createRowBatch();
        List<TypeDescription> fields = schema.getChildren();
        List<String> names = schema.getFieldNames();
        return new Sink() {
            @Override
            public void write(byte[] row, int length) throws IOException {
                JsonNode n = parse(row, length);
                int r = batch.size++;
                for (int i = 0; i < fields.size(); i++) {
                    set(batch.cols[i], r, fields.get(i), n.get(names.get(i)));
                }
                if (batch.size == batch.getMaxSize()) {
                    w.addRowBatch(batch);
                    batch.reset();
                }
            }

            @Override
            public void close() throws IOException {
                if (batch.size > 0) {
                    w.addRowBatch(batch);
                }
                w.close();
            }
        };
    }

    /** Sets row {@code r} of {@code v} (of type {@code t}) to the JSON value {@code n}. */
    private static void set(ColumnVector v, int r, TypeDescription t, JsonNode n) {
        if (n == null || n.isNull()) {
            v.noNulls = false;
            v.isNull[r] = true;
            return;
        }
        switch (t.getCategory()) {
            case STRING -> ((BytesColumnVector) v).setVal(r, n.asText().getBytes(StandardCharsets.UTF_8));
            case INT, LONG -> ((LongColumnVector) v).vector[r] = n.asLong();
            case FLOAT, DOUBLE ->
                ((DoubleColumnVector) v).vector[r] =
                        t.getCategory() == TypeDescription.Category.FLOAT ? real(n) : Double.parseDouble(digits(n));
            case LIST -> {
                ListColumnVector l = (ListColumnVector) v;
                int start = (int) l.childCount;
                l.offsets[r] = start;
                l.lengths[r] = n.size();
                l.childCount += n.size();
                l.child.ensureSize((int) l.childCount, true);
                for (int i = 0; i < n.size(); i++) {
                    set(l.child, start + i, t.getChildren().get(0), n.get(i));
                }
            }
            case STRUCT -> {
                StructColumnVector s = (StructColumnVector) v;
                for (int i = 0; i < s.fields.length; i++) {
                    set(
                            s.fields[i],
                            r,
                            t.getChildren().get(i),
                            n.get(t.getFieldNames().get(i)));
                }
            }
            default -> throw new IllegalStateException("no ORC conversion for " + t);
        }
    }

    // ---------------------------------------------------------------- Parquet

    /** Rows into a Parquet file through parquet-hadoop's example writer. */
    static Sink parquet(Path file, Configuration conf, RowMode mode) throws IOException {
        MessageType schema = parquetSchema(mode);
        CompressionCodecName codec =
                CompressionCodecName.fromConf(conf.get("parquet.compression", CompressionCodecName.SNAPPY.name()));
        ParquetWriter<Group> w = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
                .withType(schema)
                .withConf(conf)
                .withCompressionCodec(codec)
                .withWriteMode(ParquetFileWriter.Mode.CREATE)
                .build();
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        return new Sink() {
            @Override
            public void write(byte[] row, int length) throws IOException {
                Group g = groups.newGroup();
                fill(g, schema, parse(row, length));
                w.write(g);
            }

            @Override
            public void close() throws IOException {
                w.close();
            }
        };
    }

    private static void fill(Group g, GroupType type, JsonNode n) {
        for (Type f : type.getFields()) {
            JsonNode v = n.get(f.getName());
            if (v == null || v.isNull()) {
                continue;
            }
            if (f.isPrimitive()) {
                append(g, f, v);
            } else {
                // a three-level LIST: group (LIST) { repeated group list { element } }
                Group list = g.addGroup(f.getName());
                Type element = f.asGroupType().getType(0).asGroupType().getType(0);
                for (JsonNode e : v) {
                    Group item = list.addGroup(0);
                    if (element.isPrimitive()) {
                        append(item, element, e);
                    } else {
                        fill(item.addGroup(0), element.asGroupType(), e);
                    }
                }
            }
        }
    }

    private static void append(Group g, Type f, JsonNode v) {
        switch (f.asPrimitiveType().getPrimitiveTypeName()) {
            case INT32 -> g.append(f.getName(), v.asInt());
            case INT64 -> g.append(f.getName(), v.asLong());
            case FLOAT -> g.append(f.getName(), real(v));
            case DOUBLE -> g.append(f.getName(), Double.parseDouble(digits(v)));
            default -> g.append(f.getName(), v.asText());
        }
    }
}
