package dev.drafthorse.ensemble.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.List;

/**
 * The rows of one input: an {@code infer} output (JSON lines) or a feature table (TSV). Each input is a
 * model × template (or an outside system); its {@link #name()} prefixes its features.
 */
public sealed interface SourceData permits InferOutput, TableSource {

    /** The source name: letters, digits, {@code _} and {@code -} only (it prefixes feature names). */
    String name();

    /** Row ids in input order. */
    List<String> ids();

    /** Rows that could not be used, with reasons. */
    List<RejectedRow> rejects();

    /**
     * Reads an input whose format is sniffed from its first non-blank character: {@code {} means JSON lines
     * (an {@code infer} output), anything else a TSV feature table.
     *
     * @param name   the source name (see {@link #checkName})
     * @param where  file or path for error messages
     * @param in     read to the end, not closed
     */
    static SourceData read(String name, String where, Reader in) throws IOException {
        checkName(name);
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        r.mark(1 << 16);
        int c;
        int seen = 0;
        do {
            c = r.read();
            seen++;
        } while (c != -1 && (Character.isWhitespace(c) || c == '\uFEFF') && seen < (1 << 16) - 1);
        r.reset();
        if (c == '{') {
            return InferOutput.read(name, where, r);
        }
        return new TableSource(name, FeatureTable.readTsv(where, r));
    }

    /** A source name must be usable as a feature-name prefix. */
    static String checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException(
                    "source name '" + name + "' must be non-empty letters, digits, '_' or '-'");
        }
        return name;
    }

    /** {@code name} with every character outside {@code [A-Za-z0-9_-]} replaced by {@code _}. */
    static String sanitizeName(String name) {
        String s = name.replaceAll("[^A-Za-z0-9_-]", "_");
        return s.isEmpty() ? "_" : s;
    }
}
