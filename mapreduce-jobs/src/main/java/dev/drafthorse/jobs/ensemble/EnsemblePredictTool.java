package dev.drafthorse.jobs.ensemble;

import dev.drafthorse.cli.Args;
import dev.drafthorse.cli.UsageException;
import dev.drafthorse.ensemble.EnsembleModel;
import dev.drafthorse.ensemble.data.SourceSpec;
import dev.drafthorse.ensemble.io.ModelFile;
import dev.drafthorse.ensemble.io.PredictionWriter;
import dev.drafthorse.jobs.CacheFiles;
import dev.drafthorse.jobs.OutputClaim;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.conf.Configured;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.NullWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Counters;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.hadoop.mapreduce.lib.output.FileOutputCommitter;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;
import org.apache.hadoop.mapreduce.lib.output.MultipleOutputs;
import org.apache.hadoop.mapreduce.lib.output.TextOutputFormat;
import org.apache.hadoop.util.Tool;
import org.apache.hadoop.util.ToolRunner;

/**
 * {@code ensemble-predict} as a MapReduce job: the model ships through the distributed cache (loaded once per
 * reduce task), mappers check each input line and key it by row id, reducers join a row's lines across the inputs
 * and predict it ({@link PredictMapper}, {@link PredictReducer}). Output: {@code part-r-NNNNN} with one line per
 * row ({@code id<TAB>label<TAB>probability}, or JSON lines), sorted by id within a part; {@code _rejects/} with
 * {@code id<TAB>file (byte offset): reason} per rejected line; {@code _SUCCESS}. Every input line is either in a
 * predicted row or rejected (counters {@code INPUT_LINES = LINES_JOINED + LINES_REJECTED}); with one input, rows
 * out + rejected lines = input lines. Deterministic: the same inputs give the same bytes, retried attempts
 * included (outputs are committer-managed).
 */
public final class EnsemblePredictTool extends Configured implements Tool {
    static final String COMMAND = "ensemble-predict";
    static final String REJECTS = "rejects";
    static final String REJECTS_DIR = "_rejects";
    static final String MODEL_KEY = "drafthorse.ensemble.predict.model";

    private final PrintStream err;

    public EnsemblePredictTool() {
        this(System.err);
    }

    EnsemblePredictTool(PrintStream err) {
        this.err = err;
    }

    /** Runs the command as {@code hadoop jar} does: Hadoop's generic options, then ours; returns the exit code. */
    public static int launch(String[] args) throws Exception {
        return ToolRunner.run(new Configuration(), new EnsemblePredictTool(), args);
    }

    public static void main(String[] args) throws Exception {
        System.exit(launch(args));
    }

