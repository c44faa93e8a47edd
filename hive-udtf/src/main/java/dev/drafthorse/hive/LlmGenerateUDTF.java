package dev.drafthorse.hive;

import dev.drafthorse.kernels.chat.TemplateError;
import dev.drafthorse.kernels.generate.GenerationResult;
import dev.drafthorse.kernels.generate.Generator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.ql.exec.Description;
import org.apache.hadoop.hive.ql.exec.MapredContext;
import org.apache.hadoop.hive.ql.exec.UDFArgumentException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDTF;
import org.apache.hadoop.hive.serde2.objectinspector.ConstantObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.MapObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector.Category;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.PrimitiveObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.StructObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorUtils;
import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code llm_generate(prompt, model_path [, options])}: generates inline, one row per sample. Meant for
 * small and interactive work; large batches belong to the MapReduce {@code infer} job, which batches rows.
 *
 * <p>Sample i of a prompt samples from its own stream seeded by (seed, prompt, i) ({@link LlmOptions#rng}),
 * so the rows are a function of the prompt, the model and the options alone, whatever the query, task or
 * thread count. The model is loaded once per JVM and shared ({@link SharedCache}).
 *
 * <p>A row that fails — an empty prompt, bad options in a per-row options map, a conversation the chat template
 * refuses, a per-row model path that names no model, a generation the engine refuses — gives one row with NULL text,
 * tokens and {@code finish_reason} and its reason in {@code error} (NULL on good rows), counted in
 * {@link HiveCounter#LLM_GENERATE_ROW_ERRORS}; the query goes on. A NULL prompt gives no row (as {@code explode}
 * does for NULL). A constant model path that names no file, or constant options that do not parse, fail the query at
 * compile time.
 */
@Description(
        name = "llm_generate",
        value = "_FUNC_(STRING prompt, STRING model_path [, MAP<STRING, primitive> options]) - one row (sample_id INT,"
                + " text STRING, tokens INT, finish_reason STRING, error STRING) per sample",
        extended =
                "Options (all optional): n samples (1), max_new_tokens (128), temperature (0 = greedy), top_k (0 = off),"
                        + " top_p (1 = off), min_p (0 = off), seed (0), stop (a stop string), draft (a draft model path) or lookup"
                        + " ('true') for speculative decoding (greedy output unchanged), draft_max, lookup_ngram; chat ('true': the prompt"
                        + " is one user message rendered by the model's chat template), system (a system message), date (YYYY-MM-DD"
                        + " for the template's strftime_now; default the query's day). text excludes the prompt; tokens counts"
                        + " generated tokens; finish_reason is eos, stop, length or context. A row that fails (an empty prompt,"
                        + " bad per-row options, a conversation the template refuses) gives one row with NULL text, tokens and"
                        + " finish_reason and its reason in error (counted in the job counter LLM_GENERATE_ROW_ERRORS); error is"
                        + " NULL otherwise. For whole tables use llm_infer (batched). Same prompt, options and seed, same rows."
                        + " model_path is a local path, a file:// or Hadoop URI, or a file added with ADD FILE.\n"
                        + "Example:\n"
                        + "  > ADD FILE hdfs:///models/stories260K.gguf;\n"
                        + "  > SELECT p.id, g.sample_id, g.text FROM prompts p\n"
                        + "  >   LATERAL VIEW _FUNC_(p.prompt, 'stories260K.gguf', map('n', '2', 'temperature', '0.8', 'seed', '7')) g\n"
                        + "  >   AS sample_id, text, tokens, finish_reason, error;\n"
                        + "  1\t0\t Lily went to the park ...\n"
                        + "  1\t1\t He was very happy ...")
public final class LlmGenerateUDTF extends GenericUDTF {
    static final String NAME = "llm_generate";
    static final String SIGNATURE = NAME + "(prompt STRING, model_path STRING [, options MAP<STRING, primitive>])";
    static final String EMPTY_PROMPT = "empty prompt";
    private static final Logger LOG = LoggerFactory.getLogger(LlmGenerateUDTF.class);

    private transient PrimitiveObjectInspector promptOI;
    private transient PrimitiveObjectInspector pathOI;
    private transient MapObjectInspector optionsOI; // null when absent
    private transient LlmOptions constantOptions; // null unless the options are constant (or absent)
    private transient Map<String, String> lastOptionsMap;
    private transient LlmOptions lastOptions;
    private transient Configuration conf;
    private transient Engines.Leases<Engines.LoadedModel> models;
    private transient ChatOptions.Templates templates;
    private transient Object[] row;
    private transient IntWritable sampleId;
    private transient Text text;
    private transient IntWritable tokens;
    private transient Text finish;
    private transient Text error;
    private transient MapredContext mapred;
    private transient TaskReport report;
    private transient boolean loggedNull;

    @Override
    public void configure(MapredContext context) {
        mapred = context;
        conf = context.getJobConf();
    }

    @Override
    public StructObjectInspector initialize(ObjectInspector[] args) throws UDFArgumentException {
        Arguments.arity(NAME, SIGNATURE, args, 2, 3);
        promptOI = Arguments.string(NAME, args, 0, "prompt");
        pathOI = Arguments.string(NAME, args, 1, "model_path");
        String path = Arguments.constantString(pathOI);
        if (path != null && path.isEmpty()) {
            throw new UDFArgumentTypeException(1, NAME + ": model_path is empty");
        }
        modelExists(NAME, path, 1, "model_path", conf);
        optionsOI = null;
        constantOptions = LlmOptions.DEFAULTS;
        if (args.length == 3) {
            optionsOI = optionsMap(NAME, args, 2);
            if (args[2] instanceof ConstantObjectInspector c) {
                try {
                    constantOptions = LlmOptions.parse(readOptions(optionsOI, c.getWritableConstantValue()));
                } catch (IllegalArgumentException e) {
                    throw new UDFArgumentTypeException(2, NAME + ": " + e.getMessage());
                }
                if (constantOptions.draft() != null) {
                    modelExists(NAME, constantOptions.draft(), 2, "option 'draft'", conf);
                }
            } else {
                constantOptions = null;
            }
        }
        lastOptionsMap = null;
        lastOptions = null;
        models = new Engines.Leases<>(Engines::model);
        templates = new ChatOptions.Templates();
        row = new Object[5];
        sampleId = new IntWritable();
        text = new Text();
        tokens = new IntWritable();
        finish = new Text();
        error = new Text();
        report = new TaskReport(NAME, HiveCounter.LLM_GENERATE_ROW_ERRORS, LOG, mapred);
        loggedNull = false;
        return ObjectInspectorFactory.getStandardStructObjectInspector(
                List.of("sample_id", "text", "tokens", "finish_reason", "error"),
                List.of(
                        PrimitiveObjectInspectorFactory.writableIntObjectInspector,
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector,
                        PrimitiveObjectInspectorFactory.writableIntObjectInspector,
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector,
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector));
    }

    /**
     * A constant model path must name a file: a query error at compile time, naming the argument (a path that varies
     * by row is checked row by row).
     */
    static void modelExists(String function, String path, int position, String what, Configuration conf)
            throws UDFArgumentTypeException {
        if (path == null) {
            return;
        }
        try {
            ModelFiles.check(path, Engines.conf(conf));
        } catch (IOException e) {
            throw new UDFArgumentTypeException(position, function + ": " + what + ": " + e.getMessage());
        }
    }

    /** A MAP with string keys and primitive values. */
    static MapObjectInspector optionsMap(String function, ObjectInspector[] args, int i)
            throws UDFArgumentTypeException {
        if (args[i].getCategory() != Category.MAP
                || !Arguments.isString(((MapObjectInspector) args[i]).getMapKeyObjectInspector())
                || ((MapObjectInspector) args[i]).getMapValueObjectInspector().getCategory() != Category.PRIMITIVE) {
            throw new UDFArgumentTypeException(
                    i,
                    function + ": argument " + (i + 1) + " (options) must be MAP<STRING, primitive>, got "
                            + args[i].getTypeName());
        }
        return (MapObjectInspector) args[i];
    }

    /** The map as key to value text; NULL keys are refused, NULL values mean "not set". */
    static Map<String, String> readOptions(MapObjectInspector oi, Object value) {
        Map<String, String> out = new HashMap<>();
        Map<?, ?> m = value == null ? null : oi.getMap(value);
        if (m == null) {
            return out;
        }
        PrimitiveObjectInspector k = (PrimitiveObjectInspector) oi.getMapKeyObjectInspector();
        PrimitiveObjectInspector v = (PrimitiveObjectInspector) oi.getMapValueObjectInspector();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("an option key is NULL");
            }
            if (e.getValue() != null) {
                out.put(
                        PrimitiveObjectInspectorUtils.getString(e.getKey(), k),
                        PrimitiveObjectInspectorUtils.getString(e.getValue(), v));
            }
        }
        return out;
    }

    /** @throws IllegalArgumentException naming the option at fault (a row error) */
    private LlmOptions options(Object value) {
        if (constantOptions != null) {
            return constantOptions;
        }
        Map<String, String> m = readOptions(optionsOI, value);
        if (!m.equals(lastOptionsMap)) {
            lastOptions = LlmOptions.parse(m);
            lastOptionsMap = m;
        }
        return lastOptions;
    }

    @Override
    public void process(Object[] args) throws HiveException {
        if (args[0] == null) {
            return;
        }
        if (args[1] == null) {
            if (!loggedNull) {
                loggedNull = true;
                LOG.warn("{}: a row with a NULL model_path gives no row (logged once)", NAME);
            }
            return;
        }
        String prompt = PrimitiveObjectInspectorUtils.getString(args[0], promptOI);
        LlmOptions opts;
        try {
            opts = options(optionsOI == null ? null : args[2]);
        } catch (IllegalArgumentException e) {
            forwardError(e.getMessage());
            return;
        }
        if (prompt.isEmpty()) {
            forwardError(EMPTY_PROMPT);
            return;
        }
        String path = PrimitiveObjectInspectorUtils.getString(args[1], pathOI);
        Engines.LoadedModel m;
        try {
            m = models.get(path, Engines.conf(conf));
        } catch (IOException e) {
            forwardError("cannot load the model '" + path + "': " + e.getMessage());
            return;
        }
        Engines.LoadedModel d = null;
        if (opts.draft() != null) {
            try {
                d = models.get(opts.draft(), Engines.conf(conf));
            } catch (IOException e) {
                forwardError("cannot load the draft model '" + opts.draft() + "': " + e.getMessage());
                return;
            }
        }
        Generator g;
        int[] ids;
        try {
            g = new Generator(m.model(), d == null ? null : d.model(), opts.speculation());
            ids = opts.chat().enabled()
                    ? templates
                            .of(path, m.model(), opts.chat().dateFor(conf))
                            .tokens(opts.chat().conversation(prompt))
                    : g.promptTokens(prompt);
        } catch (TemplateError e) {
            forwardError(e.raised() ? e.getMessage() : "chat template error: " + e.getMessage());
            return;
        } catch (IllegalArgumentException e) {
            forwardError(e.getMessage());
            return;
        }
        List<GenerationResult> results = new ArrayList<>();
        try {
            for (int i = 0; i < opts.n(); i++) {
                synchronized (m) {
                    if (d == null) {
                        results.add(generate(g, ids, opts, prompt, i, m));
                    } else {
                        synchronized (d) {
                            results.add(generate(g, ids, opts, prompt, i, m));
                        }
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            forwardError("generation failed for a prompt of " + prompt.length() + " characters: " + e.getMessage());
            return;
        }
        for (int i = 0; i < results.size(); i++) {
            GenerationResult r = results.get(i);
            sampleId.set(i);
            text.set(r.text());
            tokens.set(r.tokens().length);
            finish.set(r.finish().label());
            row[0] = sampleId;
            row[1] = text;
            row[2] = tokens;
            row[3] = finish;
            row[4] = null;
            forward(row);
        }
    }

    private GenerationResult generate(
            Generator g, int[] ids, LlmOptions opts, String prompt, int i, Engines.LoadedModel m) {
        return g.generate(
                ids,
                opts.generation(),
                opts.rng(prompt, i),
                t -> report.progress(), // a long generation is healthy work, not a hung task
                opts.constraint(m.model().tokenizer()));
    }

    /** One row with NULL text, tokens and finish_reason, and the reason in error; counted and logged once. */
    private void forwardError(String reason) throws HiveException {
        report.rowError(reason);
        sampleId.set(0);
        error.set(reason);
        row[0] = sampleId;
        row[1] = null;
        row[2] = null;
        row[3] = null;
        row[4] = error;
        forward(row);
    }

    @Override
    public void close() throws HiveException {
        if (report != null) {
            report.close();
        }
        if (models != null) {
            models.closeAll();
        }
    }

    @Override
    public String toString() {
        return NAME;
    }
}
