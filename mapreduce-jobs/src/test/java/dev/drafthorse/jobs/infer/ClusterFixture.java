package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.mapreduce.Cluster;
import org.apache.hadoop.mapreduce.Counters;
import org.apache.hadoop.mapreduce.JobID;
import org.apache.hadoop.mapreduce.MRJobConfig;
import org.apache.hadoop.mapreduce.v2.MiniMRYarnCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;

/**
 * One in-process cluster for a test class: HDFS and YARN with one DataNode and one NodeManager, sized for two
 * cores, and {@code drafthorse} run from the shaded job jar the way {@code hadoop jar} runs it. The job classes and
 * the engine are not on the test classpath (see the pom's cluster-tests execution), so the containers can only
 * get them from the job jar. Public for the other jobs' cluster tests.
 */
public final class ClusterFixture {
    private ClusterFixture() {}

    static final String GROUP = "dev.drafthorse.jobs.infer.InferCounter";
    public static MiniDFSCluster dfs;
    public static MiniMRYarnCluster yarn;
    public static Configuration conf;
    public static FileSystem fs;
    public static File confFile;
    public static URLClassLoader jar;

    public static void start(String name) throws Exception {
        File base = new File("target/" + name).getAbsoluteFile();
        org.apache.commons.io.FileUtils.deleteQuietly(base);
        Configuration c = new Configuration();
        c.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(base, "dfs").getPath());
        dfs = new MiniDFSCluster.Builder(c).numDataNodes(1).build();
        c = new Configuration(dfs.getConfiguration(0));
        c.set("fs.defaultFS", dfs.getFileSystem().getUri().toString());
        // Sized for two cores: 512 MB containers, small minimum allocation, no virtual-memory check.
        c.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        c.setInt(YarnConfiguration.NM_PMEM_MB, 3072);
        c.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        c.setInt(MRJobConfig.MR_AM_VMEM_MB, 512);
        c.set(MRJobConfig.MR_AM_COMMAND_OPTS, "-Xmx384m");
        c.setInt(MRJobConfig.MAP_MEMORY_MB, 512);
        c.set(MRJobConfig.MAP_JAVA_OPTS, "-Xmx384m");
        c.setBoolean(MRJobConfig.MAP_SPECULATIVE, false);
        yarn = new MiniMRYarnCluster(name, 1);
        yarn.init(c);
        yarn.start();
        conf = new Configuration(yarn.getConfig());
        fs = FileSystem.get(conf);
        // What HADOOP_CONF_DIR holds on a gateway node.
        confFile = new File(base, "cluster.xml");
        try (OutputStream out = Files.newOutputStream(confFile.toPath())) {
            conf.writeXml(out);
        }
        jar = new URLClassLoader(
                new URL[] {
                    new File(System.getProperty("drafthorse.jobJar")).toURI().toURL()
                },
                ClusterFixture.class.getClassLoader());
    }

    /** Copies ../shared/models/NAME to /models/NAME on HDFS. */
    public static String putModel(String name) throws IOException {
        fs.copyFromLocalFile(
                new org.apache.hadoop.fs.Path(model(name).toUri()), new org.apache.hadoop.fs.Path("/models/" + name));
        return "/models/" + name;
    }

    /** ../shared/models/NAME (the engine's Reference is not on this classpath). */
    public static Path model(String name) {
        String prop = System.getProperty("drafthorse.shared");
        Path p = prop == null ? Path.of("../../shared") : Path.of(prop);
        Path m = p.resolve("models").resolve(name).toAbsolutePath().normalize();
        if (!Files.exists(m)) {
            throw new IllegalStateException(m + " not found (set -Ddrafthorse.shared=DIR)");
        }
        return m;
    }

    public static void write(String path, List<String> lines) throws IOException {
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(path))) {
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    public static void stop() throws IOException {
        if (jar != null) {
            jar.close();
        }
        if (yarn != null) {
            yarn.stop();
        }
        if (dfs != null) {
            dfs.shutdown();
        }
    }

    /** Runs {@code drafthorse <args>} from the job jar as RunJar would, returning the exit code and stderr. */
    public static Object[] hadoopJar(String... args) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader old = t.getContextClassLoader();
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            t.setContextClassLoader(jar);
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            Method run = jar.loadClass("dev.drafthorse.cli.Main").getMethod("run", String[].class);
            int code = (Integer) run.invoke(null, (Object) args);
            return new Object[] {code, err.toString(StandardCharsets.UTF_8)};
        } finally {
            t.setContextClassLoader(old);
            System.setErr(oldErr);
            oldErr.print(err.toString(StandardCharsets.UTF_8));
        }
    }

    public static Counters counters(String stderr) throws Exception {
        Matcher m = Pattern.compile("submitted (job_\\w+)").matcher(stderr);
        assertTrue(m.find(), stderr);
        return new Cluster(conf).getJob(JobID.forName(m.group(1))).getCounters();
    }

    /** path relative to dir → content, for every file under dir. */
    public static Map<String, String> files(String dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        org.apache.hadoop.fs.Path d = fs.makeQualified(new org.apache.hadoop.fs.Path(dir));
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(d, true);
        while (it.hasNext()) {
            FileStatus s = it.next();
            String rel = d.toUri().relativize(s.getPath().toUri()).getPath();
            try (var in = fs.open(s.getPath())) {
                out.put(rel, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
