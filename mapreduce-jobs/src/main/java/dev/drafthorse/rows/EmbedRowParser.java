package dev.drafthorse.rows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;

/**
 * Parses the rows of {@code embed} and {@code infer --mode embed}: a JSON object per line, {@code {"id", "text"}} (or
 * {@code "prompt"} in place of {@code "text"}, so a file made for {@code infer} embeds as it is), or a text line
 * {@code id<TAB>text}. Rows arrive as bytes, so invalid UTF-8 is a bad row; every problem is a {@link BadRow} with
 * its reason. The text is embedded as written (no chat template).
 */
public final class EmbedRowParser {
    /** One row to embed. */
    public record EmbedRow(String id, String text) {}

    private final ObjectMapper json = new ObjectMapper();

    /** A JSON-lines row. */
    public EmbedRow json(byte[] b, int off, int len) throws BadRow {
        String line = RowParser.utf8(b, off, len, null);
        if (line.isBlank()) {
            throw new BadRow(null, "empty line");
        }
        JsonNode n;
        try {
            n = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new BadRow(null, "not JSON: " + e.getOriginalMessage());
        } catch (RuntimeException e) {
            throw new BadRow(null, "not JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new BadRow(null, "not a JSON object");
        }
        JsonNode idNode = n.get("id");
        if (idNode == null || !(idNode.isTextual() || idNode.isIntegralNumber())) {
            throw new BadRow(null, "missing id (a string or an integer)");
        }
        String id = idNode.asText();
        if (id.isEmpty()) {
            throw new BadRow(null, "empty id");
        }
        JsonNode t = n.get("text");
        JsonNode p = n.get("prompt");
        if (t != null && p != null) {
            throw new BadRow(id, "a row has a text or a prompt, not both");
        }
        String field = t != null ? "text" : "prompt";
        JsonNode v = t != null ? t : p;
        if (v == null || !v.isTextual()) {
            throw new BadRow(id, "missing text (a string; \"prompt\" is taken too)");
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("id") && !f.equals(field)) {
                throw new BadRow(id, "unknown field '" + f + "' (embed rows take: id, text or prompt)");
            }
        }
        String text = v.asText();
        if (text.isEmpty()) {
            throw new BadRow(id, "empty " + field);
        }
        try {
            JsonText.requireUnicode(field, text);
        } catch (IllegalArgumentException e) {
            throw new BadRow(id, e.getMessage());
        }
        return new EmbedRow(id, text);
    }

    /** An {@code id<TAB>text} row: the text is everything after the first tab, as written. */
    public EmbedRow tsv(byte[] b, int off, int len) throws BadRow {
        int tab = -1;
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\t') {
                tab = i;
                break;
            }
        }
        if (tab < 0) {
            throw new BadRow(null, len == 0 ? "empty line" : "no tab: a text row is id<TAB>text");
        }
        String id = RowParser.utf8(b, off, tab - off, null);
        if (id.isEmpty()) {
            throw new BadRow(null, "empty id");
        }
        return fields(id, RowParser.utf8(b, tab + 1, off + len - tab - 1, id));
    }

    /** A row from its id and text already split out of a record (a Hive text table's fields, an ORC or Parquet row). */
    public EmbedRow fields(String id, String text) throws BadRow {
        if (id.isEmpty()) {
            throw new BadRow(null, "empty id");
        }
        if (text.isEmpty()) {
            throw new BadRow(id, "empty text");
        }
        return new EmbedRow(id, text);
    }
}
