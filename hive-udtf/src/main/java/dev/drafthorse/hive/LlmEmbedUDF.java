package dev.drafthorse.hive;

import dev.drafthorse.kernels.embed.Embedder;
import dev.drafthorse.kernels.embed.Normalization;
import dev.drafthorse.kernels.embed.Pooling;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.ql.exec.Description;
import org.apache.hadoop.hive.ql.exec.MapredContext;
import org.apache.hadoop.hive.ql.exec.UDFArgumentException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDF;
import org.apache.hadoop.hive.serde2.objectinspector.ConstantObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.MapObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.PrimitiveObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorUtils;
import org.apache.hadoop.io.FloatWritable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code llm_embed(text, model_path [, options])}: the text's sentence embedding, {@code ARRAY<FLOAT>}, the vector the
 * {@code embed} command and {@code infer --mode embed} write for it (the same {@link Embedder}, bit for bit).
 *
 * <p>Options (a {@code MAP<STRING, STRING>}): {@code pooling} (mean, last or cls; default the GGUF's
 * {@code <arch>.pooling_type}, else mean) and {@code normalize} (l2, the default, or none). A UDF sees one row at a time,
 * so each row is its own forward pass; for large tables {@code infer --mode embed} packs rows into passes.
 *
 * <p>A NULL text or model path gives NULL. A row that fails — an empty text, one longer than the model's context
 * window (cut long texts with {@code explode_chunks} and embed the chunks), bad per-row options, a per-row model path
 * that names no model — also gives NULL, and is counted in {@link HiveCounter#LLM_EMBED_ROW_ERRORS} with the first
 * reason logged; the query goes on. A UDF returns one value, so it has no error column: the counter and the log tell
 * a failed row from a NULL input ({@code text IS NOT NULL AND emb IS NULL} finds the failed rows). The model is read once per JVM
 * through the {@link SharedCache}; as in {@link EnsemblePredictUDF}, an instance gives its models back at
 * {@link #close()} or, where Hive never closes it (a fetch task), when it is garbage-collected.
 */
@Description(
        name = "llm_embed",
        value =
                "_FUNC_(STRING text, STRING model_path [, MAP<STRING, STRING> options]) - ARRAY<FLOAT>: the text's sentence"
                        + " embedding (final hidden states pooled, L2-normalized), as the embed command writes it",
        extended =
                "Options: pooling (mean, last or cls; default the model's pooling_type, else mean), normalize (l2 or none)."
                        + " With l2 a dot product of two vectors is their cosine similarity. model_path is a local path, a file:// or"
                        + " Hadoop URI, or the name of a file added with ADD FILE. NULL text or model_path gives NULL; a row that fails (an"
                        + " empty text, one past the context window, bad per-row options) gives NULL too, counted in the job counter"
                        + " LLM_EMBED_ROW_ERRORS and logged (cut long texts with explode_chunks).\n"
                        + "Example:\n"
                        + "  > SELECT id, _FUNC_(body, 'hdfs:///models/embedder.gguf', map('pooling', 'last')) FROM docs;\n"
                        + "  1\t[0.0123,-0.0456,...]\n"
                        + "  > SELECT d.id, c.chunk_id, _FUNC_(c.chunk, 'embedder.gguf') FROM docs d\n"
                        + "  >   LATERAL VIEW explode_chunks(d.body, 'embedder.gguf', 256, 32)\n"
                        + "  >     c AS chunk_id, chunk, token_start, token_end;")
public final class LlmEmbedUDF extends GenericUDF {
    static final String NAME = "llm_embed";
    static final String SIGNATURE = NAME + "(text STRING, model_path STRING [, options MAP<STRING, STRING>])";
    /** The options this function takes. */
    static final List<String> KEYS = List.of("pooling", "normalize");

    private static final Logger LOG = LoggerFactory.getLogger(LlmEmbedUDF.class);
    private static final Cleaner CLEANER = Cleaner.create();

    /** Parsed options: pooling null means the model's. */
    record Options(Pooling pooling, Normalization normalization) {
        static Options parse(Map<String, String> m) {
            for (String key : m.keySet()) {
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException(
                            "unknown option '" + key + "' (known: " + String.join(", ", KEYS) + ")");
                }
            }
            Pooling p = m.containsKey("pooling") ? Pooling.parse("option pooling", m.get("pooling")) : null;
            if (p == Pooling.NONE) {
                throw new IllegalArgumentException(
                        "option pooling none gives a vector per token; a row gets one vector: mean, last or cls");
            }
            return new Options(p, Normalization.parse("option normalize", m.getOrDefault("normalize", "l2")));
        }
    }

    private transient PrimitiveObjectInspector textOI;
    private transient PrimitiveObjectInspector pathOI;
    private transient MapObjectInspector optionsOI; // null when absent
    private transient Options constantOptions; // null unless the options are constant (or absent)
    private transient Configuration conf;
    private transient Engines.Leases<Engines.LoadedModel> models;
    private transient Cleaner.Cleanable release;
    private transient MapredContext mapred;
    private transient TaskReport report;

    @Override
    public void configure(MapredContext context) {
        mapred = context;
        conf = context.getJobConf();
    }

    @Override
    public ObjectInspector initialize(ObjectInspector[] args) throws UDFArgumentException {
        Arguments.arity(NAME, SIGNATURE, args, 2, 3);
        textOI = Arguments.string(NAME, args, 0, "text");
        pathOI = Arguments.string(NAME, args, 1, "model_path");
        String path = Arguments.constantString(pathOI);
        if (path != null && path.isEmpty()) {
            throw new UDFArgumentTypeException(1, NAME + ": model_path is empty");
        }
        LlmGenerateUDTF.modelExists(NAME, path, 1, "model_path", conf);
        optionsOI = null;
        constantOptions = new Options(null, Normalization.L2);
        if (args.length == 3) {
            optionsOI = LlmGenerateUDTF.optionsMap(NAME, args, 2);
            if (args[2] instanceof ConstantObjectInspector c) {
                try {
                    constantOptions =
                            Options.parse(LlmGenerateUDTF.readOptions(optionsOI, c.getWritableConstantValue()));
                } catch (IllegalArgumentException e) {
                    throw new UDFArgumentTypeException(2, NAME + ": " + e.getMessage());
                }
            } else {
                constantOptions = null;
            }
        }
        if (release != null) {
            release.clean();
        }
        Engines.Leases<Engines.LoadedModel> leases = new Engines.Leases<>(Engines::model);
        models = leases;
        release = CLEANER.register(this, leases::closeAll); // must not capture this
        report = new TaskReport(NAME, HiveCounter.LLM_EMBED_ROW_ERRORS, LOG, mapred);
        return ObjectInspectorFactory.getStandardListObjectInspector(
                PrimitiveObjectInspectorFactory.writableFloatObjectInspector);
    }

    @Override
    public Object evaluate(DeferredObject[] args) throws HiveException {
        Object t = args[0].get();
        Object p = args[1].get();
        if (t == null || p == null) {
            return null;
        }
        String text = PrimitiveObjectInspectorUtils.getString(t, textOI);
        String path = PrimitiveObjectInspectorUtils.getString(p, pathOI);
        Options options = constantOptions;
        if (options == null) {
            try {
                options = Options.parse(LlmGenerateUDTF.readOptions(optionsOI, args[2].get()));
            } catch (IllegalArgumentException e) {
                report.rowError(e.getMessage());
                return null;
            }
        }
        Engines.LoadedModel m;
        try {
            m = models.get(path, Engines.conf(conf));
        } catch (IOException e) {
            report.rowError("cannot load the model '" + path + "': " + e.getMessage());
            return null;
        }
        float[] v;
        synchronized (m) {
            Embedder embedder;
            try {
                embedder = new Embedder(
                        m.model(),
                        options.pooling(),
                        options.normalization(),
                        m.model().config().contextLength(),
                        Embedder.DEFAULT_BATCH_TOKENS);
            } catch (IOException e) {
                throw new HiveException(NAME + ": the model '" + path + "': " + e.getMessage(), e);
            }
            int[] ids = embedder.tokens(text);
            try {
                if (text.isEmpty()) {
                    throw new IllegalArgumentException("an empty text is a bad row");
                }
                embedder.check(ids);
            } catch (IllegalArgumentException e) {
                report.rowError(e.getMessage());
                return null;
            }
            v = embedder.embedTokens(List.of(ids)).get(0);
        }
        report.progress();
        List<FloatWritable> out = new ArrayList<>(v.length);
        for (float f : v) {
            out.add(new FloatWritable(f));
        }
        return out;
    }

    @Override
    public String getDisplayString(String[] children) {
        return getStandardDisplayString(NAME, children);
    }

    @Override
    public void close() {
        if (report != null) {
            report.close();
        }
        if (release != null) {
            release.clean();
        }
    }

    @Override
    public String toString() {
        return NAME;
    }
}
