package dev.drafthorse.jobs.ensemble;

import dev.drafthorse.cli.UsageException;
import dev.drafthorse.ensemble.data.Labels;
import dev.drafthorse.ensemble.data.SourceData;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The ensemble inputs on any Hadoop filesystem, read as the local command reads local files
 * ({@code dev.drafthorse.ensemble.io.LocalInputs}): an input is a file, or a directory whose data files (names not
 * starting with {@code _} or {@code .}, such as {@code part-*}) are read in name order as one stream, each part
 * followed by a newline. {@code NAME=PATH} names the source; else the file name without {@code .jsonl},
 * {@code .json}, {@code .tsv} or {@code .txt}, or the directory name, sanitized.
 */
final class HadoopInputs {
    private HadoopInputs() {}

    /** One {@code [NAME=]PATH} input spec. */
    record Spec(String name, Path path) {}

    static Spec spec(String spec, Configuration conf) throws UsageException, IOException {
        String name = null;
        String where = spec;
        int eq = spec.indexOf('=');
        if (eq > 0
                && !spec.substring(0, eq).contains("/")
                && !spec.substring(0, eq).contains(":")) {
            name = spec.substring(0, eq);
            where = spec.substring(eq + 1);
        }
        if (where.isEmpty()) {
            throw new UsageException("input '" + spec + "' names no path");
        }
        Path p = new Path(where);
        FileSystem fs = p.getFileSystem(conf);
        Path q = fs.makeQualified(p);
        if (!fs.exists(q)) {
            throw new FileNotFoundException(q + ": input does not exist");
        }
        if (name == null) {
            String f = q.getName().isEmpty() ? "input" : q.getName();
            if (!fs.getFileStatus(q).isDirectory()) {
                f = f.replaceFirst("\\.(jsonl|json|tsv|txt)$", "");
            }
            name = SourceData.sanitizeName(f);
        }
        try {
            SourceData.checkName(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("input '" + spec + "': " + e.getMessage());
        }
        return new Spec(name, q);
    }

    /** The data files of a file or directory, in name order. */
    static List<Path> dataFiles(Path p, Configuration conf) throws IOException {
        FileSystem fs = p.getFileSystem(conf);
        FileStatus st = fs.getFileStatus(p);
        if (!st.isDirectory()) {
            return List.of(st.getPath());
        }
        List<Path> parts = new ArrayList<>();
        for (FileStatus s : fs.listStatus(p)) {
            String n = s.getPath().getName();
            if (s.isFile() && !n.startsWith("_") && !n.startsWith(".")) {
                parts.add(s.getPath());
            }
        }
        parts.sort(null);
        if (parts.isEmpty()) {
            throw new IOException(p + ": directory has no data files");
        }
        return parts;
    }

    /** The text of a file, or of a directory's data files in name order. */
    static Reader open(Path p, Configuration conf) throws IOException {
        FileSystem fs = p.getFileSystem(conf);
        List<InputStream> streams = new ArrayList<>();
        boolean dir = fs.getFileStatus(p).isDirectory();
        for (Path part : dataFiles(p, conf)) {
            streams.add(fs.open(part));
            if (dir) {
                streams.add(new ByteArrayInputStream(new byte[] {'\n'})); // a part need not end with a newline
            }
        }
        return new BufferedReader(new InputStreamReader(
                new SequenceInputStream(Collections.enumeration(streams)), StandardCharsets.UTF_8));
    }

    static SourceData read(Spec s, Configuration conf) throws IOException {
        try (Reader r = open(s.path(), conf)) {
            return SourceData.read(s.name(), s.path().toString(), r);
        }
    }

    static Labels labels(String spec, Configuration conf) throws IOException {
        Path p = new Path(spec);
        FileSystem fs = p.getFileSystem(conf);
        Path q = fs.makeQualified(p);
        if (!fs.exists(q)) {
            throw new FileNotFoundException(q + ": labels file does not exist");
        }
        try (Reader r = open(q, conf)) {
            return Labels.readTsv(q.toString(), r);
        }
    }
}
