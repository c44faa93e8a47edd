package dev.drafthorse.jobs.ensemble;

import dev.drafthorse.cli.Args;
import dev.drafthorse.cli.UsageException;
import dev.drafthorse.ensemble.EnsembleModel;
import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.Ensembles;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.data.Features;
import dev.drafthorse.ensemble.data.Labels;
import dev.drafthorse.ensemble.data.RejectedRow;
import dev.drafthorse.ensemble.data.SourceData;
import dev.drafthorse.ensemble.eval.Evaluation;
import dev.drafthorse.ensemble.eval.HtmlReport;
import dev.drafthorse.ensemble.io.ModelFile;
import dev.drafthorse.ensemble.learner.Classifier;
import dev.drafthorse.ensemble.method.Bagging;
import dev.drafthorse.ensemble.method.Level0;
import dev.drafthorse.ensemble.method.OutOfFold;
import dev.drafthorse.ensemble.method.Stacking;
import dev.drafthorse.jobs.CacheFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.conf.Configured;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.BytesWritable;
import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.SequenceFile;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Counters;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;
import org.apache.hadoop.mapreduce.lib.output.SequenceFileOutputFormat;
import org.apache.hadoop.util.Tool;
import org.apache.hadoop.util.ToolRunner;

/**
 * {@code ensemble-train} as a MapReduce job: the local runner by default, YARN under {@code hadoop jar} (or
 * {@code -D mapreduce.framework.name=yarn}). Same options, same model bytes as the local command.
 *
 * <ol>
 *   <li>The driver reads the inputs and labels from any Hadoop filesystem and joins them into the feature table
 *       (rows x features fits in memory), exactly as the local command does.</li>
 *   <li>It stages the table ({@link Staging}) next to the output and writes a task list: one line per unit
 *       ({@link TrainUnit}: a bagging member, a stacking member on one fold or refitted on all rows, or the one
 *       boosting run).</li>
 *   <li>A job whose one map reads the list sends unit {@code i} to reducer {@code i mod R}; reducers train their
 *       units in parallel on the staged table (from the distributed cache), seeded from (seed, unit) as local
 *       training is, and write the results through the output committer.</li>
 *   <li>The driver reads the committed results, assembles them ({@code Bagging.assemble}; out-of-fold
 *       predictions checked for leakage, the meta-learner fitted, then {@code Stacking.assemble}), and writes the
 *       model file to the output path.</li>
 * </ol>
 * Boosting is sequential (each round fits the previous rounds' errors): it is one unit, trained in one task.
 */
public final class EnsembleTrainTool extends Configured implements Tool {
    static final String COMMAND = "ensemble-train";
    static final String USAGE = EnsembleUsage.TRAIN;
    static final int DEFAULT_MAX_TASKS = 8;

    private final PrintStream out;
    private final PrintStream err;

    public EnsembleTrainTool() {
        this(System.out, System.err);
    }

