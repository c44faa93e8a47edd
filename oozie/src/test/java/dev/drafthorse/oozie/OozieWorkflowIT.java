package dev.drafthorse.oozie;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.mapreduce.MRJobConfig;
import org.apache.hadoop.mapreduce.v2.MiniMRYarnCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.oozie.action.hadoop.LauncherAM;
import org.apache.oozie.client.OozieClient;
import org.apache.oozie.client.OozieClientException;
import org.apache.oozie.client.WorkflowAction;
import org.apache.oozie.client.WorkflowJob;
import org.apache.oozie.local.LocalOozie;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The shipped workflow, run for real by Oozie ({@link LocalOozie}: Oozie 5.2.1's own services in this JVM) against an
 * in-process HDFS and YARN (MiniDFSCluster + MiniMRYarnCluster), with the shipped job.properties (only the name node,
 * the resource manager and the JDBC URL replaced by this cluster's) and the shaded job jar in the application's lib/.
 *
 * <p>Every java action (infer per template, in a fork; ensemble-train behind the labels decision; ensemble-predict)
 * runs as Oozie runs it on a cluster: an Oozie launcher on YARN calling {@code dev.drafthorse.cli.Main} with the
 * workflow's arguments, which submits its own MapReduce job. The job classes are not on this JVM's classpath (see
 * the pom), so they can only come from lib/.
 *
 * <p>The two hive2 actions need a HiveServer2, which cannot run here. The test says so by deriving a variant of the
 * shipped workflow in which each hive2 action is a pass-through decision of the same name ({@link Hive2Actions}),
 * and runs each action's own script with its own {@code <param>} values (resolved from the same properties) through
 * the project's in-process Hive ({@code scripts/drafthorse hive}, dev.drafthorse.hive.EmbeddedHive) against the same
 * HDFS: the prompts script before the workflow starts, the publish script after it ends.
 *
 * <p>The oracle is the demo: {@code scripts/demo.sh} runs the same chain on one machine (local job runner, local
 * files), and the workflow's outputs must equal its outputs byte for byte (the jobs are deterministic).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OozieWorkflowIT {
    static final Path BASE = Path.of("target/oozie-it").toAbsolutePath();
    static final String USER = System.getProperty("user.name");
    static final String DAY = "2026-11-29";

    static MiniDFSCluster dfs;
    static MiniMRYarnCluster yarn;
    static FileSystem fs;
    static Path demo;
    static Map<String, String> props;
    static Hive2Actions.Variant variant;
    static String firstRun;

    @BeforeAll
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    static void setUp() throws Exception {
        deleteTree(BASE);
        deleteTree(Path.of("target/test/data/oozie-it").toAbsolutePath()); // the mini YARN's logs of an earlier run
        Files.createDirectories(BASE.resolve("site"));
        Files.createDirectories(BASE.resolve("logs"));

        // 1. The oracle: the demo's chain on one machine, with the method the workflow trains.
        demo = BASE.resolveSibling("oozie-it-demo");
        Properties shipped = OozieApp.jobProperties();
        String method = shipped.getProperty("ensembleMethod");
        if (Boolean.getBoolean("drafthorse.oozie.reuseDemo")
                && Files.isDirectory(demo.resolve("predictions/" + method))) {
            log("reusing the demo's outputs in " + demo + " (-Ddrafthorse.oozie.reuseDemo, for working on this test)");
        } else {
            log("running scripts/demo.sh --methods " + method + " (the reference outputs)");
            Processes.ok(
                    OozieApp.root(),
                    BASE.resolve("logs/demo.log"),
                    600,
                    "bash",
                    "scripts/demo.sh",
                    "--out",
                    demo.toString(),
                    "--methods",
                    method);
        }

        // 2. HDFS and YARN, sized for two cores; the Oozie server (this JVM's user) may act for the submitting user.
        log("starting MiniDFSCluster + MiniMRYarnCluster");
        Configuration c = new Configuration();
        c.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, BASE.resolve("dfs").toString());
        c.set("hadoop.proxyuser." + USER + ".hosts", "*");
        c.set("hadoop.proxyuser." + USER + ".groups", "*");
        dfs = new MiniDFSCluster.Builder(c).numDataNodes(1).build();
        c = new Configuration(dfs.getConfiguration(0));
        c.set("fs.defaultFS", dfs.getFileSystem().getUri().toString());
        c.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        c.setInt(YarnConfiguration.NM_PMEM_MB, 4096);
        c.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        // Oozie launchers are application masters that wait for the jobs they submit: the capacity scheduler's
        // default (10% of the memory for AMs) would leave those jobs' AMs waiting forever. Oozie sites raise it too.
        c.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 1.0f);
        c.setInt(MRJobConfig.MR_AM_VMEM_MB, 512);
        c.set(MRJobConfig.MR_AM_COMMAND_OPTS, "-Xmx384m");
        c.setInt(MRJobConfig.MAP_MEMORY_MB, 512);
        c.set(MRJobConfig.MAP_JAVA_OPTS, "-Xmx384m");
        c.setInt(MRJobConfig.REDUCE_MEMORY_MB, 512);
        c.set(MRJobConfig.REDUCE_JAVA_OPTS, "-Xmx384m");
        c.setBoolean(MRJobConfig.MAP_SPECULATIVE, false);
        c.setBoolean(MRJobConfig.REDUCE_SPECULATIVE, false);
        yarn = new MiniMRYarnCluster("oozie-it", 1);
        yarn.init(c);
        yarn.start();
        Configuration cluster = new Configuration(yarn.getConfig());
        // Oozie starts its launchers with yarn.application.classpath, which on a cluster names the Hadoop install
        // ($HADOOP_COMMON_HOME/...); here Hadoop is this JVM's classpath (surefire's manifest jar lists it).
        // The site directory goes first, as HADOOP_CONF_DIR does on a node.
        cluster.set(
                YarnConfiguration.YARN_APPLICATION_CLASSPATH,
                BASE.resolve("site") + File.pathSeparator + System.getProperty("java.class.path"));
        fs = FileSystem.get(cluster);
        // What a cluster node's HADOOP_CONF_DIR holds: for Oozie (its Hadoop configuration directory) and for the
        // launchers and tasks (a directory on the classpath they inherit, see the pom).
        writeSite(cluster, BASE.resolve("hadoop-conf"));
        writeSite(cluster, BASE.resolve("site"));

        // 3. The Oozie share library: the launcher's own jars, as `oozie-setup.sh sharelib create` lays them out.
        org.apache.hadoop.fs.Path lib =
                new org.apache.hadoop.fs.Path("/user/" + USER + "/share/lib/lib_20260101000000/oozie");
        fs.mkdirs(lib);
        for (Class<?> k : List.of(LauncherAM.class, OozieClient.class)) {
            File jar = new File(
                    k.getProtectionDomain().getCodeSource().getLocation().toURI());
            fs.copyFromLocalFile(
                    new org.apache.hadoop.fs.Path(jar.toURI()), new org.apache.hadoop.fs.Path(lib, jar.getName()));
        }

        // 4. Oozie itself, configured as an oozie-site.xml would be on a server.
        Path conf = BASE.resolve("oozie-conf");
        Files.createDirectories(conf.resolve("action-conf"));
        Configuration site = new Configuration(false);
        site.set("oozie.service.JPAService.create.db.schema", "true");
        site.set(
                "oozie.service.JPAService.jdbc.url",
                "jdbc:derby:" + BASE.resolve("oozie-data/oozie-db") + ";create=true");
        site.set("oozie.service.HadoopAccessorService.hadoop.configurations", "*=" + BASE.resolve("hadoop-conf"));
        site.set("oozie.service.HadoopAccessorService.supported.filesystems", "hdfs,file");
        site.set("oozie.service.WorkflowAppService.system.libpath", fs.getUri() + "/user/" + USER + "/share/lib");
        site.set("oozie.launcher.default.memory.mb", "512");
        // Launchers report back through the callback; these only bound how long a lost callback can stall the test.
        site.set("oozie.service.ActionCheckerService.action.check.interval", "5");
        site.set("oozie.service.ActionCheckerService.action.check.delay", "10");
        site.set("oozie.service.RecoveryService.interval", "10");
        site.set("oozie.service.RecoveryService.wf.actions.older.than", "10");
        try (OutputStream out = Files.newOutputStream(conf.resolve("oozie-site.xml"))) {
            site.writeXml(out);
        }
        System.setProperty("oozie.home.dir", BASE.resolve("oozie-home").toString());
        System.setProperty("oozie.config.dir", conf.toString());
        System.setProperty("oozie.data.dir", BASE.resolve("oozie-data").toString());
        System.setProperty("oozie.log.dir", BASE.resolve("logs").toString());
        System.setProperty("oozielocal.log", BASE.resolve("logs/oozielocal.log").toString());
        System.setProperty(
                "derby.stream.error.file", BASE.resolve("logs/derby.log").toString());
        Files.createDirectories(BASE.resolve("oozie-home"));
        Files.createDirectories(BASE.resolve("oozie-data"));
        log("starting LocalOozie");
        LocalOozie.start();

        // 5. The application and its data, where the shipped job.properties says they live.
        props = new TreeMap<>();
        shipped.stringPropertyNames().forEach(k -> props.put(k, shipped.getProperty(k)));
        props.put("user.name", USER);
        props.put("nameNode", fs.getUri().toString());
        props.put("resourceManager", cluster.get(YarnConfiguration.RM_ADDRESS));
        props.put("hiveJdbcUrl", "jdbc:hive2://no-hiveserver2-in-this-test:10000/default");
        variant = Hive2Actions.without(OozieApp.read("workflow.xml"));
        assertEquals(
                List.of("prompts", "publish"),
                variant.hive2().stream().map(Hive2Actions.Hive2::name).toList());
        assertEquals(List.of(), OozieSchemas.problems(OozieSchemas.workflow(), variant.workflowXml(), "variant"));
        String app = value("appPath");
        put(variant.workflowXml(), app + "/workflow.xml");
        for (String f : List.of("coordinator.xml", "create-prompts.sql", "publish-predictions.sql")) {
            fs.copyFromLocalFile(local(OozieApp.app().resolve(f)), new org.apache.hadoop.fs.Path(app + "/" + f));
        }
        fs.copyFromLocalFile(
                local(Path.of(System.getProperty("drafthorse.jobJar"))),
                new org.apache.hadoop.fs.Path(app + "/lib/"
                        + Path.of(System.getProperty("drafthorse.jobJar")).getFileName()));
        for (String m : List.of("modelT0", "modelT1")) {
            String name = value(m).substring(value(m).lastIndexOf('/') + 1);
            fs.copyFromLocalFile(local(shared("models/" + name)), new org.apache.hadoop.fs.Path(value(m)));
        }
        fs.copyFromLocalFile(
                local(demo.resolve("data/sentences/part-00000")),
                new org.apache.hadoop.fs.Path(value("inputDir") + "/part-00000"));
        fs.create(new org.apache.hadoop.fs.Path(value("inputDir") + "/_SUCCESS"))
                .close();
        fs.copyFromLocalFile(
                local(demo.resolve("data/labels/labels.tsv")),
                new org.apache.hadoop.fs.Path(value("labelsDir") + "/labels.tsv"));
    }

    @AfterAll
    static void tearDown() throws IOException {
        try {
            if (LocalOozie.isStarted()) {
                LocalOozie.stop();
            }
        } finally {
            if (yarn != null) {
                yarn.stop();
            }
            if (dfs != null) {
                dfs.shutdown();
            }
            deleteTree(BASE.resolve("site")); // no stale cluster address on a later run's classpath
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void theWorkflowRunsTheChainAndFindsTheDemosOutputs() throws Exception {
        Hive2Actions.Hive2 prompts = variant.hive2().get(0);
        // The hive2 action's <prepare> deletes its output first; so does this stand-in.
        fs.delete(new org.apache.hadoop.fs.Path(value("runDir") + "/prompts"), true);
        hive("prompts", prompts.script(), prompts.resolved(props), "");

        WorkflowJob job = runWorkflow();
        Map<String, WorkflowAction> actions = actions(job);
        String run = value("runDir");
        assertTrue(ensembleJobsInJar(), "the job jar lacks the ensemble MapReduce jobs (dev.drafthorse.jobs.ensemble)");
        assertEquals(WorkflowJob.Status.SUCCEEDED, job.getStatus(), describe(job));
        for (String name : List.of("score-t0", "score-t1", "train", "predict")) {
            WorkflowAction a = actions.get(name);
            assertNotNull(a, name + " did not run:\n" + describe(job));
            assertEquals(WorkflowAction.Status.OK, a.getStatus(), describe(job));
            assertTrue(
                    a.getExternalId() != null && a.getExternalId().startsWith("application_"),
                    name + " ran no launcher on YARN: " + a.getExternalId());
        }
        assertEquals("train", actions.get("labels-present").getTransition(), "the decision with labels present");

        // The same bytes as the chain on one machine.
        assertEquals(localData(demo.resolve("prompts/t0")), hdfsData(run + "/prompts/t0"), "prompts t0");
        assertEquals(localData(demo.resolve("prompts/t1")), hdfsData(run + "/prompts/t1"), "prompts t1");
        assertEquals(localData(demo.resolve("scores/t0")), hdfsData(run + "/scores/t0"), "infer scores t0");
        assertEquals(localData(demo.resolve("scores/t1")), hdfsData(run + "/scores/t1"), "infer scores t1");
        String method = value("ensembleMethod");
        String predictions = hdfsData(run + "/predictions");
        assertEquals(localData(demo.resolve("predictions/" + method)), predictions, "ensemble-predict output");
        int inputRows = localData(demo.resolve("data/sentences")).split("\n").length;
        assertEquals(inputRows, predictions.split("\n").length, "one prediction per input row");
        String report = hdfsData(run + "/report/evaluation.txt");
        assertEquals(
                Files.readString(demo.resolve("report/evaluation.txt"), StandardCharsets.UTF_8),
                report,
                "the evaluation report");
        for (String model : List.of("source:t0", "source:t1", "bagging(tree)", "boosting(gradient)", "stacking")) {
            assertTrue(report.contains(model), "the report lacks " + model + ":\n" + report);
        }

        // The publish action's HiveQL, with its own parameters, then the table it made.
        Hive2Actions.Hive2 publish = variant.hive2().get(1);
        List<String> table = hive(
                "publish",
                publish.script(),
                publish.resolved(props),
                "SELECT id, sentence, label, probability FROM " + value("predictionsTable") + " WHERE day = '"
                        + value("day") + "' AND method = '" + method + "' ORDER BY id;");
        List<String> demoTable = lines(Processes.ok(
                OozieApp.root(),
                BASE.resolve("logs/hive-demo-table.log"),
                300,
                "scripts/drafthorse",
                "hive",
                "--metastore",
                demo.resolve("hive").toString(),
                "-e",
                "SELECT id, sentence, label, probability FROM drafthorse.predictions WHERE method = '" + method
                        + "' ORDER BY id"));
        assertEquals(demoTable, table, "the published table");
        List<String> heldOut = lines(localData(demo.resolve("data/truth"))).stream()
                .map(l -> l.split("\t")[0])
                .toList();
        assertEquals(
                heldOut,
                table.stream().map(l -> l.split("\t")[0]).toList(),
                "one published prediction per held-out row");
        firstRun = predictions;
    }

    @Test
    @Order(2)
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void aRerunWithoutLabelsPredictsWithTheStoredModelAndWritesTheSameBytes() throws Exception {
        assertNotNull(firstRun, "the first run did not complete");
        // No label table: the decision must skip training and predict with the model the first run stored. The
        // outputs of the first run are all still there, so every action's <prepare> must clear its own.
        fs.rename(
                new org.apache.hadoop.fs.Path(value("labelsDir")),
                new org.apache.hadoop.fs.Path(value("labelsDir") + "-away"));
        try {
            WorkflowJob job = runWorkflow();
            assertEquals(WorkflowJob.Status.SUCCEEDED, job.getStatus(), describe(job));
            Map<String, WorkflowAction> actions = actions(job);
            assertFalse(actions.containsKey("train"), "trained without labels:\n" + describe(job));
            assertEquals("predict", actions.get("labels-present").getTransition());
            assertEquals(firstRun, hdfsData(value("runDir") + "/predictions"));
        } finally {
            fs.rename(
                    new org.apache.hadoop.fs.Path(value("labelsDir") + "-away"),
                    new org.apache.hadoop.fs.Path(value("labelsDir")));
        }
    }

    @Test
    @Order(3)
    void oozieRefusesTheWorkflowWithoutItsKillNode() throws Exception {
        // The schema cannot see this (node names are plain strings): Oozie's own parser does, at submission.
        String broken = OozieApp.read("workflow.xml").replaceAll("(?s)<kill name=\"fail\">.*?</kill>", "");
        String app = value("appPath") + "-broken";
        put(broken, app + "/workflow.xml");
        Properties conf = submission();
        conf.setProperty(OozieClient.APP_PATH, app);
        OozieClientException e = assertThrows(
                OozieClientException.class, () -> LocalOozie.getClient().run(conf));
        assertTrue(e.getMessage().contains("fail"), e.getMessage());
    }

    @Test
    @Order(4)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theCoordinatorWaitsForTheDaysDoneFlag() throws Exception {
        // One daily instance for a day whose partition is not complete: Oozie must materialize it and wait for that
        // partition's _SUCCESS (the dataset's uri-template and done-flag, resolved from the same properties).
        Properties conf = submission();
        conf.remove(OozieClient.APP_PATH);
        conf.setProperty(OozieClient.COORDINATOR_APP_PATH, value("appPath"));
        conf.setProperty("coordStart", "2026-11-28T02:00Z");
        conf.setProperty("coordEnd", "2026-11-28T03:00Z");
        String day = "2026-11-28";
        String input = value("inputRoot") + "/dt=" + day;
        fs.mkdirs(new org.apache.hadoop.fs.Path(input)); // the partition exists, its done-flag does not
        OozieClient client = LocalOozie.getCoordClient();
        String id = client.run(conf);
        try {
            org.apache.oozie.client.CoordinatorAction action = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                var actions = client.getCoordJobInfo(id).getActions();
                if (!actions.isEmpty()
                        && actions.get(0).getMissingDependencies() != null
                        && !actions.get(0).getMissingDependencies().isEmpty()) {
                    action = actions.get(0);
                    break;
                }
                Thread.sleep(1000);
            }
            assertNotNull(action, "no coordinator action materialized in 2 minutes: " + client.getCoordJobInfo(id));
            assertEquals(org.apache.oozie.client.CoordinatorAction.Status.WAITING, action.getStatus());
            assertEquals(input + "/_SUCCESS", action.getMissingDependencies());
        } finally {
            client.kill(id);
        }
    }

    // --- helpers
    // ------------------------------------------------------------------------------------------------------

    static WorkflowJob runWorkflow() throws Exception {
        OozieClient client = LocalOozie.getClient();
        String id = client.run(submission());
        log("submitted workflow " + id);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(12);
        String last = "";
        while (true) {
            WorkflowJob job = client.getJobInfo(id);
            String now = job.getActions().stream()
                    .map(a -> a.getName() + "=" + a.getStatus())
                    .collect(Collectors.joining(" "));
            if (!now.equals(last)) {
                log(job.getStatus() + ": " + now);
                last = now;
            }
            if (job.getStatus() != WorkflowJob.Status.RUNNING && job.getStatus() != WorkflowJob.Status.PREP) {
                return job;
            }
            if (System.nanoTime() > deadline) {
                client.kill(id);
                throw new AssertionError("the workflow did not finish in 12 minutes:\n" + describe(job));
            }
            Thread.sleep(2000);
        }
    }

    /** Whether the job jar's ensemble-train/ensemble-predict are MapReduce jobs (they read any Hadoop filesystem). */
    static boolean ensembleJobsInJar() throws IOException {
        try (var jar = new java.util.jar.JarFile(System.getProperty("drafthorse.jobJar"))) {
            return jar.getEntry("dev/drafthorse/jobs/ensemble/EnsembleTrainTool.class") != null;
        }
    }

    static Properties submission() {
        Properties p = new Properties();
        props.forEach((k, v) -> {
            if (!k.equals("user.name")) {
                p.setProperty(k, v);
            }
        });
        p.setProperty(OozieClient.USER_NAME, USER);
        return p;
    }

    static Map<String, WorkflowAction> actions(WorkflowJob job) {
        Map<String, WorkflowAction> m = new LinkedHashMap<>();
        for (WorkflowAction a : job.getActions()) {
            m.put(a.getName(), a);
        }
        return m;
    }

    /** The job, each action's status and error, and where the launchers' logs are: the message of a failed run. */
    static String describe(WorkflowJob job) {
        StringBuilder sb = new StringBuilder("workflow " + job.getId() + " " + job.getStatus() + "\n");
        for (WorkflowAction a : job.getActions()) {
            sb.append("  ")
                    .append(a.getName())
                    .append(' ')
                    .append(a.getStatus())
                    .append(" external=")
                    .append(a.getExternalId())
                    .append(' ')
                    .append(a.getExternalStatus());
            if (a.getErrorMessage() != null) {
                sb.append(" error=").append(a.getErrorCode()).append(": ").append(a.getErrorMessage());
            }
            sb.append('\n');
        }
        // The launchers' own logs (the command's stderr is in the container's stderr) for each failed action.
        for (WorkflowAction a : job.getActions()) {
            if (a.getStatus() != WorkflowAction.Status.ERROR || a.getExternalId() == null) {
                continue;
            }
            try (Stream<Path> s = Files.walk(Path.of("target/test/data/oozie-it"))) {
                for (Path p : s.filter(x -> x.toString().contains(a.getExternalId())
                                && x.getFileName().toString().equals("stderr"))
                        .toList()) {
                    sb.append("--- ")
                            .append(a.getName())
                            .append(": ")
                            .append(p)
                            .append('\n')
                            .append(Processes.tail(Files.readString(p, StandardCharsets.UTF_8), 25))
                            .append('\n');
                }
            } catch (IOException e) {
                sb.append("(could not read the container logs: ").append(e).append(")\n");
            }
        }
        return sb.toString();
    }

    /**
     * Runs a hive2 action's script in the in-process Hive with the action's parameters as Hive variables (what
     * beeline's --hivevar does with the hive2 action's params), then {@code extra}; returns the result rows.
     */
    static List<String> hive(String name, String script, Map<String, String> params, String extra) throws Exception {
        StringBuilder sql = new StringBuilder();
        params.forEach((k, v) ->
                sql.append("SET hivevar:").append(k).append('=').append(v).append(";\n"));
        sql.append(Files.readString(OozieApp.app().resolve(script), StandardCharsets.UTF_8))
                .append('\n')
                .append(extra)
                .append('\n');
        Path file = BASE.resolve("logs/" + name + ".sql");
        Files.writeString(file, sql.toString(), StandardCharsets.UTF_8);
        log("hive2 action '" + name + "': " + script + " in the in-process Hive, params " + params);
        return lines(Processes.ok(
                OozieApp.root(),
                BASE.resolve("logs/hive-" + name + ".log"),
                600,
                "scripts/drafthorse",
                "hive",
                "--metastore",
                BASE.resolve("hive").toString(),
                "-f",
                file.toString()));
    }

    static String value(String key) {
        return Hive2Actions.resolve("${" + key + "}", props);
    }

    /** The data files of a local output directory (names not starting with _ or .), in name order, concatenated. */
    static String localData(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path p : s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("_")
                            && !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList()) {
                sb.append(Files.readString(p, StandardCharsets.UTF_8));
            }
            return sb.toString();
        }
    }

    static String hdfsData(String dir) throws IOException {
        org.apache.hadoop.fs.Path d = new org.apache.hadoop.fs.Path(dir);
        if (fs.getFileStatus(d).isFile()) {
            try (var in = fs.open(d)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        StringBuilder sb = new StringBuilder();
        List<FileStatus> files = new ArrayList<>(List.of(fs.listStatus(d)));
        files.sort((a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
        for (FileStatus f : files) {
            String n = f.getPath().getName();
            if (f.isFile() && !n.startsWith("_") && !n.startsWith(".")) {
                try (var in = fs.open(f.getPath())) {
                    sb.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
        return sb.toString();
    }

    static List<String> lines(String s) {
        return s.isEmpty() ? List.of() : List.of(s.split("\n"));
    }

    static void put(String text, String path) throws IOException {
        try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(path), true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    static org.apache.hadoop.fs.Path local(Path p) {
        return new org.apache.hadoop.fs.Path(p.toAbsolutePath().toUri());
    }

    static Path shared(String rel) {
        Path p = Path.of(System.getProperty("drafthorse.shared", "../../shared"))
                .resolve(rel)
                .toAbsolutePath()
                .normalize();
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " not found (set -Ddrafthorse.shared=DIR)");
        }
        return p;
    }

    /**
     * The cluster's whole configuration as each of the site files in dir: a job client loads mapred-default.xml
     * (mapreduce.framework.name=local) after core-site.xml, so the values must come back in mapred-site.xml and
     * yarn-site.xml too, as on a real node.
     */
    static void writeSite(Configuration conf, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String name : List.of("core-site.xml", "hdfs-site.xml", "mapred-site.xml", "yarn-site.xml")) {
            try (OutputStream out = Files.newOutputStream(dir.resolve(name))) {
                conf.writeXml(out);
            }
        }
    }

    static void log(String msg) {
        System.err.println("[oozie-it] " + msg);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