    @Override
    public int run(String[] args) throws Exception {
        try {
            Args a = EnsembleUsage.parse(COMMAND, EnsembleUsage.predictOptions(), args);
            if (a == null) {
                return 0;
            }
            org.apache.hadoop.mapreduce.util.ConfigUtil.loadResources();
            Configuration conf = getConf();
            if (!JobSupport.splitDefines(a.defines(), conf, COMMAND).isEmpty()) {
                throw new UsageException("ensemble-predict takes no ensemble.* settings (the model carries them)");
            }
            PredictionWriter.Format format = PredictionWriter.Format.TSV;
            if (a.has("format")) {
                try {
                    format = PredictionWriter.Format.valueOf(a.get("format").toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--format '" + a.get("format") + "' is not tsv or json");
                }
            }
            double maxReject = 0.1;
            if (a.has("max-reject-fraction")) {
                try {
                    maxReject = Double.parseDouble(a.get("max-reject-fraction"));
                } catch (NumberFormatException e) {
                    throw new UsageException(
                            "--max-reject-fraction '" + a.get("max-reject-fraction") + "' is not a number");
                }
                if (!(maxReject >= 0 && maxReject <= 1)) {
                    throw new UsageException("--max-reject-fraction " + maxReject + " is not in [0, 1]");
                }
            }
            Path modelPath = new Path(a.require("model"));
            FileSystem mfs = modelPath.getFileSystem(conf);
            modelPath = mfs.makeQualified(modelPath);
            if (!mfs.exists(modelPath)) {
                throw new FileNotFoundException(modelPath + ": no such model file");
            }
            EnsembleModel model;
            try (InputStream in = mfs.open(modelPath)) {
                model = ModelFile.read(in, modelPath.toString());
            }
            List<String> specs = a.list("inputs");
            Path output = new Path(a.require("output"));
            FileSystem ofs = output.getFileSystem(conf);
            output = ofs.makeQualified(output);
            if (ofs.exists(output)) {
                if (!ofs.getFileStatus(output).isDirectory() || ofs.listStatus(output).length > 0) {
                    throw new IOException(output + ": output directory already exists and is not empty");
                }
                ofs.delete(output, false);
            }

            // Each input is one of the model's sources, by name, of the same kind; every source has its input.
            List<SourceSpec> sources = model.header().sources();
            Set<String> given = new HashSet<>();
            Set<String> paths = new HashSet<>();
            conf.setInt(PredictMapper.INPUTS, specs.size());
            Job job = Job.getInstance(conf);
            for (int i = 0; i < specs.size(); i++) {
                HadoopInputs.Spec s = HadoopInputs.spec(specs.get(i), conf);
                SourceSpec src = sources.stream()
                        .filter(x -> x.name().equals(s.name()))
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException(
                                "input '" + s.name() + "' is not a source of this model; its sources are "
                                        + sources.stream().map(SourceSpec::name).toList()));
                if (!given.add(s.name())) {
                    throw new IllegalArgumentException("two inputs are named '" + s.name() + "'");
                }
                if (!paths.add(s.path().toString())) {
                    throw new IllegalArgumentException("two inputs read " + s.path());
                }
                boolean isTable = sniffTable(s.path(), conf);
                if (isTable != (src.kind() == SourceSpec.Kind.TABLE)) {
                    throw new IllegalArgumentException("input '" + s.name() + "' is a "
                            + (isTable ? "table" : "infer output") + "; the model was trained on a "
                            + src.kind().name().toLowerCase(Locale.ROOT) + " input of that name");
                }
                job.getConfiguration().set(PredictMapper.key(i, "name"), s.name());
                job.getConfiguration()
                        .set(PredictMapper.key(i, "path"), s.path().toString());
                job.getConfiguration().set(PredictMapper.key(i, "kind"), isTable ? "table" : "infer");
                FileInputFormat.addInputPath(job, s.path());
            }
            for (SourceSpec s : sources) {
                if (!given.contains(s.name())) {
                    throw new IllegalArgumentException("the model needs input '" + s.name() + "' ("
                            + s.kind().name().toLowerCase(Locale.ROOT) + "); it was not given");
                }
            }
            Configuration jc = job.getConfiguration();
            jc.set(PredictReducer.FORMAT, format.name());
            jc.set(MODEL_KEY, modelPath.toString());
            JobSupport.committerDefaults(jc, err, COMMAND);
            job.setJobName("drafthorse " + COMMAND + " " + modelPath.getName() + " -> " + output);
            job.setJarByClass(EnsemblePredictTool.class);
            job.setInputFormatClass(TextInputFormat.class);
            job.setMapperClass(PredictMapper.class);
            job.setMapOutputKeyClass(Text.class);
            job.setMapOutputValueClass(Text.class);
            job.setReducerClass(PredictReducer.class);
            job.setOutputKeyClass(NullWritable.class);
            job.setOutputValueClass(Text.class);
            job.setOutputFormatClass(ClaimedOutputFormat.class);
            MultipleOutputs.addNamedOutput(job, REJECTS, TextOutputFormat.class, NullWritable.class, Text.class);
            FileOutputFormat.setOutputPath(job, output);
            // A link name of this job's own: never a stale model another job left in the working directory.
            CacheFiles.add(job, modelPath.toUri(), PredictReducer.MODEL_ROLE, ".model");

            // One job per output directory: the loser of a race stops here, saying so (not "failed: NA" after
            // submitting).
            Path claim = OutputClaim.claim(ofs, output, job.getJobName());
            try {
                if (!JobSupport.run(job, COMMAND, err)) {
                    return 1;
                }
            } finally {
                OutputClaim.release(ofs, claim);
            }
            JobSupport.dropChecksumFiles(ofs, output);
            Counters c = job.getCounters();
            long in = c.findCounter(EnsembleCounter.INPUT_LINES).getValue();
            long rejected = c.findCounter(EnsembleCounter.LINES_REJECTED).getValue();
            long rows = c.findCounter(EnsembleCounter.ROWS_OUT).getValue();
            err.printf(
                    Locale.ROOT,
                    "%s: %d rows predicted, %d input lines rejected; wrote %s%n",
                    COMMAND,
                    rows,
                    rejected,
                    output);
            if (in > 0 && rejected > maxReject * in) {
                ofs.delete(new Path(output, FileOutputCommitter.SUCCEEDED_FILE_NAME), false);
                err.printf(
                        Locale.ROOT,
                        "%s: %d of %d input lines rejected (%.3f > --max-reject-fraction %s): see %s; the job counts as failed%n",
                        COMMAND,
                        rejected,
                        in,
                        (double) rejected / in,
                        maxReject,
                        new Path(output, REJECTS_DIR));
                return 1;
            }
            if (rejected > 0) {
                err.printf("%s: rejected lines, with their reasons, in %s%n", COMMAND, new Path(output, REJECTS_DIR));
            }
            return 0;
        } catch (UsageException e) {
            err.println(COMMAND + ": " + e.getMessage());
            err.print(EnsembleUsage.PREDICT);
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println(COMMAND + ": " + JobSupport.describe(e));
            return 1;
        }
    }

    /** Text output into a directory that may exist only as this job's driver claimed it ({@link OutputClaim}). */
    public static final class ClaimedOutputFormat extends TextOutputFormat<NullWritable, Text> {
        @Override
        public void checkOutputSpecs(org.apache.hadoop.mapreduce.JobContext job) throws IOException {
            Path out = getOutputPath(job);
            if (out == null) {
                throw new org.apache.hadoop.mapred.InvalidJobConfException("Output directory not set.");
            }
            org.apache.hadoop.mapreduce.security.TokenCache.obtainTokensForNamenodes(
                    job.getCredentials(), new Path[] {out}, job.getConfiguration());
            OutputClaim.checkOutputSpecs(out.getFileSystem(job.getConfiguration()), out);
        }
    }

    /** Whether an input is a TSV table: its first non-blank character is not '{' (the local reader's rule). */
    static boolean sniffTable(Path p, Configuration conf) throws IOException {
        for (Path f : HadoopInputs.dataFiles(p, conf)) {
            try (InputStream in = f.getFileSystem(conf).open(f)) {
                int b;
                while ((b = in.read()) != -1) {
                    if (b == '{') {
                        return false;
                    }
                    if (!Character.isWhitespace(b) && b != 0xEF && b != 0xBB && b != 0xBF) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
