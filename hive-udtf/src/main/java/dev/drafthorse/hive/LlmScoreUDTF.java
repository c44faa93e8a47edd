package dev.drafthorse.hive;

import dev.drafthorse.kernels.chat.ChatPrompts;
import dev.drafthorse.kernels.chat.Rendered;
import dev.drafthorse.kernels.chat.TemplateError;
import dev.drafthorse.kernels.generate.Scorer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.ql.exec.Description;
import org.apache.hadoop.hive.ql.exec.MapredContext;
import org.apache.hadoop.hive.ql.exec.UDFArgumentException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDTF;
import org.apache.hadoop.hive.serde2.io.DoubleWritable;
import org.apache.hadoop.hive.serde2.objectinspector.ConstantObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ListObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.MapObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector.Category;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.PrimitiveObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.StructObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorUtils;
import org.apache.hadoop.io.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code llm_score(prompt, candidates, model_path)}: how likely the model finds each candidate as the
 * continuation of the prompt: classification by comparing labels, one row per candidate.
 *
 * <p>{@code logprob} is the natural-log probability of the candidate's tokens after the prompt (teacher
 * forcing, see {@link Scorer}); {@code prob} is the softmax of the logprobs over the row's candidates, so
 * the row's probs sum to 1. Scores depend on the prompt, candidate and model only (no sampling).
 *
 * <p>A NULL prompt, candidates array or model path gives no row; NULL candidates are skipped. A row that fails — an
 * empty prompt, bad per-row options, a conversation the chat template refuses, a prompt and candidate past the context
 * window, a per-row model path that names no model — gives its candidates with NULL logprob and prob and the reason in
 * {@code error} (NULL on good rows), counted in {@link HiveCounter#LLM_SCORE_ROW_ERRORS}; the query goes on.
 */
@Description(
        name = "llm_score",
        value =
                "_FUNC_(STRING prompt, ARRAY<STRING> candidates, STRING model_path [, MAP<STRING, STRING> options]) - one row"
                        + " (candidate STRING,"
                        + " logprob DOUBLE, prob DOUBLE, error STRING) per candidate, prob normalized over the candidates",
        extended =
                "logprob is the natural log of the probability of the candidate's tokens following the prompt; prob is"
                        + " exp(logprob) / sum over the row's candidates. Write candidates as they would follow the prompt"
                        + " (usually with a leading space). NULL candidates are skipped. A row that fails (an empty prompt, a template"
                        + " refusal, past the context window) gives NULL scores and its reason in error (counted in the job counter"
                        + " LLM_SCORE_ROW_ERRORS); error is NULL otherwise. Options: chat"
                        + " ('true': the prompt is one user message rendered by the model's chat template, the candidates follow the"
                        + " assistant header), system (a system message), date (YYYY-MM-DD for strftime_now; default the query's"
                        + " day).\n"
                        + "Example:\n"
                        + "  > SELECT r.id, s.candidate, s.prob FROM reviews r\n"
                        + "  >   LATERAL VIEW _FUNC_(concat('Review: ', r.body, '\\nSentiment:'), array(' positive', ' negative'),\n"
                        + "  >                       'hdfs:///models/stories260K.gguf') s AS candidate, logprob, prob, error;\n"
                        + "  1\t positive\t0.71\n"
                        + "  1\t negative\t0.29")
public final class LlmScoreUDTF extends GenericUDTF {
    static final String NAME = "llm_score";
    static final String SIGNATURE =
            NAME + "(prompt STRING, candidates ARRAY<STRING>, model_path STRING [, options MAP<STRING, STRING>])";
    /** The options this function takes: the chat keys. */
    static final List<String> KEYS = ChatOptions.KEYS;

    private static final Logger LOG = LoggerFactory.getLogger(LlmScoreUDTF.class);

    private transient PrimitiveObjectInspector promptOI;
    private transient ListObjectInspector candidatesOI;
    private transient PrimitiveObjectInspector candidateOI;
    private transient PrimitiveObjectInspector pathOI;
    private transient Configuration conf;
    private transient Engines.Leases<Engines.LoadedModel> models;
    private transient MapObjectInspector optionsOI; // null when absent
    private transient ChatOptions constantChat; // null unless the options are constant (or absent)
    private transient ChatOptions.Templates templates;
    private transient Object[] row;
    private transient Text candidate;
    private transient DoubleWritable logprob;
    private transient DoubleWritable prob;
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
        Arguments.arity(NAME, SIGNATURE, args, 3, 4);
        promptOI = Arguments.string(NAME, args, 0, "prompt");
        if (args[1].getCategory() != Category.LIST
                || !Arguments.isString(((ListObjectInspector) args[1]).getListElementObjectInspector())) {
            throw new UDFArgumentTypeException(
                    1, NAME + ": argument 2 (candidates) must be ARRAY<STRING>, got " + args[1].getTypeName());
        }
        candidatesOI = (ListObjectInspector) args[1];
        candidateOI = (PrimitiveObjectInspector) candidatesOI.getListElementObjectInspector();
        pathOI = Arguments.string(NAME, args, 2, "model_path");
        String path = Arguments.constantString(pathOI);
        if (path != null && path.isEmpty()) {
            throw new UDFArgumentTypeException(2, NAME + ": model_path is empty");
        }
        LlmGenerateUDTF.modelExists(NAME, path, 2, "model_path", conf);
        optionsOI = null;
        constantChat = ChatOptions.OFF;
        if (args.length == 4) {
            optionsOI = LlmGenerateUDTF.optionsMap(NAME, args, 3);
            if (args[3] instanceof ConstantObjectInspector c) {
                try {
                    constantChat = chatOptions(LlmGenerateUDTF.readOptions(optionsOI, c.getWritableConstantValue()));
                } catch (IllegalArgumentException e) {
                    throw new UDFArgumentTypeException(3, NAME + ": " + e.getMessage());
                }
            } else {
                constantChat = null;
            }
        }
        templates = new ChatOptions.Templates();
        models = new Engines.Leases<>(Engines::model);
        row = new Object[4];
        candidate = new Text();
        logprob = new DoubleWritable();
        prob = new DoubleWritable();
        error = new Text();
        report = new TaskReport(NAME, HiveCounter.LLM_SCORE_ROW_ERRORS, LOG, mapred);
        loggedNull = false;
        return ObjectInspectorFactory.getStandardStructObjectInspector(
                List.of("candidate", "logprob", "prob", "error"),
                List.of(
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector,
                        PrimitiveObjectInspectorFactory.writableDoubleObjectInspector,
                        PrimitiveObjectInspectorFactory.writableDoubleObjectInspector,
                        PrimitiveObjectInspectorFactory.writableStringObjectInspector));
    }

    @Override
    public void process(Object[] args) throws HiveException {
        if (args[0] == null || args[1] == null) {
            return;
        }
        if (args[2] == null) {
            if (!loggedNull) {
                loggedNull = true;
                LOG.warn("{}: a row with a NULL model_path gives no row (logged once)", NAME);
            }
            return;
        }
        List<String> candidates = new ArrayList<>();
        int len = candidatesOI.getListLength(args[1]);
        for (int i = 0; i < len; i++) {
            Object e = candidatesOI.getListElement(args[1], i);
            if (e != null) {
                candidates.add(PrimitiveObjectInspectorUtils.getString(e, candidateOI));
            }
        }
        if (candidates.isEmpty()) {
            return;
        }
        String prompt = PrimitiveObjectInspectorUtils.getString(args[0], promptOI);
        if (prompt.isEmpty()) {
            rejectRow(candidates, "empty prompt");
            return;
        }
        ChatOptions chat = constantChat;
        if (chat == null) {
            try {
                chat = chatOptions(LlmGenerateUDTF.readOptions(optionsOI, args[3]));
            } catch (IllegalArgumentException e) {
                rejectRow(candidates, e.getMessage());
                return;
            }
        }
        String path = PrimitiveObjectInspectorUtils.getString(args[2], pathOI);
        Engines.LoadedModel m;
        try {
            m = models.get(path, Engines.conf(conf));
        } catch (IOException e) {
            rejectRow(candidates, "cannot load the model '" + path + "': " + e.getMessage());
            return;
        }
        List<Scorer.Score> scores;
        try {
            synchronized (m) {
                if (chat.enabled()) {
                    ChatPrompts p = templates.of(path, m.model(), chat.dateFor(conf));
                    Rendered r = p.render(chat.conversation(prompt));
                    List<int[]> wholes = new ArrayList<>();
                    for (String c : candidates) {
                        wholes.add(p.tokens(r.plusData(c)));
                    }
                    scores = new Scorer(m.model()).scoreTree(p.tokens(r), wholes);
                } else {
                    scores = new Scorer(m.model()).score(prompt, candidates);
                }
            }
        } catch (TemplateError e) {
            rejectRow(candidates, e.raised() ? e.getMessage() : "chat template error: " + e.getMessage());
            return;
        } catch (IllegalArgumentException e) {
            rejectRow(
                    candidates, "scoring failed for a prompt of " + prompt.length() + " characters: " + e.getMessage());
            return;
        }
        report.progress();
        double[] probs = Scorer.probabilities(scores);
        for (int i = 0; i < candidates.size(); i++) {
            candidate.set(candidates.get(i));
            logprob.set(scores.get(i).logprob());
            prob.set(probs[i]);
            row[0] = candidate;
            row[1] = logprob;
            row[2] = prob;
            row[3] = null;
            forward(row);
        }
    }

    private static ChatOptions chatOptions(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(
                        "unknown option '" + key + "' (known: " + String.join(", ", KEYS) + ")");
            }
        }
        return ChatOptions.parse(options);
    }

    /** A row that failed: its candidates with NULL scores and the reason; counted, the first logged. */
    private void rejectRow(List<String> candidates, String reason) throws HiveException {
        report.rowError(reason);
        error.set(reason);
        for (String c : candidates) {
            candidate.set(c);
            row[0] = candidate;
            row[1] = null;
            row[2] = null;
            row[3] = error;
            forward(row);
        }
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
