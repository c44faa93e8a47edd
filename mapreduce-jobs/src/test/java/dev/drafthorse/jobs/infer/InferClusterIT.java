package dev.drafthorse.jobs.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.mapreduce.Cluster;
import org.apache.hadoop.mapreduce.Counters;
import org.apache.hadoop.mapreduce.JobCounter;
import org.apache.hadoop.mapreduce.JobID;
import org.apache.hadoop.mapreduce.MRJobConfig;
import org.apache.hadoop.mapreduce.v2.MiniMRYarnCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code infer} on a real (in-process) cluster: HDFS and YARN with one DataNode and one NodeManager, the model on
 * HDFS through the distributed cache, two map tasks in their own JVMs. The job is submitted from the shaded jar
 * the way {@code hadoop jar} does it (the jar's own class loader as the context class loader, then
 * {@code Main.run}); the job classes and the engine are not on this test's classpath (see the pom's
 * cluster-tests execution), so the containers can only get them from the job jar. One cluster for the class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InferClusterIT {
    static final String GROUP = "dev.drafthorse.jobs.infer.InferCounter";
    static MiniDFSCluster dfs;
    static MiniMRYarnCluster yarn;
    static Configuration conf;
    static FileSystem fs;
    static File confFile;
    static URLClassLoader jar;
    static int rows;

    @BeforeAll
    static void start() throws Exception {
        File base = new File("target/infer-cluster").getAbsoluteFile();
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
        yarn = new MiniMRYarnCluster("infer-it", 1);
        yarn.init(c);
        yarn.start();
        conf = new Configuration(yarn.getConfig());
        fs = FileSystem.get(conf);
        // What HADOOP_CONF_DIR holds on a gateway node.
        confFile = new File(base, "cluster.xml");
        try (OutputStream out = Files.newOutputStream(confFile.toPath())) {
            conf.writeXml(out);
        }
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(model().toUri()), new org.apache.hadoop.fs.Path("/models/stories260K.gguf"));
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        String[] words = {"the", "cat", "sat", "and", "Tom", "saw", "a", "big", "red", "ball", "Lily"};
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < 24; i++) {
            StringBuilder p = new StringBuilder();
            for (int w = 0; w < 1 + rnd.nextInt(8); w++) {
                p.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
            }
            if (i % 2 == 0) {
                a.add("t" + i + "\t" + p);
            } else {
                b.add("{\"id\": \"j" + i + "\", \"prompt\": \"" + p + "\", \"temperature\": 0.8}");
            }
        }
        a.add(4, "a bad row without a tab");
        b.add("{\"id\": \"bad\", \"prompt\": \"\"}");
        rows = a.size() + b.size();
        write("/in/a.txt", a);
        write("/in/b.jsonl", b);
        jar = new URLClassLoader(new URL[] {new File(System.getProperty("drafthorse.jobJar")).toURI().toURL()},
                InferClusterIT.class.getClassLoader());
    }

    /** ../shared/models/stories260K.gguf (the engine's Reference is not on this classpath). */
    static Path model() {
        String prop = System.getProperty("drafthorse.shared");
        Path p = prop == null ? Path.of("../../shared") : Path.of(prop);
        Path m = p.resolve("models").resolve("stories260K.gguf").toAbsolutePath().normalize();
        if (!Files.exists(m)) {
            throw new IllegalStateException(m + " not found (set -Ddrafthorse.shared=DIR)");
        }
        return m;
    }

    static void write(String path, List<String> lines) throws IOException {
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(path))) {
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    @AfterAll
    static void stop() throws IOException {
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
    static Object[] hadoopJar(String... args) throws Exception {
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

    static String[] infer(String output, String... generic) {
        List<String> a = new ArrayList<>(List.of("infer", "-conf", confFile.getPath()));
        a.addAll(List.of(generic));
        a.addAll(List.of("--input", "/in", "--output", output, "-m", "/models/stories260K.gguf", "-n", "12", "--batch", "4",
                "--threads", "1", "--seed", "7", "--max-reject-fraction", "0.5"));
        return a.toArray(String[]::new);
    }

    static Counters counters(String stderr) throws Exception {
        Matcher m = Pattern.compile("submitted (job_\\w+)").matcher(stderr);
        assertTrue(m.find(), stderr);
        return new Cluster(conf).getJob(JobID.forName(m.group(1))).getCounters();
    }

    /** path relative to dir → content, for every file under dir. */
    static Map<String, String> files(String dir) throws IOException {
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

    static Map<String, String> clean;

    @Test
    @Order(1)
    void theJobClassesComeFromTheJarOnly() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.drafthorse.jobs.infer.InferMapper"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.drafthorse.kernels.model.Model"));
    }

    @Test
    @Order(2)
    void twoMapTasksOnYarnWithTheModelFromHdfs() throws Exception {
        Object[] r = hadoopJar(infer("/out/clean"));
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("on the yarn runner"), (String) r[1]);
        Counters c = counters((String) r[1]);
        assertEquals(2, c.findCounter(JobCounter.TOTAL_LAUNCHED_MAPS).getValue());
        assertEquals(0, c.findCounter(JobCounter.TOTAL_LAUNCHED_REDUCES).getValue());
        assertEquals(rows, c.findCounter(GROUP, "ROWS_IN").getValue());
        assertEquals(rows - 2, c.findCounter(GROUP, "ROWS_OUT").getValue());
        assertEquals(2, c.findCounter(GROUP, "ROWS_REJECTED").getValue());
        assertEquals(2, c.findCounter(GROUP, "TASKS_VECTOR").getValue(), "the job gave its task JVMs the Vector API module");
        assertTrue(c.findCounter(GROUP, "GENERATED_TOKENS").getValue() > 0);
        assertTrue(c.findCounter(GROUP, "PROMPT_TOKENS").getValue() > 0);
        clean = files("/out/clean");
        assertEquals(List.of("_SUCCESS", "_rejects/part-m-00000", "_rejects/part-m-00001", "part-m-00000", "part-m-00001"),
                new ArrayList<>(clean.keySet()));
        List<String> lines = new ArrayList<>();
        for (String f : List.of("part-m-00000", "part-m-00001")) {
            lines.addAll(List.of(clean.get(f).split("\n")));
        }
        assertEquals(rows - 2, lines.size());
        assertEquals(rows - 2, lines.stream().map(l -> l.substring(0, l.indexOf(",\"text\""))).distinct().count(), "each row once");

        // The same job on the local runner (same jar, same HDFS input) writes the same bytes.
        Object[] local = hadoopJar(infer("/out/local", "-D", "mapreduce.framework.name=local"));
        assertEquals(0, local[0], (String) local[1]);
        assertEquals(clean, files("/out/local"), "YARN and the local runner agree byte for byte");
    }

    @Test
    @Order(3)
    void firstAttemptsDieMidOutputAndTheRetriesWriteTheSameBytes() throws Exception {
        Object[] r = hadoopJar(infer("/out/faulty", "-D", "drafthorse.infer.fault.halt-after-rows=3"));
        assertEquals(0, r[0], (String) r[1]);
        Counters c = counters((String) r[1]);
        assertEquals(2, c.findCounter(JobCounter.NUM_FAILED_MAPS).getValue(), "each task's first attempt died");
        assertEquals(4, c.findCounter(JobCounter.TOTAL_LAUNCHED_MAPS).getValue());
        assertEquals(rows, c.findCounter(GROUP, "ROWS_IN").getValue(), "the successful attempts' counters only");
        assertEquals(clean, files("/out/faulty"), "every row exactly once, byte-identical to the clean run");
    }
}
