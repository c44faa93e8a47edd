package dev.drafthorse.ensemble.io;

import dev.drafthorse.ensemble.data.Labels;
import dev.drafthorse.ensemble.data.SourceData;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.SequenceInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/**
 * Inputs from local files (the in-process {@code ensemble-train}/{@code ensemble-predict} read them): an
 * input is a file, or a directory whose data files (every file not
 * starting with {@code _} or {@code .}, such as {@code part-*}) are read in name order as one stream. An
 * input's source name is {@code NAME=PATH}'s NAME, or the file name without {@code .jsonl}, {@code .json},
 * {@code .tsv} or {@code .txt}, or the directory name; characters outside {@code [A-Za-z0-9_-]} become
 * {@code _}. Paths may be {@code file:} URIs. A bad path or name is a {@link BadSpec}.
 */
public final class LocalInputs {
    private LocalInputs() {}

    /** An input named wrongly (a non-local URI, a bad source name): the command line's fault, not the data's. */
    public static final class BadSpec extends IllegalArgumentException {
        BadSpec(String message) {
            super(message);
        }
    }

    /** Parses a path or {@code file:} URI. */
    public static Path path(String s) {
        if (s.startsWith("file:")) {
            return Path.of(URI.create(s));
        }
        if (s.matches("[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            throw new BadSpec(
                    "'" + s
                            + "': only local paths and file: URIs are read here; use the job (hadoop jar) for other filesystems");
        }
        return Path.of(s);
    }

    /** Reads one {@code [NAME=]PATH} input. */
    public static SourceData read(String spec) throws IOException {
        String name = null;
        String where = spec;
        int eq = spec.indexOf('=');
        if (eq > 0 && !spec.substring(0, eq).contains("/") && !spec.startsWith("file:")) {
            name = spec.substring(0, eq);
            where = spec.substring(eq + 1);
        }
        Path p = path(where);
        if (name == null) {
            name = defaultName(p);
        }
        try {
            SourceData.checkName(name);
        } catch (IllegalArgumentException e) {
            throw new BadSpec("input '" + spec + "': " + e.getMessage());
        }
        try (Reader r = open(p)) {
            return SourceData.read(name, p.toString(), r);
        }
    }

    /** The source name a path implies. */
    public static String defaultName(Path p) {
        String f = p.getFileName() == null ? "input" : p.getFileName().toString();
        if (!Files.isDirectory(p)) {
            f = f.replaceFirst("\\.(jsonl|json|tsv|txt)$", "");
        }
        return SourceData.sanitizeName(f);
    }

    /** The text of a file, or of a directory's data files in name order. */
    public static Reader open(Path p) throws IOException {
        if (!Files.exists(p)) {
            throw new NoSuchFileException(p.toString(), null, "input does not exist");
        }
        if (!Files.isDirectory(p)) {
            return new BufferedReader(new InputStreamReader(Files.newInputStream(p), StandardCharsets.UTF_8));
        }
        List<Path> parts = new ArrayList<>();
        try (Stream<Path> s = Files.list(p)) {
            s.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("_")
                            && !f.getFileName().toString().startsWith("."))
                    .sorted()
                    .forEach(parts::add);
        }
        if (parts.isEmpty()) {
            throw new IOException(p + ": directory has no data files");
        }
        List<InputStream> streams = new ArrayList<>();
        for (Path part : parts) {
            streams.add(Files.newInputStream(part));
            streams.add(new java.io.ByteArrayInputStream(new byte[] {'\n'})); // a part need not end with a newline
        }
        return new BufferedReader(new InputStreamReader(
                new SequenceInputStream(Collections.enumeration(streams)), StandardCharsets.UTF_8));
    }

    public static Labels labels(String spec) throws IOException {
        Path p = path(spec);
        try (Reader r = open(p)) {
            return Labels.readTsv(p.toString(), r);
        }
    }
}
