package dev.drafthorse.hive;

import dev.drafthorse.kernels.batch.BatchEngine;
import dev.drafthorse.kernels.batch.BatchOptions;
import dev.drafthorse.kernels.batch.BatchResult;
import dev.drafthorse.kernels.batch.PrefixCache;
import dev.drafthorse.kernels.batch.Request;
import dev.drafthorse.kernels.chat.TemplateError;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
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
 * {@code llm_infer(id, prompt, model_path [, options])}: the batched form of {@code llm_generate}, for whole tables.
 * Used as a plain {@code SELECT llm_infer(...) FROM t} (not a LATERAL VIEW): it buffers the rows it is given, decodes
 * them {@code batch_size} at a time with the batch engine (continuous batching: a finished row's slot goes to the next
 * one; prompts that share a prefix reuse its KV blocks from the prefix cache), and forwards one row per input row as
 * each finishes, the last ones from {@link #close()}, the way training UDTFs forward their models.
 *
 * <p>The rows equal the {@code infer} job's on the same (id, prompt) rows with the same options: each row samples from
 * its own stream seeded by (seed, id), the window is the model's trained context, and the engine's arithmetic does not
 * depend on the batch. (That is why the id is an argument: {@code llm_generate} seeds by the prompt.)
 *
 * <p>A row that cannot be decoded — a NULL id or prompt, an empty prompt, a prompt that fills the context window, a
 * conversation the chat template refuses — gives a row with NULL text and its reason in {@code error}, counted in
 * {@link HiveCounter#LLM_INFER_ROW_ERRORS}; the query goes on. Function-level mistakes (a model path that is not a
 * constant or names no file, an unknown or bad option) fail the query at compile time, naming the argument.
 */
@Description(
        name = "llm_infer",
        value = "_FUNC_(id, STRING prompt, STRING model_path [, MAP<STRING, primitive> options]) - one row (id STRING,"
                + " text STRING, tokens INT, finish_reason STRING, error STRING) per input row, decoded in batches",
        extended = "Options: those of llm_generate except n (one row per input row), plus batch_size (sequences decoded"
                + " together, default 32), queue (rows buffered and handed to the batch engine together, default 1024, at"
                + " least batch_size) and prefix_cache_mb (KV of shared prompt prefixes kept, default 256, 0 = off)."
                + " model_path and options are constants. Rows come out as they finish (not in input order); each row"
                + " samples from its own stream seeded by (seed, id), so the texts equal infer's on the same rows. A row"
                + " that fails gives NULL text and its reason in error (counted in the job counter"
                + " LLM_INFER_ROW_ERRORS); error is NULL otherwise.\n"
                + "Example:\n"
                + "  > ADD FILE hdfs:///models/stories260K.gguf;\n"
                + "  > INSERT OVERWRITE TABLE generations\n"
                + "  >   SELECT _FUNC_(id, prompt, 'stories260K.gguf', map('max_new_tokens', '64', 'batch_size', '32'))"
                + " FROM prompts;\n"
                + "  > SELECT id, text FROM generations WHERE error IS NULL;")
public final class LlmInferUDTF extends GenericUDTF {
    static final String NAME = "llm_infer";
    static final String SIGNATURE =
            NAME + "(id primitive, prompt STRING, model_path STRING [, options MAP<STRING, primitive>])";
    /** The options this function takes besides {@link LlmOptions}' (minus n). */
    static final List<String> BATCH_KEYS = List.of("batch_size", "queue", "prefix_cache_mb");
    /**
     * Sequences decoded together unless the options say otherwise: on the 110M shape, 2 cores, the batch command took
     * 34–39 s for 200 rows at 16 and 30 s at 32, while 48 and 64 gained little more (BENCHMARKS.md, issue 16).
     */
    static final int DEFAULT_BATCH = 32;
    /** Prompt tokens per sequence per pass while prefilling: {@code infer}'s. */
    static final int PREFILL_CHUNK = 128;

    private static final Logger LOG = LoggerFactory.getLogger(LlmInferUDTF.class);

    /**
     * The parsed options.
     *
     * @param llm the generation options, as {@code llm_generate} parses them
     * @param batchSize sequences decoded together
     * @param queue rows buffered before a run of the engine (at least batchSize)
     * @param prefixCacheMb MiB of prompt-prefix KV kept per function instance (0 = off)
     */
    record Options(LlmOptions llm, int batchSize, int queue, int prefixCacheMb) {
        static Options parse(Map<String, String> options) {
            if (options.containsKey("n")) {
                throw new IllegalArgumentException(
                        "option 'n' is llm_generate's: llm_infer gives one row per input row (seeded by its id)");
            }
            Map<String, String> llm = new HashMap<>(options);
            BATCH_KEYS.forEach(llm::remove);
            for (String key : llm.keySet()) {
                if (!LlmOptions.KEYS.contains(key)) {
                    List<String> known = new ArrayList<>(LlmOptions.KEYS);
                    known.remove("n");
                    known.addAll(BATCH_KEYS);
                    throw new IllegalArgumentException(
                            "unknown option '" + key + "' (known: " + String.join(", ", known) + ")");
                }
            }
            int batch = integer(options, "batch_size", DEFAULT_BATCH, 1, 4096);
            int queue = integer(options, "queue", 1024, 1, 1 << 20);
            if (queue < batch) {
                throw new IllegalArgumentException(
                        "option 'queue' (" + queue + ") must be >= option 'batch_size' (" + batch + ")");
            }
            int cacheMb = integer(options, "prefix_cache_mb", 256, 0, 1 << 20);
            return new Options(LlmOptions.parse(llm), batch, queue, cacheMb);
        }

        private static int integer(Map<String, String> m, String key, int fallback, int min, int max) {
            return (int) LlmOptions.integer(m, key, fallback, min, max); // in [min, max]: fits an int
        }
    }

    private transient PrimitiveObjectInspector idOI;
    private transient PrimitiveObjectInspector promptOI;
    private transient String path;
    private transient Options options;
    private transient MapredContext mapred;
    private transient Configuration conf;
    private transient TaskReport report;
    private transient Engines.Leases<Engines.LoadedModel> models;
    private transient Engines.LoadedModel model;
    private transient Engines.LoadedModel draft;
    private transient PrefixCache prefixCache;
    private transient ChatOptions.Templates templates;
    private transient List<Request> buffer;
    private transient Object[] row;
    private transient Text idText;
    private transient Text text;
    private transient IntWritable tokens;
    private transient Text finish;
    private transient Text error;

    @Override
    public void configure(MapredContext context) {
        mapred = context;
        conf = context.getJobConf();
    }

    @Override
    public StructObjectInspector initialize(ObjectInspector[] args) throws UDFArgumentException {
        Arguments.arity(NAME, SIGNATURE, args, 3, 4);
        if (args[0].getCategory() != Category.PRIMITIVE) {
            throw new UDFArgumentTypeException(
                    0,
                    NAME + ": argument 1 (id) must be a primitive (a string or a number), got "
                            + args[0].getTypeName());
        }
        idOI = (PrimitiveObjectInspector) args[0];
        promptOI = Arguments.string(NAME, args, 1, "prompt");
        PrimitiveObjectInspector pathOI = Arguments.string(NAME, args, 2, "model_path");
        path = Arguments.constantString(pathOI);
        if (path == null || path.isEmpty()) {
            throw new UDFArgumentTypeException(
                    2, NAME + ": argument 3 (model_path) must be a non-empty constant: the rows are decoded together");
        }
        LlmGenerateUDTF.modelExists(NAME, path, 2, "model_path", conf);
        options = parseOptions(args);
        LlmGenerateUDTF.modelExists(NAME, options.llm().draft(), 3, "option 'draft'", conf);
        report = new TaskReport(NAME, HiveCounter.LLM_INFER_ROW_ERRORS, LOG, mapred);
        models = new Engines.Leases<>(Engines::model);
        model = null;
        draft = null;
        prefixCache = null;
        templates = new ChatOptions.Templates();
        buffer = new ArrayList<>();
        row = new Object[5];
        idText = new Text();
        text = new Text();
        tokens = new IntWritable();
        finish = new Text();
        error = new Text();
        return ObjectInspectorFactory.getStandardStructObjectInspector(
                List.of("id", "text", "tokens", "finish_reason", "error"),
                List.of(
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector,
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector,
                        PrimitiveObjectInspectorFactory.writableIntObjectInspector,
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector,
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector));
    }

    private static Options parseOptions(ObjectInspector[] args) throws UDFArgumentTypeException {
        if (args.length < 4) {
            return Options.parse(Map.of());
        }
        MapObjectInspector oi = LlmGenerateUDTF.optionsMap(NAME, args, 3);
        if (!(args[3] instanceof ConstantObjectInspector c)) {
            throw new UDFArgumentTypeException(
                    3, NAME + ": argument 4 (options) must be a constant map: the rows are decoded together");
        }
        try {
            return Options.parse(LlmGenerateUDTF.readOptions(oi, c.getWritableConstantValue()));
        } catch (IllegalArgumentException e) {
            throw new UDFArgumentTypeException(3, NAME + ": " + e.getMessage());
        }
    }

    @Override
    public void process(Object[] args) throws HiveException {
        String id = args[0] == null ? null : PrimitiveObjectInspectorUtils.getString(args[0], idOI);
        if (id == null) {
            forwardError(null, "NULL id");
            return;
        }
        if (args[1] == null) {
            forwardError(id, "NULL prompt");
            return;
        }
        String prompt = PrimitiveObjectInspectorUtils.getString(args[1], promptOI);
        if (prompt.isEmpty()) {
            forwardError(id, "empty prompt");
            return;
        }
        load();
        LlmOptions o = options.llm();
        int ctx = model.model().config().contextLength();
        int[] ids;
        try {
            ids = o.chat().enabled()
                    ? templates
                            .of(path, model.model(), o.chat().dateFor(Engines.conf(conf)))
                            .tokens(o.chat().conversation(prompt))
                    : model.model()
                            .tokenizer()
                            .encode(prompt, model.model().tokenizer().addBosDefault(), true);
        } catch (TemplateError e) {
            forwardError(id, e.raised() ? e.getMessage() : "chat template error: " + e.getMessage());
            return;
        } catch (IllegalArgumentException e) {
            throw new HiveException(
                    NAME + ": " + e.getMessage(), e); // the model has no usable template: not a row's fault
        }
        if (ids.length == 0) {
            forwardError(id, "the prompt gives no tokens");
            return;
        }
        if (ids.length >= ctx) {
            forwardError(id, "prompt of " + ids.length + " tokens does not fit the context window of " + ctx);
            return;
        }
        GenerationOptions g = o.generation();
        buffer.add(new Request(
                id,
                ids,
                new GenerationOptions(
                        g.maxNewTokens(), g.sampler(), g.stop(), KvType.F32, PREFILL_CHUNK, window(ids.length, g, ctx)),
                Rng.forRow(o.seed(), id),
                o.constraint(model.model().tokenizer())));
        if (buffer.size() >= options.queue()) {
            decode();
        }
        report.progress();
    }

    /**
     * The row's context window: the model's trained context, or the prompt plus the generation limit when that is
     * shorter. The engine sizes a row's KV cache by it (up to 256 positions up front), so a short row no longer
     * allocates (and the collector no longer copies) 256 positions of every layer; the tokens are the same, as a row
     * that reaches its generation limit stops there before the window is checked.
     */
    static int window(int promptTokens, GenerationOptions g, int ctx) {
        return (int) Math.min(ctx, (long) promptTokens + g.maxNewTokens());
    }

    /** Takes the model (and draft) from the shared cache on the first row. */
    private void load() throws HiveException {
        if (model != null) {
            return;
        }
        Configuration c = Engines.conf(conf);
        try {
            model = models.get(path, c);
        } catch (IOException e) {
            throw new HiveException(NAME + ": cannot load the model '" + path + "': " + e.getMessage(), e);
        }
        String d = options.llm().draft();
        if (d != null) {
            try {
                draft = models.get(d, c);
            } catch (IOException e) {
                throw new HiveException(NAME + ": cannot load the draft model '" + d + "': " + e.getMessage(), e);
            }
        }
        prefixCache = options.prefixCacheMb() == 0
                ? null
                : new PrefixCache(model.model(), KvType.F32, (long) options.prefixCacheMb() << 20);
    }

    /** Runs the buffered rows through the batch engine, forwarding each as it finishes. */
    private void decode() throws HiveException {
        if (buffer.isEmpty()) {
            return;
        }
        List<Request> requests = new ArrayList<>(buffer);
        buffer.clear();
        BatchOptions bo = new BatchOptions(
                options.batchSize(),
                Long.MAX_VALUE,
                PREFILL_CHUNK,
                options.llm().speculation(),
                prefixCache != null);
        try {
            synchronized (model) {
                if (draft == null) {
                    run(requests, bo);
                } else {
                    synchronized (draft) {
                        run(requests, bo);
                    }
                }
            }
        } catch (ForwardFailed e) {
            throw e.getCause();
        } catch (IllegalArgumentException e) {
            throw new HiveException(NAME + ": " + e.getMessage(), e);
        }
    }

    private void run(List<Request> requests, BatchOptions bo) {
        BatchEngine engine =
                new BatchEngine(model.model(), draft == null ? null : draft.model()).withPrefixCache(prefixCache);
        engine.run(requests, bo, new BatchEngine.Listener() {
            @Override
            public void text(int index, String piece) {
                report.progress(); // a long generation is healthy work, not a hung task
            }

            @Override
            public void finished(int index, BatchResult r) {
                try {
                    forwardResult(r);
                } catch (HiveException e) {
                    throw new ForwardFailed(e);
                }
            }
        });
    }

    /** Carries a forward's failure out of the engine's listener. */
    private static final class ForwardFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ForwardFailed(HiveException e) {
            super(e);
        }

        @Override
        public synchronized HiveException getCause() {
            return (HiveException) super.getCause();
        }
    }

    private void forwardResult(BatchResult r) throws HiveException {
        idText.set(r.id());
        text.set(r.text());
        tokens.set(r.tokens().length);
        finish.set(r.finish().label());
        row[0] = idText;
        row[1] = text;
        row[2] = tokens;
        row[3] = finish;
        row[4] = null;
        report.count(HiveCounter.LLM_INFER_ROWS_DECODED, 1);
        report.count(HiveCounter.LLM_INFER_GENERATED_TOKENS, r.tokens().length);
        forward(row);
    }

    private void forwardError(String id, String reason) throws HiveException {
        report.rowError(reason);
        if (id == null) {
            row[0] = null;
        } else {
            idText.set(id);
            row[0] = idText;
        }
        error.set(reason);
        row[1] = null;
        row[2] = null;
        row[3] = null;
        row[4] = error;
        forward(row);
    }

    @Override
    public void close() throws HiveException {
        try {
            if (buffer != null) {
                decode();
            }
        } finally {
            if (report != null) {
                report.close();
            }
            if (models != null) {
                models.closeAll();
            }
            model = null;
            draft = null;
            prefixCache = null;
        }
    }

    @Override
    public String toString() {
        return NAME;
    }
}
