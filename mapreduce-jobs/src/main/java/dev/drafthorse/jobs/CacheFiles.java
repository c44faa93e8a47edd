package dev.drafthorse.jobs;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.JobContext;

/**
 * The files a job ships to its tasks through the distributed cache (models, drafts, heads, ensemble models, staged
 * data), each under a link name unique to the job.
 *
 * <p>Why unique: the local runner makes its links in the user's working directory, and Hadoop does not replace a
 * link that is already there. Under a fixed name, a second job started from the same directory, or a link left by a
 * killed job, would hand the task another file than the one its job names, silently. So the driver names every
 * file {@code drafthorse-ROLE-UUID.ext}, records that name in the job under {@code drafthorse.cache.link.ROLE},
 * and the task opens exactly that link (or, where no link was made, the cache URI itself). A link name it did not
 * make is never looked at.
 */
public final class CacheFiles {
    /** The configuration key prefix recording each role's link name. */
    public static final String KEY_PREFIX = "drafthorse.cache.link.";

    private CacheFiles() {}

    /** The configuration key holding the link name of {@code role}. */
    public static String key(String role) {
        return KEY_PREFIX + role;
    }

    /**
     * Gives {@code file} a link name unique to this job, records it under {@link #key(String) key(role)} and returns
     * the cache URI ({@code file} with the link as its fragment). {@link #add} is this plus {@code addCacheFile}.
     *
     * @param file a qualified URI (scheme and authority as its filesystem spells them)
     * @param suffix the link's extension, e.g. {@code ".gguf"} (only for people reading a directory listing)
     */
    public static URI register(Configuration conf, URI file, String role, String suffix) throws URISyntaxException {
        String link = "drafthorse-" + role + "-" + UUID.randomUUID() + suffix;
        conf.set(key(role), link, "CacheFiles: a link name unique to this job");
        return new URI(file.getScheme(), file.getAuthority(), file.getPath(), null, link);
    }

    /** Ships {@code file} to the job's tasks as {@code role} under a link name unique to this job. */
    public static void add(Job job, URI file, String role, String suffix) throws URISyntaxException {
        job.addCacheFile(register(job.getConfiguration(), file, role, suffix));
    }

    /**
     * The local copy of {@code role}'s file in this task: the job's own link in the working directory (YARN and the
     * local runner make it), else the cache URI itself when it is on the local filesystem (harnesses that make no
     * links, such as MRUnit).
     *
     * @throws IOException naming the role, the file and the working directory when the task has no local copy
     */
    public static Path localPath(JobContext context, String role) throws IOException {
        Path p = find(context, role);
        if (p == null) {
            throw new IOException(
                    role + " file " + cacheUri(context, role) + " (link " + link(context.getConfiguration(), role)
                            + ") is not localized in " + new File("").getAbsolutePath());
        }
        return p;
    }

    /** Opens {@code role}'s file: its local copy, else the cache URI through its filesystem. */
    public static InputStream open(JobContext context, String role) throws IOException {
        Path p = find(context, role);
        if (p != null) {
            return Files.newInputStream(p);
        }
        URI u = cacheUri(context, role);
        org.apache.hadoop.fs.Path hp = new org.apache.hadoop.fs.Path(u.getScheme(), u.getAuthority(), u.getPath());
        FileSystem fs = hp.getFileSystem(context.getConfiguration());
        return fs.open(hp);
    }

    private static Path find(JobContext context, String role) throws IOException {
        String link = link(context.getConfiguration(), role);
        URI u = cacheUri(context, role);
        File f = new File(link);
        if (f.isFile()) {
            return f.toPath();
        }
        if (u.getScheme() == null || u.getScheme().equals("file")) {
            Path local = Path.of(u.getPath());
            if (Files.isRegularFile(local)) {
                return local;
            }
        }
        return null;
    }

    private static String link(Configuration conf, String role) throws IOException {
        String link = conf.get(key(role));
        if (link == null) {
            throw new IOException("the job names no " + role + " file (" + key(role) + " is not set)");
        }
        return link;
    }

    private static URI cacheUri(JobContext context, String role) throws IOException {
        String link = link(context.getConfiguration(), role);
        URI[] files = context.getCacheFiles();
        if (files != null) {
            for (URI u : files) {
                if (link.equals(u.getFragment())) {
                    return u;
                }
            }
        }
        throw new IOException(role + " file (link " + link + ") is not among the job's cache files");
    }
}
