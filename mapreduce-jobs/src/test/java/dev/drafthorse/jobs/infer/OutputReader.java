package dev.drafthorse.jobs.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * An independent reader of a job's output directory, the way a consumer (Hive, the ensembles) sees it: the
 * visible part files in name order, each line a row; {@code _rejects/} apart. No job code is used.
 */
final class OutputReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OutputReader() {}

    /** Names of every entry of the output directory (recursively, relative, hidden files included). */
    static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir))
                    .map(p -> dir.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }

    /** The lines of the data files a Hive table over {@code dir} reads (files not starting with _ or .). */
    static List<String> lines(Path dir) throws IOException {
        return linesOf(dir);
    }

    static List<String> rejectLines(Path dir) throws IOException {
        Path r = dir.resolve("_rejects");
        return Files.isDirectory(r) ? linesOf(r) : List.of();
    }

    private static List<String> linesOf(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("_")
                            && !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList()) {
                String all = Files.readString(p, StandardCharsets.UTF_8);
                if (all.isEmpty()) {
                    continue;
                }
                if (!all.endsWith("\n")) {
                    throw new IllegalStateException(p + " does not end with a newline");
                }
                out.addAll(List.of(all.substring(0, all.length() - 1).split("\n", -1)));
            }
        }
        return out;
    }

    static List<JsonNode> json(List<String> lines) {
        List<JsonNode> out = new ArrayList<>();
        for (String l : lines) {
            try {
                out.add(JSON.readTree(l));
            } catch (IOException e) {
                throw new UncheckedIOException("not a JSON line: " + l, e);
            }
        }
        return out;
    }

    /**
     * Splits a TSV line into fields as Hive's LazySimpleSerDe does with FIELDS TERMINATED BY '\t',
     * ESCAPED BY '\\' and serialization.escape.crlf=true: an escaped byte is taken literally, except \r and \n.
     */
    static List<String> hiveFields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                char n = line.charAt(++i);
                f.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
            } else if (c == '\t') {
                fields.add(f.toString());
                f.setLength(0);
            } else {
                f.append(c);
            }
        }
        fields.add(f.toString());
        return fields;
    }
}
