package dev.drafthorse.jobs.ensemble;

import dev.drafthorse.ensemble.EnsembleParams;
import dev.drafthorse.ensemble.data.Dataset;
import dev.drafthorse.ensemble.learner.Classifier;
import dev.drafthorse.ensemble.method.Bagging;
import dev.drafthorse.ensemble.method.Boosting;
import dev.drafthorse.ensemble.method.Level0;
import dev.drafthorse.ensemble.method.Stacking;
import dev.drafthorse.jobs.CacheFiles;
import dev.drafthorse.jobs.TaskFailures;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.io.BytesWritable;
import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Reducer;

/**
 * Trains the units sent to it (see {@link TrainUnit}) on the staged data, which arrives through the distributed
 * cache, and writes each result under its unit index. Results are written through the job's output committer, so
 * only the committed attempt's results reach the driver; a retried attempt trains the same bytes.
 *
 * <p>A unit is one blocking Smile call; a heartbeat thread reports progress while it runs, so a long unit (a big
 * boosting run) is not taken for a hung task, and the status names the unit.
 */
public class TrainReducer extends Reducer<IntWritable, Text, IntWritable, BytesWritable> {
    /** The {@link CacheFiles} role of the staged data. */
    static final String DATA_ROLE = "ensemble-data";
    /** Fault injection for the retry test: the first attempt of each task dies after this many units (0 = off). */
    static final String FAULT_HALT_AFTER_UNITS = "drafthorse.ensemble.fault.halt-after-units";

    private Staging.Data staged;
    private List<Level0> level0;
    private int[] foldOf;
    private int done;
    private int haltAfter;
    private final BytesWritable out = new BytesWritable();

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
        try (InputStream in = CacheFiles.open(context, DATA_ROLE)) {
            staged =
                    Staging.read(in, "staged data " + context.getConfiguration().get(CacheFiles.key(DATA_ROLE)));
        }
        Dataset d = staged.data();
        EnsembleParams p = staged.params();
        if (p.method() == EnsembleParams.Method.STACKING) {
            level0 = Stacking.members(d, staged.sources(), p);
            foldOf = Stacking.folds(d.y(), d.numClasses(), p.stackingFolds(), p.seed());
        }
        boolean local = "local".equals(context.getConfiguration().get("mapreduce.framework.name", "local"));
        haltAfter = local || context.getTaskAttemptID().getId() > 0
                ? 0
                : context.getConfiguration().getInt(FAULT_HALT_AFTER_UNITS, 0);
        context.setStatus(String.format(
                Locale.ROOT,
                "%s over %d rows x %d features",
                p.method().name().toLowerCase(Locale.ROOT),
                d.size(),
                d.width()));
    }

    @Override
    protected void reduce(IntWritable index, Iterable<Text> specs, Context context)
            throws IOException, InterruptedException {
        for (Text spec : specs) {
            TrainUnit u = TrainUnit.parse(spec.toString());
            context.setStatus("training " + u + " (unit " + index.get() + ")");
            long t0 = System.nanoTime();
            byte[] result = heartbeat(context, () -> train(u));
            context.getCounter(EnsembleCounter.TRAIN_MS).increment((System.nanoTime() - t0) / 1_000_000);
            context.getCounter(EnsembleCounter.UNITS_TRAINED).increment(1);
            context.getCounter(
                            switch (u.kind()) {
                                case MEMBER -> EnsembleCounter.BAGGING_MEMBERS_TRAINED;
                                case FOLD -> EnsembleCounter.STACKING_FOLDS_TRAINED;
                                case REFIT -> EnsembleCounter.STACKING_REFITS_TRAINED;
                                case BOOSTING -> EnsembleCounter.BOOSTING_RUNS;
                            })
                    .increment(1);
            out.set(result, 0, result.length);
            context.write(index, out);
            context.setStatus(String.format(Locale.ROOT, "trained %s in %.1f s", u, (System.nanoTime() - t0) / 1e9));
            if (haltAfter > 0 && ++done >= haltAfter) {
                // A crash after output was written: the attempt's files must not reach the job's output.
                Runtime.getRuntime().halt(3);
            }
        }
    }

    private byte[] train(TrainUnit u) throws IOException {
        Dataset d = staged.data();
        EnsembleParams p = staged.params();
        return switch (u.kind()) {
            case MEMBER -> TrainUnit.classifier(Bagging.trainMember(d, p, u.member()));
            case BOOSTING -> TrainUnit.classifier(Boosting.train(d, p));
            case FOLD -> TrainUnit.fold(Stacking.trainFold(d, level0.get(u.member()), u.member(), foldOf, u.fold(), p));
            case REFIT -> {
                Classifier c = Stacking.refit(d, level0.get(u.member()), u.member(), p);
                yield TrainUnit.classifier(c);
            }
        };
    }

    interface Work {
        byte[] run() throws IOException;
    }

    /** Runs {@code w} while a daemon thread calls {@code progress()} every 5 s. */
    static byte[] heartbeat(Context context, Work w) throws IOException, InterruptedException {
        Thread beat = new Thread(
                () -> {
                    try {
                        while (!Thread.currentThread().isInterrupted()) {
                            Thread.sleep(5000);
                            context.progress();
                        }
                    } catch (InterruptedException e) {
                        // done
                    }
                },
                "ensemble-train-heartbeat");
        beat.setDaemon(true);
        beat.start();
        try {
            return w.run();
        } finally {
            beat.interrupt();
            beat.join();
        }
    }
}
