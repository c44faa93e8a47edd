package dev.drafthorse.hive;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.hive.common.io.SessionStream;
import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.ql.IDriver;
import org.apache.hadoop.hive.ql.metadata.Hive;
import org.apache.hadoop.hive.ql.processors.CommandProcessor;
import org.apache.hadoop.hive.ql.processors.CommandProcessorException;
import org.apache.hadoop.hive.ql.processors.CommandProcessorFactory;
import org.apache.hadoop.hive.ql.session.SessionState;

/**
 * An in-process Hive 4.1 for trying the Drafthorse functions without a cluster: {@code drafthorse hive -f
 * FILE | -e SQL [--metastore DIR]}.
 *
 * <p>Each run gets a fresh metastore in in-memory Derby and a warehouse in a temporary directory, both
 * gone when it ends, unless {@code --metastore DIR} names a directory that keeps them (Derby files in
 * {@code DIR/metastore_db}, tables in {@code DIR/warehouse}) from one run to the next. Queries run on the
 * MapReduce engine with Hadoop's local job runner; a {@code SELECT} with a lateral view is answered by a
 * fetch task without a job. The Drafthorse functions are registered as temporary functions first.
 *
 * <p>Result rows go to stdout, cells separated by tabs and printed as Hive renders them (no trimming;
 * {@code NULL} for null); everything else goes to stderr. Exit code 0 on success, 2 on bad arguments (usage
 * on stderr), 1 when a statement fails (the statement's line and Hive's message on stderr; later statements
 * do not run).
 */
public final class EmbeddedHive implements AutoCloseable {
    static final String USAGE = "usage: drafthorse hive (-f FILE | -e SQL) [--metastore DIR] [--hiveconf KEY=VALUE]...";
    private static final String HELP = """
            Runs HiveQL in an in-process Hive %s (local metastore, local MapReduce) with the Drafthorse
            functions registered: %s.
              -f FILE             run the statements in FILE (separated by ';')
              -e SQL              run the statements in SQL
              --metastore DIR     keep the metastore and warehouse in DIR across runs (default: fresh per run)
              --hiveconf K=V      set a Hive or Hadoop property for the session (repeatable)
            Result rows go to stdout, tab-separated; logs go to stderr.
            """;

    private final Path workDir;
    private final HiveConf conf;
    private final SessionState session;
    private final PrintStream out;

    private EmbeddedHive(Path workDir, HiveConf conf, SessionState session, PrintStream out) {
        this.workDir = workDir;
        this.conf = conf;
        this.session = session;
        this.out = out;
    }

