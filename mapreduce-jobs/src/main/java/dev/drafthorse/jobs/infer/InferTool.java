package dev.drafthorse.jobs.infer;

import dev.drafthorse.cli.Args;
import dev.drafthorse.cli.UsageException;
import dev.drafthorse.jobs.CacheFiles;
import dev.drafthorse.jobs.Commits;
import dev.drafthorse.jobs.OutputClaim;
import dev.drafthorse.jobs.TaskFailures;
import dev.drafthorse.jobs.TaskJvm;
import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.model.ModelConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.commons.cli.Options;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.conf.Configured;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Counter;
import org.apache.hadoop.mapreduce.Counters;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.MRJobConfig;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.output.FileOutputCommitter;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;
import org.apache.hadoop.util.Tool;
import org.apache.hadoop.util.ToolRunner;

/**
 * {@code infer}: a map-only MapReduce job that runs every input row through the engine. One command, two runners:
 * the local job runner on the local filesystem by default, YARN under {@code hadoop jar} (or with
 * {@code -D mapreduce.framework.name=yarn}).
 *
 * <p>The driver turns options into {@link InferKey} settings, validates them (exit 2 naming the key), ships the
 * model through the distributed cache, gives the task JVMs the Vector API module, submits, reports progress on
 * stderr, and checks the rejected fraction at the end (exit 1 and no {@code _SUCCESS} when it is exceeded).
 */
public final class InferTool extends Configured implements Tool {
    static final String USAGE =
            "drafthorse infer [-D key=value ...] [-conf job.xml] --input DIR[,DIR...] --output DIR -m MODEL.gguf"
                    + " [--mode generate|score|embed] [--candidates A,B,...] [--pooling mean|last|cls] [--normalize l2|none]"
                    + " [-n N] [--batch B] [--threads T] [--draft DRAFT.gguf | --lookup]"
                    + " [--temperature T --seed S ...] [--chat [--system TEXT]] [--date YYYY-MM-DD] [--format jsonl|tsv|orc|parquet]"
                    + " [--input-format auto|jsonl|tsv|text|orc|parquet] [--id-col C] [--prompt-col C]"
                    + " [--field-delimiter D] [--escape-char E] [--resume OLD_OUTPUT] [--dry-run]"
                    + " [--rows-per-task N] [--max-reject-fraction F]"
                    + " [--properties FILE]";

    /** Options that map one-to-one onto keys. */
    private static final Map<String, InferKey> OPTION_KEYS = new TreeMap<>(Map.ofEntries(
            Map.entry("model", InferKey.MODEL),
            Map.entry("draft", InferKey.DRAFT),
            Map.entry("mode", InferKey.MODE),
            Map.entry("candidates", InferKey.CANDIDATES),
            Map.entry("max-tokens", InferKey.MAX_NEW_TOKENS),
            Map.entry("temperature", InferKey.TEMPERATURE),
            Map.entry("top-k", InferKey.TOP_K),
            Map.entry("top-p", InferKey.TOP_P),
            Map.entry("min-p", InferKey.MIN_P),
            Map.entry("seed", InferKey.SEED),
            Map.entry("ctx-size", InferKey.CTX_SIZE),
            Map.entry("batch", InferKey.BATCH),
            Map.entry("max-kv-positions", InferKey.MAX_KV_POSITIONS),
            Map.entry("threads", InferKey.THREADS),
            Map.entry("lookup-ngram", InferKey.LOOKUP_NGRAM),
            Map.entry("draft-max", InferKey.DRAFT_MAX),
            Map.entry("format", InferKey.FORMAT),
            Map.entry("input-format", InferKey.INPUT_FORMAT),
            Map.entry("id-col", InferKey.ID_COL),
            Map.entry("prompt-col", InferKey.PROMPT_COL),
            Map.entry("field-delimiter", InferKey.FIELD_DELIMITER),
            Map.entry("escape-char", InferKey.ESCAPE_CHAR),
            Map.entry("resume", InferKey.RESUME),
            Map.entry("rows-per-task", InferKey.ROWS_PER_TASK),
            Map.entry("max-reject-fraction", InferKey.MAX_REJECT_FRACTION),
            Map.entry("system", InferKey.SYSTEM),
            Map.entry("date", InferKey.DATE),
            Map.entry("pooling", InferKey.POOLING),
            Map.entry("normalize", InferKey.NORMALIZE)));

    private final PrintStream err;

    public InferTool() {
        this(System.err);
    }

    InferTool(PrintStream err) {
        this.err = err;
    }

