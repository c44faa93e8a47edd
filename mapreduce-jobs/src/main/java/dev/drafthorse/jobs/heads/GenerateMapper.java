package dev.drafthorse.jobs.heads;

import dev.drafthorse.jobs.CacheFiles;
import dev.drafthorse.jobs.TaskFailures;
import dev.drafthorse.kernels.batch.BatchEngine;
import dev.drafthorse.kernels.batch.BatchOptions;
import dev.drafthorse.kernels.batch.BatchResult;
import dev.drafthorse.kernels.batch.Request;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.train.SelfDistillation;
import dev.drafthorse.kernels.train.TrainingSequence;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Mapper;

/**
 * The expensive half of {@code train-heads}: continues its share of the prompts with the frozen model and emits
 * each continuation with its hidden states, keyed by its place in the whole data set (prompt × samples + sample).
 * The input lines are {@code index<TAB>prompt}, staged by the driver. Every (prompt, sample) samples from
 * {@code Rng.forRow(seed, "prompt/sample")} with the prompt's index in the whole file, as
 * {@link SelfDistillation#generate} does in process, so the data does not depend on how the prompts are split.
 */
public final class GenerateMapper extends Mapper<LongWritable, Text, LongWritable, SequenceWritable> {
    /** Requests decoded together, as the in-process generation does. */
    static final int BATCH = 16;

    private TrainHeadsSpec spec;
    private Parallel par;
    private Model model;
    private GenerationOptions go;
    private final List<Request> pending = new ArrayList<>();
    private final List<int[]> pendingPrompts = new ArrayList<>();
    private final List<Long> pendingKeys = new ArrayList<>();
    private long prompts;

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
        go = GenerationOptions.greedy(spec.tokens()).withSampler(spec.sampler());
    }

    @Override
    protected void map(LongWritable offset, Text line, Context context) throws IOException, InterruptedException {
        String s = line.toString();
        int tab = s.indexOf('\t');
        long index;
        try {
            index = Long.parseLong(s.substring(0, Math.max(0, tab)));
        } catch (NumberFormatException e) {
            throw new IOException("staged prompt line at byte " + offset.get() + " lacks its index: " + s);
        }
        int[] prompt = TrainHeadsSpec.encodePrompt(model.tokenizer(), s.substring(tab + 1));
        for (int k = 0; k < spec.samples(); k++) {
            String id = index + "/" + k;
            pending.add(new Request(id, prompt, go, Rng.forRow(spec.seed(), id)));
            pendingPrompts.add(prompt);
            pendingKeys.add(index * spec.samples() + k);
        }
        prompts++;
        context.getCounter(TrainHeadsCounter.PROMPTS).increment(1);
        if (pending.size() >= BATCH) {
            flush(context);
        }
    }

    @Override
    protected void cleanup(Context context) throws IOException, InterruptedException {
        try {
            flush(context);
        } finally {
            par.close();
        }
    }

    private void flush(Context context) throws IOException, InterruptedException {
        for (int r0 = 0; r0 < pending.size(); r0 += BATCH) {
            List<Request> chunk = pending.subList(r0, Math.min(pending.size(), r0 + BATCH));
            List<BatchResult> results =
                    new BatchEngine(model, null).run(chunk, BatchOptions.of(BATCH), new BatchEngine.Listener() {});
            Map<String, BatchResult> byId = new HashMap<>();
            results.forEach(r -> byId.put(r.id(), r));
            for (int i = 0; i < chunk.size(); i++) {
                int[] gen = byId.get(chunk.get(i).id()).tokens();
                context.getCounter(TrainHeadsCounter.CONTINUATIONS).increment(1);
                context.getCounter(TrainHeadsCounter.TOKENS_GENERATED).increment(gen.length);
                if (gen.length >= 2) {
                    TrainingSequence q = SelfDistillation.sequence(model, pendingPrompts.get(r0 + i), gen);
                    context.getCounter(TrainHeadsCounter.SEQUENCES).increment(1);
                    context.getCounter(TrainHeadsCounter.TRAINED_POSITIONS).increment(q.length() - q.start());
                    context.write(new LongWritable(pendingKeys.get(r0 + i)), new SequenceWritable(q));
                }
                context.progress();
            }
            context.setStatus("generated the continuations of " + prompts + " prompts");
        }
        pending.clear();
        pendingPrompts.clear();
        pendingKeys.clear();
    }
}