    EnsembleTrainTool(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Entry point of the {@code ensemble-train} command: Hadoop's generic options, then ours. */
    /** Runs the command as {@code hadoop jar} does: Hadoop's generic options, then ours; returns the exit code. */
    public static int launch(String[] args) throws Exception {
        return ToolRunner.run(new Configuration(), new EnsembleTrainTool(), args);
    }

    public static void main(String[] args) throws Exception {
        System.exit(launch(args));
    }

    @Override
    public int run(String[] args) throws Exception {
        Path staging = null;
        FileSystem stagingFs = null;
        try {
            Args a = EnsembleUsage.parse(COMMAND, EnsembleUsage.trainOptions(), args);
            if (a == null) {
                return 0;
            }
            org.apache.hadoop.mapreduce.util.ConfigUtil.loadResources();
            Configuration conf = getConf();
            Properties props = new Properties();
            if (a.has("params")) {
                props.putAll(JobSupport.loadLocal(a.get("params")));
            }
            props.putAll(JobSupport.ensembleKeys(conf));
            props.putAll(JobSupport.splitDefines(a.defines(), conf, COMMAND));
            props.setProperty(EnsembleParams.Key.METHOD.key, a.require("method"));
            if (a.has("seed")) {
                props.setProperty(EnsembleParams.Key.SEED.key, a.get("seed"));
            }
            EnsembleParams params;
            try {
                params = EnsembleParams.of(props);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            double holdout = 0.2;
            if (a.has("holdout")) {
                try {
                    holdout = Double.parseDouble(a.get("holdout"));
                } catch (NumberFormatException e) {
                    throw new UsageException("--holdout '" + a.get("holdout") + "' is not a number");
                }
                if (!(holdout > 0 && holdout < 1)) {
                    throw new UsageException("--holdout " + holdout + " is not in (0, 1)");
                }
                if (!a.has("report")) {
                    throw new UsageException("--holdout needs --report DIR");
                }
            }
            int tasks = 0;
            if (a.has("tasks")) {
                try {
                    tasks = Integer.parseInt(a.get("tasks"));
                } catch (NumberFormatException e) {
                    throw new UsageException("--tasks '" + a.get("tasks") + "' is not an integer");
                }
                if (tasks < 1 || tasks > 10_000) {
                    throw new UsageException("--tasks " + tasks + " is not in 1..10000");
                }
            }
            List<String> inputSpecs = a.list("inputs");
            Path outPath = new Path(a.require("output"));
            FileSystem fs = outPath.getFileSystem(conf);
            Path output = fs.makeQualified(outPath);
            if (fs.exists(output) && fs.getFileStatus(output).isDirectory()) {
                throw new IOException(output + ": is a directory; --output names the model file");
            }

            Labels labels = HadoopInputs.labels(a.require("labels"), conf);
            List<SourceData> inputs = new ArrayList<>();
            for (String s : inputSpecs) {
                inputs.add(HadoopInputs.read(HadoopInputs.spec(s, conf), conf));
            }
            List<RejectedRow> rejects = Features.rejects(inputs);
            for (RejectedRow r : rejects) {
                err.println("rejected: " + r.toTsv());
            }
            Ensembles.Training t = Ensembles.prepare(inputs, labels);
            Dataset d = t.data();
            err.printf(
                    Locale.ROOT,
                    "%s: %d labeled rows, %d features, classes %s %s; %d rows without a label ignored,"
                            + " %d labels without a row, %d input lines rejected%n",
                    COMMAND,
                    d.size(),
                    d.width(),
                    d.classes(),
                    Arrays.toString(d.classCounts()),
                    d.unlabeled(),
                    d.unmatchedLabels(),
                    rejects.size());

            List<Level0> level0 = params.method() == EnsembleParams.Method.STACKING
                    ? Stacking.members(d, t.sources(), params)
                    : List.of();
            List<TrainUnit> units = TrainUnit.plan(params, level0.size());
            int reducers = tasks > 0 ? Math.min(tasks, units.size()) : Math.min(units.size(), DEFAULT_MAX_TASKS);
            err.printf(
                    Locale.ROOT,
                    "%s: %s: %d units in %d reduce tasks%s%n",
                    COMMAND,
                    params.method().name().toLowerCase(Locale.ROOT),
                    units.size(),
                    reducers,
                    switch (params.method()) {
                        case BAGGING -> " (one unit per member)";
                        case STACKING ->
                            " (" + level0.size() + " members x " + params.stackingFolds() + " folds, then "
                                    + level0.size() + " refits on all rows; the meta-learner is fitted here)";
                        case BOOSTING ->
                            " (boosting is sequential: each round fits the previous rounds' errors, so it runs in one task)";
                    });

            // Stage the table and the task list beside the output.
            staging = new Path(
                    output.getParent(), "." + output.getName() + ".staging-" + Long.toHexString(System.nanoTime()));
            stagingFs = fs;
            fs.mkdirs(staging);
            Path data = new Path(staging, "data.bin");
            try (OutputStream o = fs.create(data, false)) {
                Staging.write(new Staging.Data(d, t.sources(), params), o);
            }
            Path taskList = new Path(staging, "tasks.txt");
            StringBuilder list = new StringBuilder();
            list.append("#counts\t")
                    .append(EnsembleCounter.TRAIN_ROWS)
                    .append('\t')
                    .append(d.size())
                    .append('\t')
                    .append(EnsembleCounter.TRAIN_LINES_REJECTED)
                    .append('\t')
                    .append(rejects.size())
                    .append('\t')
                    .append(EnsembleCounter.TRAIN_ROWS_UNLABELED)
                    .append('\t')
                    .append(d.unlabeled())
                    .append('\n');
            for (int i = 0; i < units.size(); i++) {
                list.append(i).append('\t').append(units.get(i).line()).append('\n');
            }
            try (OutputStream o = fs.create(taskList, false)) {
                o.write(list.toString().getBytes(StandardCharsets.UTF_8));
            }
            Path results = new Path(staging, "units");

            JobSupport.committerDefaults(conf, err, COMMAND);
            // The local runner trains one reduce task at a time unless told otherwise: use the cores.
            conf.setIfUnset(
                    "mapreduce.local.reduce.tasks.maximum",
                    Integer.toString(Runtime.getRuntime().availableProcessors()));
            Job job = Job.getInstance(
                    conf,
                    "drafthorse " + COMMAND + " " + params.method().name().toLowerCase(Locale.ROOT) + " -> " + output);
            job.setJarByClass(EnsembleTrainTool.class);
            job.setInputFormatClass(TextInputFormat.class);
            FileInputFormat.addInputPath(job, taskList);
            job.setMapperClass(TrainTaskMapper.class);
            job.setMapOutputKeyClass(IntWritable.class);
            job.setMapOutputValueClass(Text.class);
            job.setPartitionerClass(UnitPartitioner.class);
            job.setReducerClass(TrainReducer.class);
            job.setNumReduceTasks(reducers);
            job.setOutputKeyClass(IntWritable.class);
            job.setOutputValueClass(BytesWritable.class);
            job.setOutputFormatClass(SequenceFileOutputFormat.class);
            FileOutputFormat.setOutputPath(job, results);
            CacheFiles.add(job, data.toUri(), TrainReducer.DATA_ROLE, ".bin");
            if (!JobSupport.run(job, COMMAND, err)) {
                return 1;
            }
            Counters counters = job.getCounters();
            if (counters.findCounter(EnsembleCounter.UNITS_TRAINED).getValue() != units.size()) {
                err.printf(
                        "%s: %d units trained, %d planned%n",
                        COMMAND,
                        counters.findCounter(EnsembleCounter.UNITS_TRAINED).getValue(),
                        units.size());
                return 1;
            }

            byte[][] got = readResults(fs, results, units.size());
            Classifier c = assemble(d, params, level0, units, got);
            EnsembleModel model = Ensembles.finish(d, t.sources(), params, c);
            model.header().training().forEach((k, v) -> {
                if (k.startsWith("oob")) {
                    err.println(COMMAND + ": " + k + " = " + v);
                }
            });
            writeModel(fs, output, model);
            err.println(COMMAND + ": wrote " + output);

            if (a.has("report")) {
                Dataset[] split = d.split(holdout, params.seed());
                err.println(COMMAND + ": evaluating on a held-out " + holdout + " of the rows (in the driver)");
                Evaluation.Report rep = Evaluation.run(split[0], split[1], t.sources(), params);
                Path dir = new Path(a.get("report"));
                FileSystem rfs = JobSupport.plain(dir.getFileSystem(conf));
                dir = rfs.makeQualified(dir);
                rfs.mkdirs(dir);
                writeText(rfs, new Path(dir, "evaluation.txt"), rep.table());
                writeText(rfs, new Path(dir, "report.html"), HtmlReport.render(rep, "Drafthorse ensemble evaluation"));
                out.print(rep.table());
                err.println(COMMAND + ": wrote " + new Path(dir, "report.html"));
            }
            return 0;
        } catch (UsageException e) {
            err.println(COMMAND + ": " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println(COMMAND + ": " + JobSupport.describe(e));
            return 1;
        } finally {
            if (staging != null) {
                stagingFs.delete(staging, true);
            }
        }
    }

    /** The committed results, by unit index; each unit exactly once. */
    static byte[][] readResults(FileSystem fs, Path dir, int units) throws IOException {
        byte[][] got = new byte[units][];
        IntWritable k = new IntWritable();
        BytesWritable v = new BytesWritable();
        for (FileStatus st : fs.listStatus(dir)) {
            String n = st.getPath().getName();
            if (!st.isFile() || !n.startsWith("part-")) {
                continue;
            }
            try (SequenceFile.Reader r =
                    new SequenceFile.Reader(fs.getConf(), SequenceFile.Reader.file(st.getPath()))) {
                while (r.next(k, v)) {
                    int i = k.get();
                    if (i < 0 || i >= units) {
                        throw new IOException(st.getPath() + ": unit " + i + " outside [0, " + units + ")");
                    }
                    if (got[i] != null) {
                        throw new IOException(st.getPath() + ": unit " + i + " appears twice");
                    }
                    got[i] = v.copyBytes();
                }
            }
        }
        for (int i = 0; i < units; i++) {
            if (got[i] == null) {
                throw new IOException(dir + ": no result for unit " + i);
            }
        }
        return got;
    }

    /** Joins the units' results into the classifier local training would have built. */
    static Classifier assemble(Dataset d, EnsembleParams p, List<Level0> level0, List<TrainUnit> units, byte[][] got)
            throws IOException {
        switch (p.method()) {
            case BAGGING -> {
                List<Classifier> members = new ArrayList<>();
                for (int i = 0; i < units.size(); i++) {
                    members.add(TrainUnit.readClassifier(got[i], units.get(i).toString()));
                }
                return Bagging.assemble(members, d, p);
            }
            case BOOSTING -> {
                return TrainUnit.readClassifier(got[0], units.get(0).toString());
            }
            default -> {
                List<String> names = level0.stream().map(Level0::name).toList();
                int[] foldOf = Stacking.folds(d.y(), d.numClasses(), p.stackingFolds(), p.seed());
                OutOfFold.Builder b = OutOfFold.builder(d.size(), d.numClasses(), names, foldOf);
                TreeMap<Integer, Classifier> refit = new TreeMap<>();
                for (int i = 0; i < units.size(); i++) {
                    TrainUnit u = units.get(i);
                    if (u.kind() == TrainUnit.Kind.FOLD) {
                        Stacking.FoldResult r = TrainUnit.readFold(got[i], u.toString());
                        if (r.member() != u.member() || r.fold() != u.fold()) {
                            throw new IOException(
                                    "unit " + i + " (" + u + ") returned member " + r.member() + " fold " + r.fold());
                        }
                        r.addTo(b);
                    } else {
                        refit.put(u.member(), TrainUnit.readClassifier(got[i], u.toString()));
                    }
                }
                OutOfFold oof = b.build();
                Classifier meta = Stacking.fitMeta(oof, d.y(), d.numClasses(), p);
                return Stacking.assemble(new ArrayList<>(refit.values()), oof.memberNames(), meta);
            }
        }
    }

    /** Writes to a hidden sibling, then renames over the output: a failed run leaves no half-written model. */
    static void writeModel(FileSystem fs, Path output, EnsembleModel model) throws IOException {
        FileSystem w = JobSupport.plain(fs);
        Path tmp = new Path(output.getParent(), "." + output.getName() + ".tmp-" + Long.toHexString(System.nanoTime()));
        try {
            try (OutputStream o = w.create(tmp, false)) {
                ModelFile.write(model, o);
            }
            if (w.exists(output)) {
                w.delete(output, false);
            }
            if (!w.rename(tmp, output)) {
                throw new IOException("could not rename " + tmp + " to " + output);
            }
        } finally {
            if (w.exists(tmp)) {
                w.delete(tmp, false);
            }
        }
    }

    private static void writeText(FileSystem fs, Path p, String text) throws IOException {
        try (OutputStream o = fs.create(p, true)) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
