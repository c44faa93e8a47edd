package dev.drafthorse.ensemble.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.ensemble.Prediction;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;

/**
 * The {@code ensemble-predict} output contract, one line per row: TSV {@code id<TAB>label<TAB>probability}
 * or a JSON object {@code {"id": …, "label": …, "probability": …}}. Probabilities are written in Java's
 * shortest round-trip form, so a rerun writes the same bytes.
 */
public final class PredictionWriter {
    public enum Format {
        TSV,
        JSON
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private PredictionWriter() {}

    /** One line, with its newline. Tabs and newlines in an id or label are replaced by spaces in TSV. */
    public static String line(Prediction p, Format f) {
        if (f == Format.TSV) {
            return clean(p.id()) + "\t" + clean(p.label()) + "\t" + p.probability() + "\n";
        }
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.getFactory().createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("id", p.id());
            g.writeStringField("label", p.label());
            g.writeNumberField("probability", p.probability());
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w + "\n";
    }

    public static void write(Iterable<Prediction> ps, Format f, Writer out) throws IOException {
        for (Prediction p : ps) {
            out.write(line(p, f));
        }
    }

    private static String clean(String s) {
        return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
