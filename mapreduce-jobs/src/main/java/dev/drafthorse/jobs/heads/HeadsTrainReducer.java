package dev.drafthorse.jobs.heads;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.drafthorse.jobs.CacheFiles;
import dev.drafthorse.jobs.TaskFailures;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.train.HeadsWriter;
import dev.drafthorse.kernels.train.TrainingSequence;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.NullWritable;
import org.apache.hadoop.mapreduce.Reducer;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;

/**
 * The one reduce task of {@code train-heads}: receives every training sequence in key order (prompt, then
 * sample: the in-process order), trains with {@link HeadsTraining}, and writes {@value TrainHeadsTool#HEADS_FILE},
 * {@value TrainHeadsTool#CSV_FILE} and {@value TrainHeadsTool#SUMMARY_FILE} into its work directory, which the
 * output committer moves into the job's output. Training is sequential, so there is exactly one reducer.
 */
public final class HeadsTrainReducer extends Reducer<LongWritable, SequenceWritable, NullWritable, NullWritable> {
    private static final Log LOG = LogFactory.getLog(HeadsTrainReducer.class);

    private TrainHeadsSpec spec;
    private Parallel par;
    private Model model;
    private final List<TrainingSequence> data = new ArrayList<>();

    /** Records a failure for the driver before Hadoop sees it: the local runner keeps no task diagnostics. */
    @Override
    public void run(Context context) throws IOException, InterruptedException {
        try {
            super.run(context);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            TaskFailures.record(context, e);
            throw e;
        }
    }

    @Override
    protected void setup(Context context) throws IOException {
        spec = TrainHeadsTool.spec(context.getConfiguration());
        par = new Parallel(spec.threadsOrDefault());
        long t0 = System.nanoTime();
        model = Model.load(CacheFiles.localPath(context, TrainHeadsTool.MODEL_ROLE), par);
        context.getCounter(TrainHeadsCounter.MODEL_LOAD_MS).increment((System.nanoTime() - t0) / 1_000_000);
        context.getCounter(TrainHeadsCounter.SKIPPED_OVERFLOW_STEPS)
                .increment(0); // reported when none were skipped too
    }

    @Override
    protected void reduce(LongWritable key, Iterable<SequenceWritable> values, Context context) {
        for (SequenceWritable v : values) {
            data.add(v.get());
            context.getCounter(TrainHeadsCounter.SEQUENCES_TRAINED_ON).increment(1);
        }
        context.progress();
    }

    @Override
    protected void cleanup(Context context) throws IOException, InterruptedException {
        try {
            train(context);
        } finally {
            par.close();
        }
    }

    private void train(Context context) throws IOException, InterruptedException {
        Path work = FileOutputFormat.getWorkOutputPath(context);
        FileSystem fs = work.getFileSystem(context.getConfiguration());
        context.setStatus("training on " + data.size() + " sequences");
        LOG.info("train-heads: training " + spec.kind() + " heads on " + data.size() + " sequences for " + spec.steps()
                + " steps");
        HeadsTraining.Result r;
        try (BufferedWriter csv = new BufferedWriter(new OutputStreamWriter(
                fs.create(new Path(work, TrainHeadsTool.CSV_FILE), false), StandardCharsets.UTF_8))) {
            r = HeadsTraining.train(model, data, spec, par, csv, (report, log, line) -> {
                context.getCounter(TrainHeadsCounter.STEPS).increment(1);
                if (report.skipped()) {
                    context.getCounter(TrainHeadsCounter.SKIPPED_OVERFLOW_STEPS).increment(1);
                }
                context.setStatus(line);
                context.progress();
                if (log) {
                    LOG.info("train-heads: " + line);
                }
            });
        }
        java.nio.file.Path tmp = Files.createTempFile("heads", ".gguf");
        try {
            HeadsWriter.write(r.heads(), spec.precision(), model, tmp);
            fs.copyFromLocalFile(false, true, new Path(tmp.toUri()), new Path(work, TrainHeadsTool.HEADS_FILE));
        } finally {
            Files.deleteIfExists(tmp);
        }
        ObjectNode summary = new ObjectMapper().createObjectNode();
        HeadsTraining.summarize(summary, spec, r, data.size());
        summary.put("plot_title", HeadsTraining.plotTitle(spec, model));
        if (spec.evalPrompts() != null) {
            context.setStatus("evaluating on the held-out prompts");
            List<int[]> held = new ArrayList<>();
            for (String line : Files.readAllLines(CacheFiles.localPath(context, TrainHeadsTool.EVAL_ROLE))) {
                held.add(TrainHeadsSpec.encodePrompt(model.tokenizer(), line));
            }
            HeadsTraining.evaluate(model, r.heads(), held, spec, summary, s -> LOG.info("train-heads: " + s));
        }
        try (var out = fs.create(new Path(work, TrainHeadsTool.SUMMARY_FILE), false)) {
            out.write(new ObjectMapper().writeValueAsBytes(summary));
        }
        context.setStatus(String.format(
                java.util.Locale.ROOT,
                "trained %d steps (%d skipped), final loss %.4f",
                spec.steps(),
                r.skipped(),
                summary.get("final_loss").asDouble()));
    }
}
