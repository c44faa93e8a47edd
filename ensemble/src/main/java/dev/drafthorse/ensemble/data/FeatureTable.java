package dev.drafthorse.ensemble.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rows of numeric features keyed by row id, with named columns in a fixed order.
 *
 * <p>The TSV form is the contract of issue 7: a header row whose first cell is {@code id}, then one numeric
 * column per feature; one row per line. Values are parsed with {@link Double#parseDouble}; an empty cell, a
 * non-number, {@code NaN} or an infinity is an error naming the source, line and column (missing values are
 * expressed by indicator columns, never by a silent default).
 */
public final class FeatureTable {
    private final List<String> ids; // (n)
    private final List<String> names; // (p)
    private final double[][] rows; // (n, p)
    private Map<String, Integer> index; // id -> row, built on demand

    /**
     * @param ids   row ids, unique
     * @param names column names, unique
     * @param rows  one array of {@code names.size()} values per id (not copied)
     */
    public FeatureTable(List<String> ids, List<String> names, double[][] rows) {
        if (ids.size() != rows.length) {
            throw new IllegalArgumentException(ids.size() + " ids for " + rows.length + " rows");
        }
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) {
                throw new IllegalArgumentException("duplicate feature name '" + n + "'");
            }
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != names.size()) {
                throw new IllegalArgumentException(
                        "row " + ids.get(i) + " has " + rows[i].length + " values for " + names.size() + " features");
            }
        }
        this.ids = List.copyOf(ids);
        this.names = List.copyOf(names);
        this.rows = rows;
        if (new HashSet<>(this.ids).size() != this.ids.size()) {
            throw new IllegalArgumentException("duplicate row id in feature table");
        }
    }

    public List<String> ids() {
        return ids;
    }

    public List<String> featureNames() {
        return names;
    }

    /** The values, {@code (n, p)}; callers must not modify them. */
    public double[][] rows() {
        return rows;
    }

    public int size() {
        return rows.length;
    }

    public int width() {
        return names.size();
    }

    /** The row of {@code id}, or {@code -1}. */
    public int indexOf(String id) {
        if (index == null) {
            Map<String, Integer> m = new HashMap<>(ids.size() * 2);
            for (int i = 0; i < ids.size(); i++) {
                m.put(ids.get(i), i);
            }
            index = m;
        }
        return index.getOrDefault(id, -1);
    }

    /** The same rows with columns {@code wanted} in that order; a column that is absent is an error naming it. */
    public FeatureTable select(List<String> wanted) {
        Map<String, Integer> col = new HashMap<>();
        for (int j = 0; j < names.size(); j++) {
            col.put(names.get(j), j);
        }
        int[] from = new int[wanted.size()];
        for (int j = 0; j < from.length; j++) {
            Integer c = col.get(wanted.get(j));
            if (c == null) {
                throw new IllegalArgumentException("feature '" + wanted.get(j) + "' is not in the table (it has "
                        + names.size() + " columns: " + abbreviate(names) + ")");
            }
            from[j] = c;
        }
        double[][] out = new double[rows.length][from.length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < from.length; j++) {
                out[i][j] = rows[i][from[j]];
            }
        }
        return new FeatureTable(ids, wanted, out);
    }

    /** The rows at {@code which}, in that order. */
    public FeatureTable subset(int[] which) {
        List<String> subIds = new ArrayList<>(which.length);
        double[][] sub = new double[which.length][];
        for (int i = 0; i < which.length; i++) {
            subIds.add(ids.get(which[i]));
            sub[i] = rows[which[i]];
        }
        return new FeatureTable(subIds, names, sub);
    }

    /** The same table with every column name prefixed by {@code prefix}. */
    public FeatureTable prefixed(String prefix) {
        return new FeatureTable(ids, names.stream().map(n -> prefix + n).toList(), rows);
    }

    /**
     * Reads the TSV form.
     *
     * @param source the name used in error messages (a file name or path)
     * @param in     the text; read to the end, not closed
     */
    public static FeatureTable readTsv(String source, Reader in) throws IOException {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        String header = r.readLine();
        long lineNo = 1;
        while (header != null && header.isBlank()) {
            header = r.readLine();
            lineNo++;
        }
        if (header == null) {
            throw new DataFormatException(source + ": empty feature table (no header row)");
        }
        header = stripBom(header);
        String[] head = header.split("\t", -1);
        if (!head[0].trim().equals("id")) {
            throw new DataFormatException(
                    source + ":" + lineNo + ": feature table header must start with 'id', found '" + head[0] + "'");
        }
        if (head.length < 2) {
            throw new DataFormatException(source + ":" + lineNo + ": feature table header has no feature column");
        }
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int j = 1; j < head.length; j++) {
            String n = head[j].trim();
            if (n.isEmpty()) {
                throw new DataFormatException(
                        source + ":" + lineNo + ": header column " + (j + 1) + " has an empty name");
            }
            if (!seen.add(n)) {
                throw new DataFormatException(source + ":" + lineNo + ": duplicate header column '" + n + "'");
            }
            names.add(n);
        }
        List<String> ids = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        Set<String> seenIds = new HashSet<>();
        String line;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split("\t", -1);
            if (cells.length != head.length) {
                throw new DataFormatException(
                        source + ":" + lineNo + ": " + cells.length + " cells, the header has " + head.length);
            }
            String id = cells[0];
            if (id.isEmpty()) {
                throw new DataFormatException(source + ":" + lineNo + ": empty id");
            }
            if (!seenIds.add(id)) {
                throw new DataFormatException(source + ":" + lineNo + ": duplicate id '" + id + "'");
            }
            double[] v = new double[names.size()];
            for (int j = 0; j < v.length; j++) {
                String cell = cells[j + 1].trim();
                double d;
                try {
                    d = Double.parseDouble(cell);
                } catch (NumberFormatException e) {
                    throw new DataFormatException(source + ":" + lineNo + ": column '" + names.get(j) + "' of id '" + id
                            + "' is not a number: '" + cell + "'");
                }
                if (!Double.isFinite(d)) {
                    throw new DataFormatException(source + ":" + lineNo + ": column '" + names.get(j) + "' of id '" + id
                            + "' is not finite: '" + cell + "'");
                }
                v[j] = d;
            }
            ids.add(id);
            rows.add(v);
        }
        return new FeatureTable(ids, names, rows.toArray(new double[0][]));
    }

    /** Writes the TSV form (values in Java's shortest round-trip form). */
    public void writeTsv(Writer out) throws IOException {
        StringBuilder sb = new StringBuilder("id");
        for (String n : names) {
            sb.append('\t').append(n);
        }
        out.write(sb.append('\n').toString());
        for (int i = 0; i < rows.length; i++) {
            sb.setLength(0);
            sb.append(ids.get(i));
            for (double v : rows[i]) {
                sb.append('\t').append(v);
            }
            out.write(sb.append('\n').toString());
        }
    }

    static String stripBom(String s) {
        return !s.isEmpty() && s.charAt(0) == '\uFEFF' ? s.substring(1) : s;
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 12 ? names.toString() : names.subList(0, 12) + "…";
    }

    /** An empty table with the given columns. */
    public static FeatureTable empty(List<String> names) {
        return new FeatureTable(Collections.emptyList(), names, new double[0][]);
    }
}
