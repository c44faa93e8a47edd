package dev.drafthorse.jobs.heads;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.cli.Args;
import dev.drafthorse.cli.UsageException;
import dev.drafthorse.jobs.CacheFiles;
import dev.drafthorse.jobs.TaskFailures;
import dev.drafthorse.jobs.TaskJvm;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.conf.Configured;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.NullWritable;
import org.apache.hadoop.mapreduce.Counter;
import org.apache.hadoop.mapreduce.Counters;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.MRJobConfig;
import org.apache.hadoop.mapreduce.TaskReport;
import org.apache.hadoop.mapreduce.TaskType;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.NLineInputFormat;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;
import org.apache.hadoop.mapreduce.lib.output.LazyOutputFormat;
import org.apache.hadoop.mapreduce.lib.output.TextOutputFormat;
import org.apache.hadoop.util.Tool;
import org.apache.hadoop.util.ToolRunner;

/**
 * {@code train-heads} as a MapReduce job. The driver stages the prompts as {@code index<TAB>prompt} lines in a work
 * directory beside the output, split over map tasks by {@link NLineInputFormat} ({@code --prompts-per-task});
 * the {@link GenerateMapper}s load the model from the distributed cache and generate the training data; ONE
 * {@link HeadsTrainReducer} trains on all of it in prompt order (training is sequential; data-parallel SGD over
 * several reducers is not done) and writes the heads, the loss CSV and a summary through the output committer.
 * The driver then moves the heads to {@code -o} (any Hadoop filesystem), hands the CSV and summary to the command
 * (which writes the CSV and PNG locally, as in process) and removes the work directory.
 */
public final class TrainHeadsTool extends Configured implements Tool {
    /** The command line, as a JSON array: the tasks re-parse it into the same {@link TrainHeadsSpec}. */
    static final String ARGS_KEY = "drafthorse.train-heads.args";
    /** {@link CacheFiles} roles of the model and the evaluation prompts. */
    static final String MODEL_ROLE = "heads-model";

    static final String EVAL_ROLE = "heads-eval-prompts";
    static final String HEADS_FILE = "heads.gguf";
    static final String CSV_FILE = "loss.csv";
    static final String SUMMARY_FILE = "summary.json";

    private final PrintStream err;
    private final JobOutcome.Finisher finisher;

    TrainHeadsTool(PrintStream err, JobOutcome.Finisher finisher) {
        this.err = err;
        this.finisher = finisher;
    }

