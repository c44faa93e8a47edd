package dev.drafthorse.hive;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hive.ql.session.SessionState;

/**
 * Turns a model path as a user writes it in SQL into a local file the engine can map.
 *
 * <ul>
 *   <li>{@code file:} URIs and local paths are used where they are.</li>
 *   <li>Any other Hadoop filesystem URI ({@code hdfs://}, {@code s3a://}, ...) is copied once per JVM to a
 *   local temporary file (keyed by URI, modification time and length, so a replaced file is copied again),
 *   deleted when the JVM exits.</li>
 *   <li>A bare file name ({@code stories260K.gguf}) is first looked up among the files the session added
 *   with {@code ADD FILE} (by base name), then among the job's added and cached files, then in the working
 *   directory (where a task on a cluster finds its added files).</li>
 *   <li>A path without a scheme that is not a local file is tried on Hadoop's default filesystem (on a
 *   cluster, {@code /models/x.gguf} usually means HDFS).</li>
 * </ul>
 */
final class ModelFiles {
    private ModelFiles() {}

    private static final Map<String, Path> COPIES = new HashMap<>();
    private static Path copyDir;

    /** The local file for {@code spec}; {@code conf} gives filesystems and the job's added files (may be null). */
    static Path localize(String spec, Configuration conf) throws IOException {
        return resolve(spec, conf, true);
    }

    /**
     * Checks that {@code spec} names a model file, as {@link #localize} would find it, without copying a remote one
     * (for a function's {@code initialize}, which also runs in HiveServer2 when the query is compiled).
     *
     * @throws FileNotFoundException naming the path and where it was looked for
     */
    static void check(String spec, Configuration conf) throws IOException {
        resolve(spec, conf, false);
    }

    /** The local file for {@code spec}, or with {@code copy} false null for a remote file that exists. */
    private static Path resolve(String spec, Configuration conf, boolean copy) throws IOException {
        if (spec.isEmpty()) {
            throw new FileNotFoundException("the model path is empty");
        }
        Configuration c = conf != null ? conf : new Configuration();
        URI uri = hadoopUri(spec);
        String scheme = uri == null ? null : uri.getScheme();
        if ("file".equalsIgnoreCase(scheme)) {
            return existing(Path.of(uri.getPath()), spec);
        }
        if (scheme != null && scheme.length() > 1) { // one letter would be a Windows drive
            return fetch(new org.apache.hadoop.fs.Path(uri), c, spec, copy);
        }
        List<String> looked = new ArrayList<>();
        if (!spec.contains("/")) {
            for (String added : addedFiles(c)) {
                String local = added.startsWith("file:") ? URI.create(added).getPath() : added;
                if (new File(local).getName().equals(spec)) {
                    URI u = hadoopUri(added);
                    if (u != null && u.getScheme() != null && !"file".equalsIgnoreCase(u.getScheme())) {
                        return fetch(new org.apache.hadoop.fs.Path(u), c, spec, copy);
                    }
                    if (Files.isRegularFile(Path.of(local))) {
                        return Path.of(local);
                    }
                }
            }
            looked.add("the files added with ADD FILE");
        }
        Path local = Path.of(spec);
        if (Files.isRegularFile(local)) {
            return local;
        }
        looked.add("the local filesystem (" + local.toAbsolutePath() + ")");
        FileSystem fs = FileSystem.get(c);
        if (!"file".equalsIgnoreCase(fs.getUri().getScheme())) {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(spec);
            if (fs.exists(p)) {
                return fetch(fs.makeQualified(p), c, spec, copy);
            }
            looked.add("the default filesystem " + fs.getUri());
        }
        throw new FileNotFoundException("model file '" + spec + "' not found; looked in " + String.join(", ", looked));
    }

    private static URI hadoopUri(String spec) {
        try {
            return new org.apache.hadoop.fs.Path(spec).toUri();
        } catch (IllegalArgumentException e) {
            return null; // not a URI Hadoop accepts: treat as a local name
        }
    }

    private static Path existing(Path p, String spec) throws FileNotFoundException {
        if (!Files.isRegularFile(p)) {
            throw new FileNotFoundException("model file '" + spec + "' not found (" + p + ")");
        }
        return p;
    }

    /** Files added to the session ({@code ADD FILE}) or to the job ({@code tmpfiles}, the distributed cache). */
    private static Set<String> addedFiles(Configuration conf) {
        Set<String> out = new LinkedHashSet<>();
        SessionState ss = SessionState.get();
        if (ss != null) {
            Set<String> r = ss.list_resource(SessionState.ResourceType.FILE, null);
            if (r != null) {
                out.addAll(r);
            }
        }
        for (String key : new String[] {"tmpfiles", "mapreduce.job.cache.files"}) {
            for (String s : conf.getTrimmedStrings(key)) {
                int hash = s.indexOf('#'); // uri#link-name
                out.add(hash >= 0 ? s.substring(0, hash) : s);
            }
        }
        return out;
    }

    private static Path fetch(org.apache.hadoop.fs.Path src, Configuration conf, String spec, boolean copy)
            throws IOException {
        if (copy) {
            return copyToLocal(src, conf, spec);
        }
        status(src.getFileSystem(conf), src, spec);
        return null;
    }

    /** The remote file's status, refusing a missing path or a directory by name. */
    private static FileStatus status(FileSystem fs, org.apache.hadoop.fs.Path src, String spec) throws IOException {
        FileStatus st;
        try {
            st = fs.getFileStatus(src);
        } catch (FileNotFoundException e) {
            throw new FileNotFoundException("model file '" + spec + "' not found (" + src + ")");
        }
        if (!st.isFile()) {
            throw new FileNotFoundException("model path '" + spec + "' is not a file (" + src + ")");
        }
        return st;
    }

    private static synchronized Path copyToLocal(org.apache.hadoop.fs.Path src, Configuration conf, String spec)
            throws IOException {
        FileSystem fs = src.getFileSystem(conf);
        FileStatus st = status(fs, src, spec);
        String key = st.getPath() + "|" + st.getModificationTime() + "|" + st.getLen();
        Path have = COPIES.get(key);
        if (have != null && Files.isRegularFile(have)) {
            return have;
        }
        if (copyDir == null) {
            copyDir = Files.createTempDirectory("drafthorse-models-");
            copyDir.toFile().deleteOnExit();
        }
        String hash = Integer.toHexString(key.hashCode())
                + Long.toHexString(java.util
                        .UUID
                        .nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8))
                        .getMostSignificantBits());
        Path dst = copyDir.resolve(hash + "-" + src.getName());
        Path tmp = copyDir.resolve(dst.getFileName() + ".part");
        try (var in = fs.open(src)) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(tmp, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        dst.toFile().deleteOnExit();
        COPIES.put(key, dst);
        return dst;
    }
}
