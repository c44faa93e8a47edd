package dev.drafthorse.jobs;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * One job per output directory, decided before submission. Two jobs started with the same {@code --output} both
 * pass the "does it exist" check; without a claim both would submit, share the committer's
 * {@code _temporary/0} (the local runner numbers every job's attempt 0), and the first job commit would merge the
 * other job's committed tasks into its own output while the other failed with a bare {@code NA}. The driver
 * creates {@value #NAME} in the output directory exclusively (HDFS {@code create} without overwrite is atomic; on
 * the local filesystem {@code O_EXCL}), so exactly one job wins and the other stops before submitting with a message
 * saying so. The output formats accept a directory that holds only the claim ({@link #checkOutputSpecs}); the
 * driver removes the claim when the job ends. The name starts with {@code _}: Hive and {@code FileInputFormat} skip
 * it.
 */
public final class OutputClaim {
    /** The claim file's name. */
    public static final String NAME = "_DRAFTHORSE_CLAIM";

    private OutputClaim() {}

    /**
     * Claims {@code output} (qualified) for this job.
     *
     * @throws IOException naming the directory when it exists with content, or another job claimed it first
     */
    public static Path claim(FileSystem fs, Path output, String job) throws IOException {
        if (fs.exists(output) && (!fs.getFileStatus(output).isDirectory() || fs.listStatus(output).length > 0)) {
            throw new IOException(output + ": output directory already exists"
                    + (holdsOnlyClaim(fs, output)
                            ? " and another job has claimed it (" + NAME
                                    + "): choose another output, or remove the directory if no job is running"
                            : " and is not empty"));
        }
        Path marker = new Path(output, NAME);
        byte[] text = (job + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        FileSystem raw = fs instanceof LocalFileSystem l ? l.getRawFileSystem() : fs;
        try {
            if (raw instanceof RawLocalFileSystem r) {
                java.nio.file.Path f = r.pathToFile(marker).toPath();
                Files.createDirectories(f.getParent());
                Files.write(
                        f, text, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            } else {
                try (var out = fs.create(marker, false)) {
                    out.write(text);
                }
            }
        } catch (FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException e) {
            throw new IOException(
                    output + ": another job claimed this output directory first (" + NAME
                            + "); each job needs an output directory of its own",
                    e);
        } catch (org.apache.hadoop.ipc.RemoteException e) {
            if (e.unwrapRemoteException() instanceof org.apache.hadoop.fs.FileAlreadyExistsException) {
                throw new IOException(
                        output + ": another job claimed this output directory first (" + NAME
                                + "); each job needs an output directory of its own",
                        e);
            }
            throw e;
        }
        return marker;
    }

    /** Removes the claim (when the job has ended, successfully or not); a missing claim is not an error. */
    public static void release(FileSystem fs, Path marker) {
        try {
            fs.delete(marker, false);
        } catch (IOException e) {
            // the directory went away with the claim in it: nothing is left to release
        }
    }

    /**
     * Whether {@code dir} holds the claim and nothing else but the committer's work directory (and the copied rows
     * and ids file of {@code infer --resume}).
     */
    static boolean holdsOnlyClaim(FileSystem fs, Path dir) throws IOException {
        boolean claim = false;
        for (FileStatus s : fs.listStatus(dir)) {
            String n = s.getPath().getName();
            if (n.equals(NAME)) {
                claim = true;
            } else if (!n.equals("_temporary")
                    && !n.startsWith(".")
                    && !n.startsWith("part-resumed-")
                    && !n.equals("_DRAFTHORSE_RESUME_IDS")) {
                // (the last two: what infer --resume puts there before it submits)
                return false;
            }
        }
        return claim;
    }

    /**
     * For an output format's {@code checkOutputSpecs}: the output directory may exist only as this job's claim left it.
     *
     * @throws org.apache.hadoop.mapred.FileAlreadyExistsException otherwise, as {@code FileOutputFormat} does
     */
    public static void checkOutputSpecs(FileSystem fs, Path output) throws IOException {
        if (fs.exists(output) && !(fs.getFileStatus(output).isDirectory() && holdsOnlyClaim(fs, output))) {
            throw new org.apache.hadoop.mapred.FileAlreadyExistsException(
                    "Output directory " + output + " already exists");
        }
    }
}