    /** Entry point of the {@code train-heads} command under Hadoop: generic options (-D ...), then ours. */
    public static int launch(String[] args, JobOutcome.Finisher finisher) throws Exception {
        return ToolRunner.run(new Configuration(), new TrainHeadsTool(System.err, finisher), args);
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
                throw new UsageException("Hadoop's generic option " + s
                        + " goes before the command's own options (train-heads -D key=value" + " -m ...)\nusage: "
                        + TrainHeadsSpec.USAGE);
            }
        }
        Args a = Args.parse(TrainHeadsSpec.USAGE, TrainHeadsSpec.DESCRIPTION, TrainHeadsSpec.options(), args);
        if (a == null) {
            return 0;
        }
        if (a.rest().length > 0) {
            throw new UsageException("unexpected argument '" + a.rest()[0] + "'\nusage: " + TrainHeadsSpec.USAGE);
        }
        TrainHeadsSpec spec = TrainHeadsSpec.parse(a);
        org.apache.hadoop.mapreduce.util.ConfigUtil.loadResources();
        Configuration conf = getConf();
        conf.set(ARGS_KEY, new ObjectMapper().writeValueAsString(args));

        URI model = existing(conf, spec.model(), "-m").toUri();
        Path prompts = existing(conf, spec.prompts(), "--prompts");
        URI eval = spec.evalPrompts() == null
                ? null
                : existing(conf, spec.evalPrompts(), "--eval-prompts").toUri();
        if (eval != null
                && existing(conf, spec.evalPrompts(), "--eval-prompts")
                                .getFileSystem(conf)
                                .getFileStatus(existing(conf, spec.evalPrompts(), "--eval-prompts"))
                                .getLen()
                        == 0) {
            throw new UsageException("--eval-prompts: " + spec.evalPrompts() + " has no prompts (one per line)");
        }
        Path out = new Path(spec.output());
        FileSystem ofs = out.getFileSystem(conf);
        out = ofs.makeQualified(out);
        if (out.getParent() == null
                || !ofs.exists(out.getParent())
                || !ofs.getFileStatus(out.getParent()).isDirectory()) {
            throw new UsageException("-o: " + out.getParent() + " is not a directory");
        }
        Path work = new Path(out.getParent(), "." + out.getName() + ".train-heads-" + UUID.randomUUID());
        try {
            return runJob(conf, spec, model, prompts, eval, out, ofs, work);
        } finally {
            ofs.delete(work, true);
        }
    }

    private int runJob(
            Configuration conf,
            TrainHeadsSpec spec,
            URI model,
            Path prompts,
            URI eval,
            Path out,
            FileSystem ofs,
            Path work)
            throws Exception {
        // Stage the prompts with their index: a map task then knows each prompt's place in the file.
        Path staged = new Path(work, "prompts.tsv");
        long n = 0;
        try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(prompts.getFileSystem(conf).open(prompts), StandardCharsets.UTF_8));
                BufferedWriter w =
                        new BufferedWriter(new OutputStreamWriter(ofs.create(staged, false), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                w.write(n++ + "\t" + line + "\n");
            }
        }
        if (n == 0) {
            throw new UsageException("--prompts: " + prompts + " has no prompts (one per line)");
        }
        if (spec.batch() > n * spec.samples()) {
            throw new UsageException("--batch " + spec.batch() + " exceeds the " + n * spec.samples()
                    + " sequences that " + n + " prompts × --samples " + spec.samples() + " give at most");
        }
        int perTask = spec.linesPerTask() > 0 ? spec.linesPerTask() : (int) Math.min(Integer.MAX_VALUE, n);
        if (spec.threads() != null) {
            conf.setInt(MRJobConfig.MAP_CPU_VCORES, spec.threads());
            conf.setInt(MRJobConfig.REDUCE_CPU_VCORES, spec.threads());
        }
        TaskJvm.addEngineOptions(conf, MRJobConfig.MAP_JAVA_OPTS);
        TaskJvm.addEngineOptions(conf, MRJobConfig.REDUCE_JAVA_OPTS);
        dev.drafthorse.jobs.Commits.enforce(conf, err, "drafthorse train-heads");

        Job job = Job.getInstance(
                conf, "drafthorse train-heads " + spec.kind() + " x" + spec.heads() + " " + spec.prompts());
        job.setJarByClass(TrainHeadsTool.class);
        job.setInputFormatClass(NLineInputFormat.class);
        NLineInputFormat.setNumLinesPerSplit(job, perTask);
        FileInputFormat.addInputPath(job, staged);
        job.setMapperClass(GenerateMapper.class);
        job.setMapOutputKeyClass(LongWritable.class);
        job.setMapOutputValueClass(SequenceWritable.class);
        job.setReducerClass(HeadsTrainReducer.class);
        job.setNumReduceTasks(1); // training is sequential: one reducer sees every sequence, in prompt order
        job.setOutputKeyClass(NullWritable.class);
        job.setOutputValueClass(NullWritable.class);
        LazyOutputFormat.setOutputFormatClass(job, TextOutputFormat.class);
        Path jobOut = new Path(work, "out");
        FileOutputFormat.setOutputPath(job, jobOut);
        // Link names of this job's own: never a file another job (or a killed one) left in the working directory.
        CacheFiles.add(job, model, MODEL_ROLE, ".gguf");
        if (eval != null) {
            CacheFiles.add(job, eval, EVAL_ROLE, ".txt");
        }

        long start = System.nanoTime();
        job.submit();
        long tasks = (n + perTask - 1) / perTask;
        err.printf(
                "train-heads: submitted %s on the %s runner: %d prompts in %d map task(s) generate the data, 1 reduce task trains"
                        + " (training is sequential)%n",
                job.getJobID(), conf.get("mapreduce.framework.name", "local"), n, tasks);
        String last = "";
        while (!job.isComplete()) {
            Thread.sleep(1000);
            String now = String.format(
                    Locale.ROOT, "map %.0f%% reduce %.0f%%", job.mapProgress() * 100, job.reduceProgress() * 100);
            String status = reduceStatus(job);
            if (!status.isEmpty()) {
                now += ": " + status;
            }
            if (!now.equals(last)) {
                err.println("train-heads: " + now);
                last = now;
            }
        }
        if (!job.isSuccessful()) {
            err.printf(
                    "train-heads: job %s failed: %s%n", job.getJobID(), TaskFailures.reason(job, TaskFailures.of(job)));
            return 1;
        }
        Counters counters = job.getCounters();
        StringBuilder summary = new StringBuilder();
        for (Counter c : counters.getGroup(TrainHeadsCounter.class.getName())) {
            summary.append(summary.length() == 0 ? "" : ", ")
                    .append(c.getName().toLowerCase(Locale.ROOT))
                    .append(' ')
                    .append(c.getValue());
        }
        err.printf("train-heads: job done in %.1f s: %s%n", (System.nanoTime() - start) / 1e9, summary);

        FileSystem wfs = jobOut.getFileSystem(conf);
        if (ofs.exists(out)) {
            ofs.delete(out, false);
        }
        if (!ofs.rename(new Path(jobOut, HEADS_FILE), out)) {
            throw new IOException("could not move " + new Path(jobOut, HEADS_FILE) + " to " + out);
        }
        if (ofs instanceof org.apache.hadoop.fs.ChecksumFileSystem cfs) {
            cfs.getRawFileSystem().delete(cfs.getChecksumFile(out), false); // -o names one file, no .crc beside it
        }
        byte[] csv = read(wfs, new Path(jobOut, CSV_FILE));
        String[] rows = new String(csv, StandardCharsets.UTF_8).split("\n");
        String[] lastRow = rows[rows.length - 1].split(",");
        err.printf(
                Locale.ROOT,
                "train-heads: step %d/%d loss %.4f (the reduce task's last step; every step is in the CSV)%n",
                Integer.parseInt(lastRow[0]) + 1,
                spec.steps(),
                Double.parseDouble(lastRow[1]));
        ObjectNode s = (ObjectNode) new ObjectMapper().readTree(read(wfs, new Path(jobOut, SUMMARY_FILE)));
        return finisher.finish(new JobOutcome(
                spec, csv, s, out.toString(), ofs.getFileStatus(out).getLen()));
    }

    private static String reduceStatus(Job job) {
        try {
            TaskReport[] r = job.getTaskReports(TaskType.REDUCE);
            return r.length == 0 || r[0].getState() == null ? "" : r[0].getState();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    private static byte[] read(FileSystem fs, Path p) throws IOException {
        try (InputStream in = fs.open(p);
                ByteArrayOutputStream b = new ByteArrayOutputStream()) {
            in.transferTo(b);
            return b.toByteArray();
        }
    }

    /** The options the command line gave, as the driver parsed them. */
    static TrainHeadsSpec spec(Configuration conf) throws IOException {
        String json = conf.get(ARGS_KEY);
        if (json == null) {
            throw new IOException(ARGS_KEY + " is not set: not a train-heads job");
        }
        String[] args = new ObjectMapper().readValue(json, String[].class);
        return TrainHeadsSpec.parse(Args.parse(TrainHeadsSpec.USAGE, "", TrainHeadsSpec.options(), args));
    }

    private static Path existing(Configuration conf, String s, String option) throws IOException {
        Path p = new Path(s);
        FileSystem fs = p.getFileSystem(conf);
        Path q = fs.makeQualified(p);
        if (!fs.exists(q) || fs.getFileStatus(q).isDirectory()) {
            throw new UsageException(option + ": no such file: " + q);
        }
        return q;
    }
}