    public static void main(String[] args) {
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "drafthorse-hive-log4j2.properties");
        }
        System.exit(run(args));
    }

    /** Runs the command; returns its exit code (never calls {@code System.exit}). */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String script = null;
        String scriptName = null;
        Path metastore = null;
        Map<String, String> settings = new LinkedHashMap<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> {
                        out.print(USAGE + "\n"
                                + HELP.formatted(
                                        org.apache.hive.common.util.HiveVersionInfo.getVersion(),
                                        String.join(", ", Functions.all().keySet())));
                        return 0;
                    }
                    case "-e" -> {
                        requireNone(script, a);
                        script = value(args, ++i, a);
                        scriptName = "-e";
                    }
                    case "-f" -> {
                        requireNone(script, a);
                        Path f = Path.of(value(args, ++i, a));
                        if (!Files.isRegularFile(f)) {
                            throw new IllegalArgumentException("-f " + f + ": no such file");
                        }
                        script = Files.readString(f, StandardCharsets.UTF_8);
                        scriptName = f.toString();
                    }
                    case "--metastore" -> metastore = Path.of(value(args, ++i, a));
                    case "--hiveconf" -> {
                        String kv = value(args, ++i, a);
                        int eq = kv.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--hiveconf wants KEY=VALUE, got '" + kv + "'");
                        }
                        settings.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                    default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
                }
            }
            if (script == null) {
                throw new IllegalArgumentException("one of -f FILE or -e SQL is required");
            }
        } catch (IllegalArgumentException | IOException e) {
            err.println("drafthorse hive: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }

        List<HiveScript.Statement> statements;
        try {
            statements = HiveScript.split(script);
        } catch (IllegalArgumentException e) {
            err.println("drafthorse hive: " + scriptName + ": " + e.getMessage());
            return 1;
        }
        try (EmbeddedHive hive = open(metastore, settings, out, err)) {
            for (HiveScript.Statement s : statements) {
                try {
                    long t0 = System.nanoTime();
                    int rows = hive.execute(s.text());
                    // As Hive's own command line does: the time on stderr, so scripts can be timed without stdout
                    // noise.
                    err.printf(
                            java.util.Locale.ROOT,
                            "Time taken: %.3f seconds%s (line %d)%n",
                            (System.nanoTime() - t0) / 1e9,
                            rows > 0 ? ", Fetched: " + rows + " row(s)" : "",
                            s.line());
                } catch (StatementException e) {
                    err.println("drafthorse hive: " + scriptName + ": the statement on line " + s.line() + " failed: "
                            + e.getMessage());
                    return 1;
                }
            }
            return 0;
        } catch (IOException e) {
            // Setting up or closing the session failed (not a statement): name what and why.
            err.println("drafthorse hive: the embedded Hive session failed: " + e);
            return 1;
        }
    }

    private static void requireNone(String script, String option) {
        if (script != null) {
            throw new IllegalArgumentException(option + ": give only one of -f FILE and -e SQL");
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /**
     * Starts a session on this thread (Hive keeps its session per thread).
     *
     * @param metastoreDir where a persistent metastore and warehouse live, or null for fresh ones
     * @param settings Hive or Hadoop properties applied last
     * @param out where result rows go
     * @param err where Hive's progress and messages go
     */
    public static EmbeddedHive open(Path metastoreDir, Map<String, String> settings, PrintStream out, PrintStream err)
            throws IOException {
        Path work = Files.createTempDirectory("drafthorse-hive-");
        if (System.getProperty("derby.stream.error.file") == null) {
            // Derby writes derby.log into the working directory unless told otherwise.
            System.setProperty(
                    "derby.stream.error.file", work.resolve("derby.log").toString());
        }
        HiveConf conf = new HiveConf();
        String jdbc;
        Path warehouse;
        if (metastoreDir == null) {
            jdbc = "jdbc:derby:memory:ms_" + UUID.randomUUID().toString().replace("-", "") + ";create=true";
            warehouse = work.resolve("warehouse");
        } else {
            Path dir = metastoreDir.toAbsolutePath();
            Files.createDirectories(dir);
            jdbc = "jdbc:derby:" + dir.resolve("metastore_db") + ";create=true";
            warehouse = dir.resolve("warehouse");
        }
        Files.createDirectories(warehouse);
        Map<String, String> s = new LinkedHashMap<>();
        s.put("javax.jdo.option.ConnectionURL", jdbc);
        s.put("javax.jdo.option.ConnectionDriverName", "org.apache.derby.jdbc.EmbeddedDriver");
        s.put("javax.jdo.option.ConnectionUserName", "APP");
        s.put("javax.jdo.option.ConnectionPassword", "mine");
        s.put("datanucleus.schema.autoCreateAll", "true");
        s.put("hive.metastore.schema.verification", "false");
        // The schema is created lazily (autoCreateAll), so direct SQL would fail first and log each fallback.
        s.put("hive.metastore.try.direct.sql", "false");
        s.put("hive.metastore.try.direct.sql.ddl", "false");
        s.put("hive.metastore.uris", "");
        s.put("hive.metastore.warehouse.dir", warehouse.toUri().toString());
        s.put("hive.metastore.warehouse.external.dir", warehouse.toUri().toString());
        s.put("fs.defaultFS", "file:///");
        // Tez, the default engine, is not on the classpath; MapReduce on the local job runner is.
        s.put("hive.execution.engine", "mr");
        s.put("mapreduce.framework.name", "local");
        s.put("hive.exec.mode.local.auto", "true");
        // Map joins build their hash table in this JVM: forking a child needs a `hadoop` binary, which is not there.
        s.put("hive.exec.submit.local.task.via.child", "false");
        s.put("hive.support.concurrency", "false");
        s.put("hive.txn.manager", "org.apache.hadoop.hive.ql.lockmgr.DummyTxnManager");
        s.put("hive.stats.autogather", "false");
        s.put("hive.stats.column.autogather", "false");
        // Else a background thread persists runtime statistics through a second Derby in the working directory.
        s.put("hive.query.reexecution.stats.persist.scope", "query");
        s.put("hive.query.results.cache.enabled", "false");
        s.put("hive.cli.print.header", "false");
        s.put("hive.exec.scratchdir", work.resolve("scratch").toString());
        s.put("hive.exec.local.scratchdir", work.resolve("local-scratch").toString());
        s.put("hive.downloaded.resources.dir", work.resolve("resources").toString());
        s.put("hive.querylog.location", work.resolve("querylog").toString());
        s.put(
                "hive.server2.logging.operation.log.location",
                work.resolve("operation-logs").toString());
        s.put("mapreduce.jobtracker.staging.root.dir", work.resolve("staging").toString());
        s.put("yarn.app.mapreduce.am.staging-dir", work.resolve("staging").toString());
        s.put("mapreduce.cluster.local.dir", work.resolve("mapred-local").toString());
        s.putAll(settings);
        s.forEach(conf::set);

        SessionState ss = new SessionState(conf);
        ss.out = new SessionStream(out, true, StandardCharsets.UTF_8.name());
        ss.info = new SessionStream(err, true, StandardCharsets.UTF_8.name());
        ss.err = new SessionStream(err, true, StandardCharsets.UTF_8.name());
        ss.childOut = ss.info; // a child JVM's stdout is progress, not results
        ss.childErr = ss.err;
        boolean started = false;
        try {
            SessionState.start(ss);
            started = true;
            EmbeddedHive hive = new EmbeddedHive(work, conf, ss, out);
            for (String ddl : Functions.temporaryDdl()) {
                hive.execute(ddl);
            }
            return hive;
        } catch (StatementException e) {
            throw new IOException("registering the Drafthorse functions failed: " + e.getMessage(), e);
        } finally {
            if (!started) {
                deleteTree(work);
            }
        }
    }

    /** The session's configuration (changes apply to later statements). */
    public HiveConf conf() {
        return conf;
    }

    /** Runs one statement and prints its result rows, if any, to this session's stdout; returns how many. */
    public int execute(String statement) throws StatementException {
        int[] n = {0};
        run(statement, row -> {
            out.println(row);
            n[0]++;
        });
        return n[0];
    }

    /** Runs one statement and returns its result rows (cells tab-separated), printing nothing. */
    public List<String> query(String statement) throws StatementException {
        List<String> rows = new ArrayList<>();
        run(statement, rows::add);
        return rows;
    }

    private void run(String statement, java.util.function.Consumer<String> rowSink) throws StatementException {
        SessionState.setCurrentSessionState(session);
        String trimmed = statement.trim();
        String[] tokens = trimmed.split("\\s+");
        CommandProcessor proc;
        try {
            proc = CommandProcessorFactory.get(tokens, conf);
        } catch (java.sql.SQLException e) {
            throw new StatementException(e.getMessage(), e);
        }
        try {
            if (proc instanceof IDriver driver) {
                try {
                    driver.run(trimmed);
                    List<String> batch = new ArrayList<>();
                    while (driver.getResults(batch)) {
                        batch.forEach(rowSink);
                        batch.clear();
                    }
                } finally {
                    driver.close();
                    driver.destroy();
                }
            } else {
                // SET, ADD FILE, RESET, ...: the processor takes the command without its first word.
                proc.run(trimmed.substring(tokens[0].length()).trim());
            }
        } catch (CommandProcessorException e) {
            String msg = e.getMessage() != null ? e.getMessage() : e.toString();
            throw new StatementException(msg, e);
        } catch (IOException e) {
            throw new StatementException("fetching results failed: " + e, e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            session.close();
        } finally {
            Hive.closeCurrent();
            deleteTree(workDir);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println(
                    "drafthorse hive: could not delete the temporary directory " + dir + ": " + e.getMessage());
        }
    }

    /** A statement that Hive refused or that failed while running. */
    public static final class StatementException extends Exception {
        private static final long serialVersionUID = 1L;

        StatementException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
