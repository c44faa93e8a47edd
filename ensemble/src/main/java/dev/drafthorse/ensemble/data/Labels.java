package dev.drafthorse.ensemble.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Row id to label, read from the TSV contract: header {@code id<TAB>label}, then one {@code id<TAB>label}
 * per line. A label is a string ({@code positive}, {@code 1}, …). A line with an empty label means "no
 * label": the row is then ignored for training and counted, like a row absent from this table.
 */
public final class Labels {
    private final Map<String, String> byId;

    public Labels(Map<String, String> byId) {
        this.byId = Collections.unmodifiableMap(new LinkedHashMap<>(byId));
    }

    /** The label of {@code id}, or {@code null} when it has none. */
    public String get(String id) {
        return byId.get(id);
    }

    public int size() {
        return byId.size();
    }

    public Map<String, String> asMap() {
        return byId;
    }

    /** The distinct labels, sorted (binary metrics take the second as the positive class). */
    public List<String> classes() {
        return List.copyOf(new TreeSet<>(byId.values()));
    }

    /**
     * @param source name for error messages
     * @param in     read to the end, not closed
     */
    public static Labels readTsv(String source, Reader in) throws IOException {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        String header = r.readLine();
        long lineNo = 1;
        while (header != null && header.isBlank()) {
            header = r.readLine();
            lineNo++;
        }
        if (header == null) {
            throw new DataFormatException(source + ": empty labels file (no header row)");
        }
        String[] head = FeatureTable.stripBom(header).split("\t", -1);
        if (head.length != 2 || !head[0].trim().equals("id") || !head[1].trim().equals("label")) {
            throw new DataFormatException(
                    source + ":" + lineNo + ": labels header must be 'id<TAB>label', found '" + header + "'");
        }
        Map<String, String> m = new LinkedHashMap<>();
        String line;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            if (cells.length != 2) {
                throw new DataFormatException(
                        source + ":" + lineNo + ": " + cells.length + " cells, expected 2 (id, label)");
            }
            String id = cells[0];
            String label = cells[1].trim();
            if (id.isEmpty()) {
                throw new DataFormatException(source + ":" + lineNo + ": empty id");
            }
            if (label.isEmpty()) {
                continue;
            }
            String old = m.putIfAbsent(id, label);
            if (old != null && !old.equals(label)) {
                throw new DataFormatException(
                        source + ":" + lineNo + ": id '" + id + "' has two labels: '" + old + "' and '" + label + "'");
            }
        }
        return new Labels(m);
    }
}
