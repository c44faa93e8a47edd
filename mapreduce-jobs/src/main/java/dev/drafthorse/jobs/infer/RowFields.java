package dev.drafthorse.jobs.infer;

import dev.drafthorse.rows.BadRow;
import dev.drafthorse.rows.HiveTextFields;
import dev.drafthorse.rows.RowParser;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * The id and prompt of a Hive text line ({@link InputKind#TEXT}, columns by position) or of an ORC or Parquet row
 * (as {@link InferInputFormat#tableRow} encodes it); a NULL or missing field is a bad row naming its column.
 */
final class RowFields {
    private final InputKind kind;
    private final HiveTextFields fields;
    private final int idField;
    private final int promptField;
    private final String idName;
    private final String promptName;

    RowFields(InputKind kind, Configuration conf, String file) throws IOException {
        this.kind = kind;
        if (kind == InputKind.TEXT) {
            fields = new HiveTextFields(InferSettings.fieldDelimiter(conf), InferSettings.escapeChar(conf));
            idField = InferSettings.textColumn(conf, InferKey.ID_COL, 1);
            promptField = InferSettings.textColumn(conf, InferKey.PROMPT_COL, 2);
            if (idField < 0 || promptField < 0) {
                throw new IOException(file + " is a Hive text table: " + InferKey.ID_COL.key() + " and "
                        + InferKey.PROMPT_COL.key() + " must be column numbers (1 = first), got '"
                        + conf.get(InferKey.ID_COL.key()) + "' and '" + conf.get(InferKey.PROMPT_COL.key()) + "'");
            }
            idName = "id (column " + (idField + 1) + ")";
            promptName = "prompt (column " + (promptField + 1) + ")";
        } else {
            fields = new HiveTextFields(InferInputFormat.TABLE_DELIMITER, InferInputFormat.TABLE_ESCAPE);
            idField = 0;
            promptField = 1;
            idName = "column '" + conf.getTrimmed(InferKey.ID_COL.key(), InferKey.ID_COL.defaultValue()) + "'";
            promptName =
                    "column '" + conf.getTrimmed(InferKey.PROMPT_COL.key(), InferKey.PROMPT_COL.defaultValue()) + "'";
        }
    }

    /** {id, prompt} of the record {@code b[0, len)}. */
    String[] idAndText(byte[] b, int len) throws BadRow {
        if (len == 0 && kind == InputKind.TEXT) {
            throw new BadRow(null, "empty line");
        }
        List<byte[]> f = fields.split(b, 0, len);
        if (idField >= f.size()) {
            throw new BadRow(null, idName + " is missing: the line has " + f.size() + " field(s)");
        }
        if (f.get(idField) == null) {
            throw new BadRow(null, idName + " is NULL");
        }
        byte[] idBytes = f.get(idField);
        String id = RowParser.utf8(idBytes, 0, idBytes.length, null);
        if (promptField >= f.size()) {
            throw new BadRow(id, promptName + " is missing: the line has " + f.size() + " field(s)");
        }
        byte[] p = f.get(promptField);
        if (p == null) {
            throw new BadRow(id, promptName + " is NULL");
        }
        return new String[] {id, RowParser.utf8(p, 0, p.length, id)};
    }
}
