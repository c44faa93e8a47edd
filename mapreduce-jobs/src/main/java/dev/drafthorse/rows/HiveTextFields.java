package dev.drafthorse.rows;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of one line of a Hive text table, split as Hive's {@code LazySimpleSerDe} reads them: fields end at the
 * field delimiter ({@code field.delim}, {@code \001} by default); a field that is exactly the null sequence
 * ({@code serialization.null.format}, {@code \N}) is NULL; with an escape character ({@code escape.delim}, none by
 * default) the byte after it is taken literally (an escaped delimiter does not end the field) and the escapes
 * {@code \r}, {@code \n} that {@code serialization.escape.crlf} writes read back as CR and LF.
 *
 * <p>Without an escape character Hive writes a newline inside a string as it is, so the row ends there when it is
 * read back (by Hive as by this class): such a table needs {@code ESCAPED BY} and {@code serialization.escape.crlf}
 * to keep multi-line prompts, which is why {@code --escape-char} exists.
 */
public final class HiveTextFields {
    /** Hive's default {@code serialization.null.format}. */
    public static final String NULL = "\\N";

    private final byte delimiter;
    private final int escape;

    /**
     * @param delimiter the field delimiter byte
     * @param escape the escape byte, or -1 for none
     */
    public HiveTextFields(byte delimiter, int escape) {
        if (escape == delimiter) {
            throw new IllegalArgumentException("the escape character must differ from the field delimiter");
        }
        this.delimiter = delimiter;
        this.escape = escape;
    }

    /**
     * The fields of {@code b[off, off+len)}, each its unescaped bytes, or null for a NULL field.
     */
    public List<byte[]> split(byte[] b, int off, int len) {
        List<byte[]> fields = new ArrayList<>();
        int end = off + len;
        int start = off;
        for (int i = off; i <= end; i++) {
            if (i == end || b[i] == delimiter) {
                fields.add(field(b, start, i));
                start = i + 1;
            } else if (escape >= 0 && b[i] == (byte) escape) {
                i++; // the next byte is literal, a delimiter included
            }
        }
        return fields;
    }

    private byte[] field(byte[] b, int from, int to) {
        if (to - from == 2 && b[from] == '\\' && b[from + 1] == 'N') {
            return null;
        }
        if (escape < 0) {
            return java.util.Arrays.copyOfRange(b, from, to);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            if (b[i] == (byte) escape && i + 1 < to) {
                byte n = b[++i];
                out.write(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
            } else {
                out.write(b[i]);
            }
        }
        return out.toByteArray();
    }
}
