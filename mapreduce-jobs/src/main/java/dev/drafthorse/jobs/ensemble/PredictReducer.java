package dev.drafthorse.jobs.ensemble;

import dev.drafthorse.ensemble.EnsembleModel;
import dev.drafthorse.ensemble.Prediction;
import dev.drafthorse.ensemble.data.FeatureTable;
import dev.drafthorse.ensemble.data.InferOutput;
import dev.drafthorse.ensemble.data.SourceData;
import dev.drafthorse.ensemble.data.SourceSpec;
import dev.drafthorse.ensemble.data.TableSource;
import dev.drafthorse.ensemble.io.ModelFile;
import dev.drafthorse.ensemble.io.PredictionWriter;
import dev.drafthorse.jobs.CacheFiles;
import dev.drafthorse.jobs.TaskFailures;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.NullWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Reducer;
import org.apache.hadoop.mapreduce.lib.output.MultipleOutputs;

/**
 * The reduce side of {@code ensemble-predict}: one call per row id joins that row's line from each input (an
 * input without the row contributes its {@code S.missing} indicator, as in training) and predicts it with the
 * model from the distributed cache, loaded once per task. The lines of a row are taken in (input, file, offset)
 * order, so a repeated id keeps its first line, as the local reader does, and the output does not depend on the
 * shuffle's order: a retried attempt writes the same bytes.
 */
public class PredictReducer extends Reducer<Text, Text, NullWritable, Text> {
    static final String MODEL_ROLE = "ensemble-model";
    static final String FORMAT = "drafthorse.ensemble.predict.format";

    private MultipleOutputs<NullWritable, Text> mos;
    private EnsembleModel model;
    private PredictionWriter.Format format;
    private String[] names;
    private boolean[] table;
    private List<String>[] tableColumns;
    private final Text out = new Text();
    private final Text reject = new Text();
    private long rows;

    private record Line(int input, String file, long offset, String header, String text) {}

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
    @SuppressWarnings("unchecked")
    protected void setup(Context context) throws IOException {
        mos = new MultipleOutputs<>(context);
        Configuration conf = context.getConfiguration();
        try (InputStream in = CacheFiles.open(context, MODEL_ROLE)) {
            model = ModelFile.read(in, conf.get(EnsemblePredictTool.MODEL_KEY, MODEL_ROLE));
        }
        format = PredictionWriter.Format.valueOf(conf.get(FORMAT, "TSV"));
        int n = conf.getInt(PredictMapper.INPUTS, 0);
        names = new String[n];
        table = new boolean[n];
        tableColumns = new List[n];
        for (int i = 0; i < n; i++) {
            names[i] = conf.get(PredictMapper.key(i, "name"));
            table[i] = "table".equals(conf.get(PredictMapper.key(i, "kind")));
            for (SourceSpec s : model.header().sources()) {
                if (s.name().equals(names[i])) {
                    tableColumns[i] = s.values();
                }
            }
        }
        context.setStatus(String.format(
                Locale.ROOT,
                "model loaded: %s, %d features, classes %s",
                model.header().method().name().toLowerCase(Locale.ROOT),
                model.featureNames().size(),
                model.classes()));
    }

    @Override
    protected void reduce(Text id, Iterable<Text> values, Context context) throws IOException, InterruptedException {
        List<Line> lines = new ArrayList<>();
        for (Text v : values) {
            String[] f = v.toString().split(String.valueOf(PredictMapper.SEP), 5);
            lines.add(new Line(Integer.parseInt(f[0]), f[1], Long.parseLong(f[2]), f[3], f[4]));
        }
        lines.sort(
                Comparator.comparingInt(Line::input).thenComparing(Line::file).thenComparingLong(Line::offset));
        Line[] first = new Line[names.length];
        for (Line l : lines) {
            if (first[l.input()] == null) {
                first[l.input()] = l;
            } else {
                reject(context, id.toString(), l, "duplicate id");
            }
        }
        List<Line> used = new ArrayList<>();
        try {
            List<SourceData> inputs = new ArrayList<>();
            for (int i = 0; i < names.length; i++) {
                Line l = first[i];
                if (l != null) {
                    used.add(l);
                }
                if (table[i]) {
                    FeatureTable t = l == null
                            ? FeatureTable.empty(tableColumns[i])
                            : FeatureTable.readTsv(l.file(), new StringReader(l.header() + "\n" + l.text()));
                    inputs.add(new TableSource(names[i], t));
                } else {
                    inputs.add(
                            l == null
                                    ? new InferOutput(names[i], false, List.of(), List.of())
                                    : InferOutput.read(names[i], l.file(), new StringReader(l.text())));
                }
            }
            List<Prediction> p = model.predictInputs(inputs);
            if (p.size() != 1) {
                throw new IllegalStateException(p.size() + " predictions for row '" + id + "'");
            }
            String s = PredictionWriter.line(p.get(0), format);
            out.set(s.substring(0, s.length() - 1));
            context.write(NullWritable.get(), out);
            context.getCounter(EnsembleCounter.ROWS_OUT).increment(1);
            context.getCounter(EnsembleCounter.LINES_JOINED).increment(used.size());
        } catch (IllegalArgumentException | IOException e) {
            // the model refuses the row's features (a missing column, a source of the wrong mode): every line of it is
            // rejected
            context.getCounter(EnsembleCounter.ROWS_REJECTED).increment(1);
            for (Line l : used) {
                reject(context, id.toString(), l, e.getMessage());
            }
        }
        if (++rows % 1000 == 0) {
            context.setStatus(rows + " rows predicted");
            context.progress();
        }
    }

    private void reject(Context context, String id, Line l, String reason) throws IOException, InterruptedException {
        context.getCounter(EnsembleCounter.LINES_REJECTED).increment(1);
        reject.set(PredictMapper.rejectLine(id, l.file(), l.offset(), reason));
        mos.write(EnsemblePredictTool.REJECTS, NullWritable.get(), reject, EnsemblePredictTool.REJECTS_DIR + "/part");
    }

    @Override
    protected void cleanup(Context context) throws IOException, InterruptedException {
        mos.close();
    }
}
