package dev.drafthorse.jobs.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.orc.OrcFile;
import org.apache.orc.Reader;
import org.apache.orc.RecordReader;
import org.apache.orc.TypeDescription;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * {@code --resume OLD_OUTPUT}: a run that picks up where an earlier one (finished, failed or killed) stopped, so rows
 * already paid for are not run again, and whose output directory holds every row once, as an uninterrupted run's.
 *
 * <p>The earlier run's rows are its part files, and for a killed or failed job the outputs of its tasks that had
 * committed: with FileOutputCommitter's algorithm 1 (which every Drafthorse job uses) those wait in
 * {@code OLD/_temporary/<attempt>/task_*}/ for a job commit that never came. Before the job is submitted the driver
 * copies each such file, unchanged, into the new output directory as {@code part-resumed-NNNNN} (its extension kept),
 * and writes the ids they hold to {@value #IDS_FILE} there, which the tasks read through the distributed cache and skip
 * ({@link InferCounter#ROWS_RESUMED}). A row is thus either copied or run, never both; the rows the earlier run
 * rejected are read and rejected again (that costs nothing). The new output is complete, with {@code _SUCCESS}, only
 * when the new job commits; the ids file is removed when it ends. Both runs must write the same {@code --format}, and
 * ids are taken to be unique, as every Hive join on them assumes.
 */
final class Resume {
    /** The file of done ids in the new output directory, one JSON string per line (hidden: starts with _). */
    static final String IDS_FILE = "_DRAFTHORSE_RESUME_IDS";
    /** Name prefix of the copied part files. */
    static final String COPY_PREFIX = "part-resumed-";
    /** The {@link dev.drafthorse.jobs.CacheFiles} role of the ids file. */
    static final String ROLE = "resume-ids";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Resume() {}

    /** What {@link #prepare} did. */
    record Prepared(Path idsFile, int files, long rows) {}

    /**
     * The earlier run's data files: {@code part-*} (copied ones included), and the committed task outputs of a job
     * that never committed (each task once, from the latest attempt that has it).
     */
    static List<FileStatus> parts(FileSystem fs, Path old) throws IOException {
        List<FileStatus> out = new ArrayList<>();
        for (FileStatus s : fs.listStatus(old)) {
            if (s.isFile() && s.getPath().getName().startsWith("part-")) {
                out.add(s);
            }
        }
        Path temporary = new Path(old, "_temporary");
        if (fs.exists(temporary)) {
            TreeMap<String, FileStatus> tasks = new TreeMap<>();
            FileStatus[] attempts = fs.listStatus(temporary);
            java.util.Arrays.sort(attempts, (a, b) -> attemptNumber(a) - attemptNumber(b));
            for (FileStatus attempt : attempts) {
                if (!attempt.isDirectory()) {
                    continue;
                }
                for (FileStatus task : fs.listStatus(attempt.getPath())) {
                    if (task.isDirectory() && task.getPath().getName().startsWith("task_")) {
                        tasks.put(task.getPath().getName(), task); // a later job attempt's copy wins
                    }
                }
            }
            for (FileStatus task : tasks.values()) {
                for (FileStatus s : fs.listStatus(task.getPath())) {
                    if (s.isFile() && s.getPath().getName().startsWith("part-")) {
                        out.add(s);
                    }
                }
            }
        }
        return out;
    }

    private static int attemptNumber(FileStatus s) {
        try {
            return Integer.parseInt(s.getPath().getName());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Copies the earlier run's rows into {@code output} and writes the ids file there.
     *
     * @throws IllegalArgumentException when the earlier output is of another format than {@code format}
     */
    static Prepared prepare(Configuration conf, Path old, Path output, InferSettings.Format format) throws IOException {
        FileSystem ofs = old.getFileSystem(conf);
        FileSystem nfs = output.getFileSystem(conf);
        List<FileStatus> parts = parts(ofs, old);
        Set<String> ids = new HashSet<>();
        Path idsFile = new Path(output, IDS_FILE);
        long rows = 0;
        try (OutputStream idsOut = nfs.create(idsFile, false)) {
            int n = 0;
            for (FileStatus part : parts) {
                Path p = part.getPath();
                InferSettings.Format found = formatOf(conf, p);
                if (found == null) {
                    continue; // an empty part file: no rows, nothing to copy
                }
                if (found != format) {
                    throw new IllegalArgumentException(InferKey.RESUME.key() + ": " + p + " is "
                            + found.name().toLowerCase(Locale.ROOT) + ", but this run writes "
                            + format.name().toLowerCase(Locale.ROOT) + " (" + InferKey.FORMAT.key()
                            + "): one output directory holds one format");
                }
                for (String id : ids(conf, p, found)) {
                    rows++;
                    if (ids.add(id)) {
                        // lone surrogates (a JSON id may hold one) as escapes, as the output rows carry them
                        idsOut.write(dev.drafthorse.rows.JsonText.escapeLoneSurrogates(JSON.writeValueAsString(id))
                                .getBytes(StandardCharsets.UTF_8));
                        idsOut.write('\n');
                    }
                }
                String name = p.getName();
                int dot = name.indexOf('.');
                String ext = dot < 0 ? "" : name.substring(dot);
                Path copy = new Path(output, String.format(Locale.ROOT, "%s%05d%s", COPY_PREFIX, n++, ext));
                FileUtil.copy(ofs, p, nfs, copy, false, false, conf);
            }
            return new Prepared(idsFile, n, rows);
        }
    }

    /** The format of an output part file (null when it is empty). */
    static InferSettings.Format formatOf(Configuration conf, Path p) throws IOException {
        Configuration c = new Configuration(conf);
        c.set(InferKey.INPUT_FORMAT.key(), "auto");
        InputKind kind = InputKind.of(c, p);
        if (kind == InputKind.ORC) {
            return InferSettings.Format.ORC;
        }
        if (kind == InputKind.PARQUET) {
            return InferSettings.Format.PARQUET;
        }
        try (BufferedReader r = text(conf, p)) {
            String first = r.readLine();
            if (first == null) {
                return null;
            }
            return first.startsWith("{") ? InferSettings.Format.JSONL : InferSettings.Format.TSV;
        }
    }

    private static BufferedReader text(Configuration conf, Path p) throws IOException {
        InputStream in = p.getFileSystem(conf).open(p);
        CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(p);
        if (codec != null) {
            in = codec.createInputStream(in);
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The ids of the rows of one part file (a TSV score output repeats a row's id once per candidate). */
    static List<String> ids(Configuration conf, Path p, InferSettings.Format format) throws IOException {
        List<String> ids = new ArrayList<>();
        switch (format) {
            case ORC -> {
                try (Reader r = OrcFile.createReader(p, OrcFile.readerOptions(conf))) {
                    TypeDescription schema = r.getSchema();
                    int col = schema.getFieldNames().indexOf("id");
                    if (col < 0) {
                        throw new IOException(p + ": no id column (" + schema + ")");
                    }
                    VectorizedRowBatch b = schema.createRowBatch();
                    try (RecordReader rows = r.rows()) {
                        while (rows.nextBatch(b)) {
                            BytesColumnVector v = (BytesColumnVector) b.cols[col];
                            for (int i = 0; i < b.size; i++) {
                                ids.add(v.toString(i));
                            }
                        }
                    }
                }
            }
            case PARQUET -> {
                try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), p)
                        .withConf(conf)
                        .build()) {
                    for (Group g = r.read(); g != null; g = r.read()) {
                        ids.add(g.getString("id", 0));
                    }
                }
            }
            default -> {
                try (BufferedReader r = text(conf, p)) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        if (format == InferSettings.Format.JSONL) {
                            ids.add(JSON.readTree(line).get("id").asText());
                        } else {
                            int tab = line.indexOf('\t');
                            ids.add(unescapeTsv(tab < 0 ? line : line.substring(0, tab)));
                        }
                    }
                }
            }
        }
        return ids;
    }

    /** The inverse of {@link OutputRows#tsv}. */
    static String unescapeTsv(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The done ids, as a task reads them from the distributed cache. */
    static Set<String> load(InputStream in) throws IOException {
        Set<String> ids = new HashSet<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                try {
                    ids.add(JSON.readValue(line, String.class));
                } catch (IOException e) {
                    throw new UncheckedIOException("bad line in " + IDS_FILE + ": " + line, e);
                }
            }
        }
        return ids;
    }
}