    /** Entry point of the {@code infer} command: Hadoop's generic options, then ours. */
    /** Runs the command as {@code hadoop jar} does: Hadoop's generic options, then ours; returns the exit code. */
    public static int launch(String[] args) throws Exception {
        return ToolRunner.run(new Configuration(), new InferTool(), args);
    }

    public static void main(String[] args) throws Exception {
        System.exit(launch(args));
    }

    static Options options() {
        Options o = new Options();
        o.addOption(Args.opt(
                "i", "input", "DIR", "input files or directories (comma-separated; Hive table directories work)"));
        o.addOption(
                Args.opt("o", "output", "DIR", "output directory (must not exist): part-* files, _SUCCESS, _rejects/"));
        o.addOption(Args.opt(
                "m",
                "model",
                "MODEL.gguf",
                "the GGUF model: any Hadoop filesystem URI or a path on the default filesystem"));
        o.addOption(Args.opt(null, "mode", "MODE", "generate (default), score or embed"));
        o.addOption(Args.opt(
                null, "pooling", "P", "embed: mean, last or cls (default: the GGUF's pooling_type, else mean)"));
        o.addOption(Args.opt(null, "normalize", "N", "embed: l2 (default) or none"));
        o.addOption(Args.opt(
                "c", "candidates", "A,B,...", "score mode: candidates for rows without their own candidates array"));
        o.addOption(Args.opt("n", "max-tokens", "N", "generate: tokens per row at most (default 128)"));
        o.addOption(Args.opt("b", "batch", "B", "sequences decoded together per task (default 16)"));
        o.addOption(Args.opt(
                "t",
                "threads",
                "T",
                "kernel threads per task (default: the container's vcores; all processors locally)"));
        o.addOption(
                Args.opt(null, "draft", "DRAFT.gguf", "speculative decoding with this draft model (same vocabulary)"));
        o.addOption(Args.flag("lookup", "speculative decoding by n-gram lookup"));
        o.addOption(Args.opt(null, "lookup-ngram", "N", "longest suffix matched by --lookup (default 3)"));
        o.addOption(Args.opt(null, "draft-max", "K", "longest draft (default 8)"));
        o.addOption(Args.opt(null, "temperature", "T", "0 = greedy (default), else sample"));
        o.addOption(Args.opt(null, "top-k", "K", "top-k filter (0 = off)"));
        o.addOption(Args.opt(null, "top-p", "P", "nucleus mass (1 = off)"));
        o.addOption(Args.opt(null, "min-p", "P", "min-p filter (0 = off)"));
        o.addOption(
                Args.opt(null, "seed", "S", "seed (default 0); each row samples from a stream seeded by (seed, id)"));
        o.addOption(Args.opt(null, "ctx-size", "N", "context window per row (default: the model's trained context)"));
        o.addOption(Args.opt(
                null,
                "max-kv-positions",
                "N",
                "KV positions of all active sequences of a task at most (default unbounded)"));
        o.addOption(Args.opt(
                null,
                "format",
                "FMT",
                "jsonl (default), tsv, orc or parquet (ORC and Parquet compressed by default; text outputs follow"
                        + " mapreduce.output.fileoutputformat.compress)"));
        o.addOption(Args.opt(
                null,
                "input-format",
                "FMT",
                "auto (default: ORC/Parquet by magic bytes, .jsonl/.json by name, compression suffix removed), jsonl,"
                        + " tsv, text (a Hive text table), orc or parquet"));
        o.addOption(Args.opt(
                null, "id-col", "C", "ORC/Parquet: the id column (default id); Hive text: its number (default 1)"));
        o.addOption(Args.opt(
                null,
                "prompt-col",
                "C",
                "ORC/Parquet: the prompt column (default prompt); Hive text: its number (default 2)"));
        o.addOption(Args.opt(
                null,
                "field-delimiter",
                "D",
                "read non-JSON text as a Hive text table with this field delimiter (\\001 is Hive's default)"));
        o.addOption(Args.opt(
                null,
                "escape-char",
                "E",
                "Hive text tables: the escape character (ESCAPED BY) they were written with"));
        o.addOption(Args.opt(
                null,
                "resume",
                "OLD_OUTPUT",
                "skip the rows whose id is in a previous run's output (finished or killed) and copy its rows into the"
                        + " new output"));
        o.addOption(Args.flag(
                "dry-run",
                "tokenize a sample, time prefill and decode with the model here, and print the estimated rows, tokens,"
                        + " CPU-hours and map tasks without running the job"));
        o.addOption(
                Args.opt(null, "rows-per-task", "N", "input lines per map task (default: one task per file block)"));
        o.addOption(Args.opt(null, "max-reject-fraction", "F", "fail when rejected/input rows exceed F (default 0.1)"));
        o.addOption(Args.flag(
                "chat",
                "every prompt becomes one user message for the model's chat template (rows with"
                        + " \"messages\" always go through it)"));
        o.addOption(Args.opt(null, "system", "TEXT", "with --chat: a system message before each user message"));
        o.addOption(Args.opt(
                null,
                "date",
                "YYYY-MM-DD",
                "the date strftime_now reads in chat templates (default: today, UTC," + " fixed for the whole job)"));
        o.addOption(Args.opt(
                null, "properties", "FILE", "a Java properties file of job settings (-D and options win over it)"));
        return o;
    }

