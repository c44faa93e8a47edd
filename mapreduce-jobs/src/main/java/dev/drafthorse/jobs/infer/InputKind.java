package dev.drafthorse.jobs.infer;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * What an input file holds, and so how its rows are read.
 *
 * <ul>
 * <li>{@link #JSONL}: one JSON object per line, {@code {"id", "prompt" | "messages", per-row options}}.
 * <li>{@link #TSV}: {@code id<TAB>prompt}, the prompt everything after the first tab, as written.
 * <li>{@link #TEXT}: a Hive text table, fields split by {@link InferKey#FIELD_DELIMITER} ({@code \001} by default),
 *     {@code \N} for NULL, {@link InferKey#ESCAPE_CHAR} as {@code escape.delim} (see
 *     {@link dev.drafthorse.rows.HiveTextFields}).
 * <li>{@link #ORC}, {@link #PARQUET}: the columns named by {@link InferKey#ID_COL} and {@link InferKey#PROMPT_COL}.
 * </ul>
 *
 * With {@link InferKey#INPUT_FORMAT} {@code auto} each file decides for itself: ORC and Parquet by their magic bytes
 * ({@code ORC} and {@code PAR1} at the start), then the name without its compression suffix (found by Hadoop's
 * {@link CompressionCodecFactory}, so {@code prompts.jsonl.gz} is JSON lines): {@code .jsonl} or {@code .json} is
 * JSON lines, any other name a Hive text table when a field delimiter is given, else {@code id<TAB>prompt}.
 */
public enum InputKind {
    JSONL,
    TSV,
    TEXT,
    ORC,
    PARQUET;

    /** Whether rows are lines of (possibly compressed) text. */
    public boolean lines() {
        return this == JSONL || this == TSV || this == TEXT;
    }

    /** The kind of {@code file} under the job's settings (opens the file to read its magic bytes in auto mode). */
    public static InputKind of(Configuration conf, Path file) throws IOException {
        String setting = conf.getTrimmed(InferKey.INPUT_FORMAT.key(), InferKey.INPUT_FORMAT.defaultValue());
        if (!setting.equals("auto")) {
            return InputKind.valueOf(setting.toUpperCase(Locale.ROOT));
        }
        byte[] magic = new byte[4];
        int n = 0;
        try (InputStream in = file.getFileSystem(conf).open(file)) {
            while (n < 4) {
                int r = in.read(magic, n, 4 - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (java.io.FileNotFoundException e) {
            return byName(conf, file); // nothing to read (a unit test's made-up split): the name decides
        }
        if (n >= 3 && magic[0] == 'O' && magic[1] == 'R' && magic[2] == 'C') {
            return ORC;
        }
        if (n == 4 && magic[0] == 'P' && magic[1] == 'A' && magic[2] == 'R' && magic[3] == '1') {
            return PARQUET;
        }
        return byName(conf, file);
    }

    /** The kind a text file's name says, its compression suffix removed. */
    static InputKind byName(Configuration conf, Path file) {
        String name = file.getName().toLowerCase(Locale.ROOT);
        CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(file);
        if (codec != null) {
            name = CompressionCodecFactory.removeSuffix(name, codec.getDefaultExtension());
        }
        if (name.endsWith(".jsonl") || name.endsWith(".json")) {
            return JSONL;
        }
        return conf.get(InferKey.FIELD_DELIMITER.key(), "").isEmpty() ? TSV : TEXT;
    }
}
