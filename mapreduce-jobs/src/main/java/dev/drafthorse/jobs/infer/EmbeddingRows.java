package dev.drafthorse.jobs.infer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.rows.JsonText;
import java.io.UncheckedIOException;

/**
 * The output rows of {@code embed} and {@code infer --mode embed} (no Hadoop type here: the {@code embed} command writes
 * them too).
 *
 * <pre>
 * jsonl: {"id": "r1", "embedding": [0.0123, -0.0456, ...]}
 * tsv:   id TAB 0.0123,-0.0456,...      (a Hive ARRAY&lt;FLOAT&gt; with COLLECTION ITEMS TERMINATED BY ',')
 * </pre>
 *
 * Each float is written as the shortest decimal that reads back to the same float ({@link Float#toString}), so a
 * reader gets the engine's bits. The id is escaped as in {@link OutputRows}.
 */
public final class EmbeddingRows {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmbeddingRows() {}

    /**
     * One row.
     *
     * @throws IllegalArgumentException when the vector holds a non-finite value (JSON and Hive have no way to carry it)
     */
    public static String row(String id, float[] embedding, InferSettings.Format format) {
        for (int i = 0; i < embedding.length; i++) {
            if (!Float.isFinite(embedding[i])) {
                throw new IllegalArgumentException("embedding element " + i + " is " + embedding[i]);
            }
        }
        if (format == InferSettings.Format.TSV) {
            StringBuilder b = new StringBuilder(OutputRows.tsv(id)).append('\t');
            for (int i = 0; i < embedding.length; i++) {
                if (i > 0) {
                    b.append(',');
                }
                b.append(embedding[i]);
            }
            return b.toString();
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        ArrayNode a = o.putArray("embedding");
        for (float f : embedding) {
            a.add(f);
        }
        try {
            return JsonText.escapeLoneSurrogates(JSON.writeValueAsString(o));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