    static String description() {
        StringBuilder b = new StringBuilder(
                "Runs every input row through the model as a map-only MapReduce job: locally by default, on YARN"
                        + " under hadoop jar or -D mapreduce.framework.name=yarn. ORC and Parquet files (by their magic"
                        + " bytes) are read by column (--id-col, --prompt-col); files ending .jsonl/.json (a compression"
                        + " suffix removed) are JSON lines {\"id\", \"prompt\", per-row options} ({\"id\", \"text\"} in"
                        + " embed mode); others id<TAB>prompt, or Hive text tables with --input-format text or"
                        + " --field-delimiter."
                        + " Configuration keys (-D key=value):\n");
        for (InferKey k : InferKey.values()) {
            b.append("  ")
                    .append(k.key())
                    .append(k.defaultValue() == null ? " (required)" : " (default '" + k.defaultValue() + "')")
                    .append(": ")
                    .append(k.description())
                    .append('\n');
        }
        return b.toString();
    }

    @Override
    public int run(String[] args) throws Exception {
        for (String s : args) {
            if (s.equals("-D")
                    || s.equals("-conf")
                    || s.equals("-files")
                    || s.equals("-libjars")
                    || s.equals("-fs")
                    || s.equals("-jt")) {
                throw new UsageException(
                        "Hadoop's generic option " + s + " goes before the command's own options (as in hadoop jar:"
                                + " infer -D key=value --input ...)\nusage: " + USAGE);
            }
        }
        Args a = Args.parse(USAGE, description(), options(), args);
        if (a == null) {
            return 0;
        }
        if (a.rest().length > 0) {
            throw new UsageException("unexpected argument '" + a.rest()[0] + "'\nusage: " + USAGE);
        }
        // mapred-site.xml and yarn-site.xml (mapreduce.framework.name, the vcores) before reading any setting.
        org.apache.hadoop.mapreduce.util.ConfigUtil.loadResources();
        Configuration conf = getConf();
        if (a.has("properties")) {
            applyProperties(conf, java.nio.file.Path.of(a.require("properties")));
        }
        for (Map.Entry<String, InferKey> e : OPTION_KEYS.entrySet()) {
            if (a.has(e.getKey())) {
                conf.set(e.getValue().key(), a.get(e.getKey(), null), "from the infer command line");
            }
        }
        if (a.has("lookup")) {
            conf.set(InferKey.LOOKUP.key(), "true");
        }
        if (a.has("chat")) {
            conf.set(InferKey.CHAT.key(), "true");
        }
        String input = a.require("input");
        boolean dryRun = a.has("dry-run");
        Path output = dryRun && !a.has("output") ? null : new Path(a.require("output"));
        InferSettings s;
        try {
            s = InferSettings.from(conf);
            EmbedSettings.from(conf, s);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        // One date for the whole job: tasks and their retries render strftime_now alike.
        conf.set(InferKey.DATE.key(), s.date().toString());
        if (a.has("threads")) {
            // Ask YARN for as many vcores as the task will keep busy.
            conf.setInt(MRJobConfig.MAP_CPU_VCORES, s.threads());
        }
        TaskJvm.addEngineOptions(conf, MRJobConfig.MAP_JAVA_OPTS);
        // Algorithm 1 and _SUCCESS, whatever the configuration says: a task's output moves into the job's only when
        // that
        // attempt commits, and the job's only at job commit, so failed, killed and speculative attempts never leave
        // rows
        // behind, and a failed job leaves none in the output directory.
        Commits.enforce(conf, err, "drafthorse infer");
        conf.setIfUnset(FileInputFormat.INPUT_DIR_RECURSIVE, "true");

        Job job = Job.getInstance(conf);
        if (conf.get(MRJobConfig.JOB_NAME) == null) {
            // A user's -D mapreduce.job.name stands; only an unnamed job gets ours.
            job.setJobName("drafthorse infer " + s.mode().label() + " " + input);
        }
        job.setJarByClass(InferTool.class);
        job.setMapperClass(InferMapper.class);
        job.setNumReduceTasks(0);
        job.setOutputKeyClass(Text.class);
        job.setOutputValueClass(Text.class);
        job.setOutputFormatClass(InferOutputFormat.class);
        // Every file as its kind says (JSON lines, TSV, Hive text, ORC, Parquet); --rows-per-task cuts text by lines.
        job.setInputFormatClass(InferInputFormat.class);
        for (String in : input.split(",")) {
            Path p = new Path(in.trim());
            if (!p.getFileSystem(conf).exists(p)) {
                err.println("drafthorse infer: no such input: "
                        + p.getFileSystem(conf).makeQualified(p));
                return 1;
            }
            FileInputFormat.addInputPath(job, p);
        }
        if (dryRun) {
            URI m = modelUri(conf, s.model());
            return m == null ? 1 : new DryRun(conf, s).run(job, m, System.out, err);
        }
        FileOutputFormat.setOutputPath(job, output);
        if (output.getFileSystem(conf).exists(output)) {
            err.println("drafthorse infer: output directory already exists: "
                    + output.getFileSystem(conf).makeQualified(output));
            return 1;
        }
        URI model = modelUri(conf, s.model());
        if (model == null) {
            return 1;
        }
        // A link name of this job's own: never a link another job (or a killed one) left in the working directory.
        CacheFiles.add(job, model, InferMapper.MODEL_ROLE, ".gguf");
        if (!s.draft().isEmpty()) {
            URI draft = modelUri(conf, s.draft());
            if (draft == null) {
                return 1;
            }
            CacheFiles.add(job, draft, InferMapper.DRAFT_ROLE, ".gguf");
        }

        // One job per output directory: the loser of a race stops here, saying so (not "failed: NA" after submitting).
        FileSystem ofs = output.getFileSystem(conf);
        Path claim;
        try {
            claim = OutputClaim.claim(ofs, ofs.makeQualified(output), job.getJobName());
        } catch (IOException e) {
            err.println("drafthorse infer: " + e.getMessage());
            return 1;
        }
        Path idsFile = null;
        try {
            String resume = conf.get(InferKey.RESUME.key(), "");
            if (!resume.isEmpty()) {
                Path old = new Path(resume);
                FileSystem rfs = old.getFileSystem(conf);
                if (!rfs.exists(old) || !rfs.getFileStatus(old).isDirectory()) {
                    err.println("drafthorse infer: " + InferKey.RESUME.key() + ": no such output directory: "
                            + rfs.makeQualified(old));
                    return 1;
                }
                if (rfs.makeQualified(old).equals(ofs.makeQualified(output))) {
                    err.println("drafthorse infer: " + InferKey.RESUME.key()
                            + " names the output directory itself: resume into a new directory");
                    return 1;
                }
                Resume.Prepared r;
                try {
                    r = Resume.prepare(conf, rfs.makeQualified(old), ofs.makeQualified(output), s.format());
                } catch (IllegalArgumentException e) {
                    err.println("drafthorse infer: " + e.getMessage());
                    return 1;
                }
                idsFile = r.idsFile();
                CacheFiles.add(job, ofs.makeQualified(idsFile).toUri(), Resume.ROLE, ".txt");
                err.printf(
                        "drafthorse infer: resuming %s: %d rows done in %d files, copied into the output;"
                                + " those ids are skipped%n",
                        rfs.makeQualified(old), r.rows(), r.files());
            }
            return runClaimed(job, conf, output, s);
        } finally {
            if (idsFile != null) {
                ofs.delete(idsFile, false);
            }
            OutputClaim.release(ofs, claim);
        }
    }

    private int runClaimed(Job job, Configuration conf, Path output, InferSettings s)
            throws IOException, InterruptedException, ClassNotFoundException {
        long start = System.nanoTime();
        job.submit();
        err.printf(
                "drafthorse infer: submitted %s (%s) on the %s runner%n",
                job.getJobID(), job.getJobName(), conf.get("mapreduce.framework.name", "local"));
        String last = "";
        while (!job.isComplete()) {
            Thread.sleep(1000);
            String now = String.format(Locale.ROOT, "map %.0f%%", job.mapProgress() * 100);
            if (!now.equals(last)) {
                err.println("drafthorse infer: " + now);
                last = now;
            }
        }
        boolean ok = job.isSuccessful();
        Counters counters = job.getCounters();
        if (!ok) {
            List<String> errors = TaskFailures.of(job);
            err.printf("drafthorse infer: job %s failed: %s%n", job.getJobID(), TaskFailures.reason(job, errors));
            if (errors.size() > 1) {
                for (String e : errors) {
                    err.println("drafthorse infer:   failed attempt " + e);
                }
            }
            return 1;
        }
        dropChecksumFiles(output.getFileSystem(conf), output);
        long in = counters.findCounter(InferCounter.ROWS_IN).getValue();
        long rejected = counters.findCounter(InferCounter.ROWS_REJECTED).getValue();
        StringBuilder summary = new StringBuilder();
        for (Counter c : counters.getGroup(InferCounter.class.getName())) {
            summary.append(summary.length() == 0 ? "" : ", ")
                    .append(c.getName().toLowerCase(Locale.ROOT))
                    .append(' ')
                    .append(c.getValue());
        }
        err.printf("drafthorse infer: done in %.1f s: %s%n", (System.nanoTime() - start) / 1e9, summary);
        if (in > 0 && rejected > s.maxRejectFraction() * in) {
            FileSystem fs = output.getFileSystem(conf);
            fs.delete(new Path(output, FileOutputCommitter.SUCCEEDED_FILE_NAME), false);
            err.printf(
                    "drafthorse infer: %d of %d rows rejected (%.3f > %s=%s): see %s; the job counts as failed%n",
                    rejected,
                    in,
                    (double) rejected / in,
                    InferKey.MAX_REJECT_FRACTION.key(),
                    s.maxRejectFraction(),
                    fs.makeQualified(new Path(output, InferOutputFormat.REJECTS_DIR)));
            return 1;
        }
        if (rejected > 0) {
            err.printf(
                    "drafthorse infer: %d rejected rows, with their reasons, in %s%n",
                    rejected, new Path(output, InferOutputFormat.REJECTS_DIR));
        }
        return 0;
    }

    /**
     * The local filesystem writes a hidden {@code .NAME.crc} beside every file; the output directory's contract is
     * part files, {@code _SUCCESS} and {@code _rejects/} only, so they go (HDFS keeps its checksums elsewhere).
     */
    static void dropChecksumFiles(FileSystem fs, Path dir) throws IOException {
        if (!(fs instanceof org.apache.hadoop.fs.ChecksumFileSystem cfs)) {
            return;
        }
        FileSystem raw = cfs.getRawFileSystem();
        for (Path d : new Path[] {dir, new Path(dir, InferOutputFormat.REJECTS_DIR)}) {
            if (!raw.exists(d)) {
                continue;
            }
            for (org.apache.hadoop.fs.FileStatus st : raw.listStatus(d)) {
                if (st.isFile() && cfs.isChecksumFile(st.getPath())) {
                    raw.delete(st.getPath(), false);
                }
            }
        }
    }

    /**
     * A model URI, qualified on its filesystem and checked (null, with the message printed, if it is unusable). A
     * model on the local filesystem is checked before any task starts: its GGUF header, tensor table and
     * hyperparameters, with the reader's message naming the file and the field (a truncated download, say). Models
     * on other filesystems are checked by the tasks, whose errors the driver prints.
     */
    private URI modelUri(Configuration conf, String s) throws IOException {
        Path p = new Path(s);
        FileSystem fs = p.getFileSystem(conf);
        Path q = fs.makeQualified(p);
        if (!fs.exists(q)) {
            err.println("drafthorse infer: no such model file: " + q);
            return null;
        }
        if (fs.getFileStatus(q).isDirectory()) {
            err.println("drafthorse infer: the model is a directory, not a GGUF file: " + q);
            return null;
        }
        if ("file".equals(q.toUri().getScheme())) {
            try {
                ModelConfig.from(GgufFile.open(java.nio.file.Path.of(q.toUri().getPath())));
            } catch (GgufException e) {
                err.println("drafthorse infer: " + e.getMessage());
                return null;
            }
        }
        return q.toUri();
    }

    /**
     * Loads a properties file under the command line: a key set by -D keeps its value; the file wins over -conf
     * files and the site configuration.
     */
    static void applyProperties(Configuration conf, java.nio.file.Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        for (String k : new java.util.TreeSet<>(p.stringPropertyNames())) {
            if (!fromCommandLine(conf, k)) {
                conf.set(k, p.getProperty(k).trim(), file.toString());
            }
        }
    }

    /** Whether {@code key} was set by -D (GenericOptionsParser records that source). */
    static boolean fromCommandLine(Configuration conf, String key) {
        String[] sources = conf.getPropertySources(key);
        if (sources != null) {
            for (String src : sources) {
                if (src.contains("command line")) {
                    return true;
                }
            }
        }
        return false;
    }
}
