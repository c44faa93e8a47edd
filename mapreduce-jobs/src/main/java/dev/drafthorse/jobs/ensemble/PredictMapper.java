package dev.drafthorse.jobs.ensemble;

import dev.drafthorse.ensemble.data.DataFormatException;
import dev.drafthorse.ensemble.data.FeatureTable;
import dev.drafthorse.ensemble.data.InferOutput;
import dev.drafthorse.rows.JsonText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.NullWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Mapper;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.output.MultipleOutputs;

/**
 * The map side of {@code ensemble-predict}: each input line is checked on its own (JSON lines of an {@code infer}
 * output, or a row of a TSV feature table under its file's header) and sent to the reducer of its row id, tagged
 * with its input, file and offset; a line that cannot be read goes to {@code _rejects/} with its reason.
 */
public class PredictMapper extends Mapper<LongWritable, Text, Text, Text> {
    static final String INPUTS = "drafthorse.ensemble.predict.inputs";
    static final char SEP = '\u0001';

    private MultipleOutputs<Text, Text> mos;
    private int input;
    private String name;
    private boolean table;
    private String file;
    private String header = "";
    private long headerOffset = -1;
    private final Text key = new Text();
    private final Text value = new Text();
    private final Text reject = new Text();

    /** Input {@code i}'s settings. */
    static String key(int i, String field) {
        return "drafthorse.ensemble.predict.input." + i + "." + field;
    }

    @Override
    protected void setup(Context context) throws IOException {
        mos = new MultipleOutputs<>(context);
        Configuration conf = context.getConfiguration();
        Path split = ((FileSplit) context.getInputSplit()).getPath();
        file = split.toString();
        input = -1;
        int n = conf.getInt(INPUTS, 0);
        for (int i = 0; i < n && input < 0; i++) {
            String p = conf.get(key(i, "path"));
            if (split.toString().equals(p)
                    || (split.getParent() != null
                            && split.getParent().toString().equals(p))) {
                input = i;
            }
        }
        if (input < 0) {
            throw new IOException(file + " belongs to none of the job's inputs");
        }
        name = conf.get(key(input, "name"));
        table = "table".equals(conf.get(key(input, "kind")));
        if (table) {
            readHeader(split, context);
        }
        context.setStatus(
                "reading " + file + " as input '" + name + "'" + (table ? " (feature table)" : " (infer output)"));
    }

    /** The first non-blank line of a table's file is its header. */
    private void readHeader(Path p, Context context) throws IOException {
        try (InputStream in = p.getFileSystem(context.getConfiguration()).open(p)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            long pos = 0;
            long start = 0;
            int b;
            while (true) {
                b = in.read();
                if (b == -1 || b == '\n') {
                    String s = line.toString(StandardCharsets.UTF_8);
                    if (!s.isBlank()) {
                        header = s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                        headerOffset = start;
                        return;
                    }
                    if (b == -1) {
                        return;
                    }
                    line.reset();
                    start = pos + 1;
                } else {
                    line.write(b);
                }
                pos++;
            }
        }
    }

    @Override
    protected void map(LongWritable offset, Text line, Context context) throws IOException, InterruptedException {
        String s = line.toString();
        if (s.isBlank() || (table && offset.get() == headerOffset)) {
            return;
        }
        context.getCounter(EnsembleCounter.INPUT_LINES).increment(1);
        String id;
        if (table) {
            try {
                id = FeatureTable.readTsv("", new StringReader(header + "\n" + s))
                        .ids()
                        .get(0);
            } catch (DataFormatException e) {
                reject(context, idGuess(s), offset.get(), e.getMessage().replaceFirst("^:\\d+: ", ""));
                return;
            }
        } else {
            InferOutput o = InferOutput.read(name, file, new StringReader(s));
            if (!o.rejects().isEmpty()) {
                reject(
                        context,
                        o.rejects().get(0).id(),
                        offset.get(),
                        o.rejects().get(0).reason());
                return;
            }
            id = o.records().get(0).id();
        }
        int lone = JsonText.loneSurrogate(id);
        if (lone >= 0) {
            // Rows are joined by their id as a UTF-8 key, which cannot hold it: two different such ids would both
            // become "?" and be joined as one row. Refused with the reason, never rewritten.
            reject(
                    context,
                    id,
                    offset.get(),
                    "id holds a lone surrogate at char " + lone + ": ensemble-predict joins rows by"
                            + " UTF-8 ids, which cannot carry it");
            return;
        }
        key.set(id);
        value.set(input + "" + SEP + file + SEP + offset.get() + SEP + (table ? header : "") + SEP + s);
        context.write(key, value);
    }

    private static String idGuess(String s) {
        int tab = s.indexOf('\t');
        return tab < 0 ? "" : s.substring(0, tab);
    }

    private void reject(Context context, String id, long offset, String reason)
            throws IOException, InterruptedException {
        context.getCounter(EnsembleCounter.LINES_REJECTED).increment(1);
        reject.set(rejectLine(id, file, offset, reason));
        mos.write(
                EnsemblePredictTool.REJECTS,
                (Object) NullWritable.get(),
                (Object) reject,
                EnsemblePredictTool.REJECTS_DIR + "/part");
    }

    /** {@code id<TAB>file (byte offset): reason}, tabs and newlines replaced by spaces. */
    static String rejectLine(String id, String file, long offset, String reason) {
        // A lone surrogate in the id is shown as its escape: written raw, UTF-8 would turn it into '?'.
        return clean(id == null ? "" : JsonText.escapeLoneSurrogates(id)) + "\t"
                + clean(file + " (byte " + offset + "): " + reason);
    }

    private static String clean(String s) {
        return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }

    @Override
    protected void cleanup(Context context) throws IOException, InterruptedException {
        mos.close();
    }
}
