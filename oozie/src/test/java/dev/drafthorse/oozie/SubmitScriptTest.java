package dev.drafthorse.oozie;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * scripts/submit.sh in its dry run: the commands it would run, checked against the shipped workflow.xml (the direct
 * mode must run each java action's arguments and each hive2 action's parameters, resolved from the same properties),
 * and its refusals (a missing property, an unknown option, no Oozie URL) with exit code 2 and the name of what is wrong.
 */
class SubmitScriptTest {
    static final String OOZIE = "http://oozie.example.com:11000/oozie";
    static Map<String, String> props;
    static String user = "tester";

    @BeforeAll
    static void load() throws Exception {
        Properties p = OozieApp.jobProperties();
        props = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
        props.put("user.name", user);
    }

    static Processes.Result submit(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/submit.sh"));
        cmd.addAll(List.of(args));
        Path log = Path.of("target/submit-test/" + String.join("_", args).replaceAll("[^A-Za-z0-9_-]", "") + ".log")
                .toAbsolutePath();
        return Processes.run(
                OozieApp.root(), log, 60, Map.of("USER", user, "OOZIE_URL", ""), cmd.toArray(new String[0]));
    }

    /** The dry run's commands, each split back into its words (the script prints them with printf %q). */
    static List<List<String>> commands(String stdout) {
        List<List<String>> out = new ArrayList<>();
        for (String line : stdout.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                out.add(words(line));
            }
        }
        return out;
    }

    static List<String> words(String line) {
        List<String> w = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean in = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
                in = true;
            } else if (c == ' ') {
                if (in) {
                    w.add(cur.toString());
                    cur.setLength(0);
                    in = false;
                }
            } else {
                cur.append(c);
                in = true;
            }
        }
        if (in) {
            w.add(cur.toString());
        }
        return w;
    }

    static String v(String key) {
        return Hive2Actions.resolve("${" + key + "}", props);
    }

    @Test
    void workflowRunUploadsRegistersAndSubmits() throws Exception {
        Processes.Result r = submit("--dry-run", "--oozie", OOZIE);
        assertEquals(0, r.code(), r.stderr());
        List<List<String>> cmds = commands(r.stdout());
        String app = v("appPath");
        assertEquals(List.of("hdfs", "dfs", "-mkdir", "-p", app + "/lib"), cmds.get(0));
        List<String> put = cmds.get(1);
        for (String f : List.of("workflow.xml", "coordinator.xml", "create-prompts.sql", "publish-predictions.sql")) {
            assertTrue(put.contains(OozieApp.app().resolve(f).toString()), "not uploaded: " + f + " in " + put);
        }
        assertEquals(app + "/", put.get(put.size() - 1));
        List<String> jar = cmds.get(2);
        assertTrue(jar.get(4).matches(".*/mapreduce-jobs/target/drafthorse-.*\\.jar"), jar.toString());
        String jarOnHdfs = jar.get(5);
        assertTrue(jarOnHdfs.startsWith(app + "/lib/drafthorse-"), jarOnHdfs);

        // Every function of drafthorse-functions.sql, registered in the workflow's database from the uploaded jar.
        List<String> beeline = cmds.get(3);
        assertEquals(List.of("beeline", "-u", v("hiveJdbcUrl"), "-e"), beeline.subList(0, 4));
        String sql = beeline.get(4);
        assertTrue(
                sql.startsWith(
                        "CREATE DATABASE IF NOT EXISTS " + v("hiveDatabase") + "; USE " + v("hiveDatabase") + ";"),
                sql);
        String ddl = Files.readString(
                OozieApp.root().resolve("hive-udtf/src/main/resources/drafthorse-functions.sql"),
                StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("CREATE FUNCTION (\\w+) AS '([\\w.]+)'").matcher(ddl);
        int n = 0;
        while (m.find()) {
            n++;
            assertTrue(
                    sql.contains("CREATE FUNCTION " + m.group(1) + " AS '" + m.group(2) + "' USING JAR '" + jarOnHdfs
                            + "';"),
                    sql);
        }
        assertEquals(7, n);

        assertEquals(
                List.of(
                        "oozie",
                        "job",
                        "-oozie",
                        OOZIE,
                        "-config",
                        OozieApp.dir().resolve("job.properties").toString(),
                        "-run"),
                cmds.get(cmds.size() - 1));
        assertEquals(5, cmds.size());
    }

    @Test
    void coordinatorUsesTheSamePropertiesWithTheCoordinatorPath() throws Exception {
        Processes.Result r = submit("--dry-run", "--coordinator", "--no-upload", "--oozie", OOZIE);
        assertEquals(0, r.code(), r.stderr());
        List<List<String>> cmds = commands(r.stdout());
        assertEquals(1, cmds.size(), r.stdout());
        List<String> oozie = cmds.get(0);
        assertEquals(List.of("oozie", "job", "-oozie", OOZIE, "-config"), oozie.subList(0, 5));
        Path derived = Path.of(oozie.get(5));
        try {
            Properties p = new Properties();
            p.load(new StringReader(Files.readString(derived, StandardCharsets.UTF_8)));
            assertFalse(p.containsKey("oozie.wf.application.path"));
            assertEquals(v("appPath"), p.getProperty("oozie.coord.application.path"));
            Properties shipped = OozieApp.jobProperties();
            for (String k : shipped.stringPropertyNames()) {
                if (!k.equals("oozie.wf.application.path")) {
                    assertEquals(shipped.getProperty(k), p.getProperty(k), k);
                }
            }
        } finally {
            Files.deleteIfExists(derived);
        }
    }

    @Test
    void directModeRunsTheWorkflowsActionsWithTheirArguments() throws Exception {
        Processes.Result r = submit("--dry-run", "--direct", "--no-upload");
        assertEquals(0, r.code(), r.stderr());
        List<List<String>> cmds = commands(r.stdout());

        // What workflow.xml runs, resolved with the same properties: java actions' <arg>s, hive2 actions' <param>s.
        var f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        var doc = f.newDocumentBuilder().parse(new InputSource(new StringReader(OozieApp.read("workflow.xml"))));
        List<List<String>> javaArgs = new ArrayList<>();
        List<List<String>> hiveParams = new ArrayList<>();
        NodeList actions = doc.getElementsByTagNameNS(Hive2Actions.WF, "action");
        for (int i = 0; i < actions.getLength(); i++) {
            Element a = (Element) actions.item(i);
            NodeList args = a.getElementsByTagNameNS(Hive2Actions.WF, "arg");
            if (args.getLength() > 0) {
                List<String> l = new ArrayList<>();
                for (int j = 0; j < args.getLength(); j++) {
                    l.add(Hive2Actions.resolve(args.item(j).getTextContent(), props));
                }
                javaArgs.add(l);
            }
            NodeList params = a.getElementsByTagNameNS(Hive2Actions.HIVE2, "param");
            if (params.getLength() > 0) {
                List<String> l = new ArrayList<>();
                for (int j = 0; j < params.getLength(); j++) {
                    l.add(Hive2Actions.resolve(params.item(j).getTextContent().trim(), props));
                }
                hiveParams.add(l);
            }
        }
        assertEquals(4, javaArgs.size());
        assertEquals(2, hiveParams.size());

        List<List<String>> hadoopJar = new ArrayList<>();
        List<List<String>> beeline = new ArrayList<>();
        for (List<String> c : cmds) {
            if (c.get(0).equals("hadoop")) {
                assertEquals("jar", c.get(1));
                hadoopJar.add(c.subList(3, c.size()));
            } else if (c.get(0).equals("beeline")) {
                List<String> vars = new ArrayList<>();
                for (int i = 0; i < c.size(); i++) {
                    if (c.get(i).equals("--hivevar")) {
                        vars.add(c.get(i + 1));
                    }
                }
                beeline.add(vars);
                assertEquals(v("hiveJdbcUrl"), c.get(2));
            }
        }
        assertEquals(javaArgs, hadoopJar);
        assertEquals(hiveParams, beeline);
        // Each step clears its output first, as the actions' <prepare> do.
        assertTrue(cmds.contains(List.of("hdfs", "dfs", "-rm", "-r", "-f", v("runDir") + "/scores/t0")), r.stdout());
        assertTrue(cmds.contains(List.of("hdfs", "dfs", "-rm", "-r", "-f", v("runDir") + "/predictions")), r.stdout());
    }

    @Test
    void refusesAMissingPropertyByName(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("site.properties");
        List<String> lines = new ArrayList<>(Files.readAllLines(OozieApp.dir().resolve("job.properties")));
        lines.removeIf(l -> l.startsWith("hiveJdbcUrl="));
        Files.write(config, lines);
        Processes.Result r = submit("--dry-run", "--oozie", OOZIE, "--config", config.toString());
        assertEquals(2, r.code(), r.stdout());
        assertTrue(r.stderr().contains("does not set 'hiveJdbcUrl'"), r.stderr());
    }

    @Test
    void refusesAnUnknownOptionAndAMissingOozieUrl() throws Exception {
        Processes.Result r = submit("--dry-run", "--frobnicate");
        assertEquals(2, r.code());
        assertTrue(
                r.stderr().contains("unknown argument '--frobnicate'")
                        && r.stderr().contains("usage:"),
                r.stderr());
        Processes.Result noUrl = submit("--dry-run", "--no-upload");
        assertEquals(2, noUrl.code());
        assertTrue(noUrl.stderr().contains("--oozie URL"), noUrl.stderr());
    }
}
