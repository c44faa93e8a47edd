package dev.drafthorse.hive;

import static dev.drafthorse.hive.Udtfs.constString;
import static dev.drafthorse.hive.Udtfs.constStringMap;
import static dev.drafthorse.hive.Udtfs.javaString;
import static dev.drafthorse.hive.Udtfs.list;
import static dev.drafthorse.hive.Udtfs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.hadoop.hive.ql.exec.MapredContext;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDF;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDTF;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.mapred.Counters;
import org.apache.hadoop.mapred.InputSplit;
import org.apache.hadoop.mapred.JobConf;
import org.apache.hadoop.mapred.Reporter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the functions tell their task, through the {@link MapredContext} Hive hands them in a MapReduce task: each
 * failed row increments its function's {@link HiveCounter}, good rows do not, and a generation reports progress at
 * every token (so a long row is not taken for a hung task). The reporter here keeps real Hadoop {@link Counters}.
 */
class TaskReportTest {
    static final String MODEL = LlmGenerateUDTFTest.MODEL;
    static final String SUN = LlmGenerateUDTFTest.SUN;

    /** A task's reporter: counters as Hadoop keeps them, and the number of progress calls. */
    static final class TaskReporter implements Reporter {
        final Counters counters = new Counters();
        long progress;

        @Override
        public void progress() {
            progress++;
        }

        @Override
        public void setStatus(String status) {}

        @Override
        public Counters.Counter getCounter(Enum<?> name) {
            return counters.findCounter(name);
        }

        @Override
        public Counters.Counter getCounter(String group, String name) {
            return counters.findCounter(group, name);
        }

        @Override
        public void incrCounter(Enum<?> key, long amount) {
            counters.incrCounter(key, amount);
        }

        @Override
        public void incrCounter(String group, String counter, long amount) {
            counters.incrCounter(group, counter, amount);
        }

        @Override
        public InputSplit getInputSplit() {
            throw new UnsupportedOperationException();
        }

        @Override
        public float getProgress() {
            return 0;
        }

        long count(HiveCounter c) {
            return counters.findCounter(c).getValue();
        }
    }

    private MapredContext context;
    private TaskReporter reporter;

    @BeforeEach
    void task() {
        context = MapredContext.init(true, new JobConf());
        reporter = new TaskReporter();
        context.setReporter(reporter);
    }

    @AfterEach
    void closeTask() {
        MapredContext.close();
    }

    private Udtfs.Run configured(GenericUDTF udtf, ObjectInspector... args) throws Exception {
        udtf.configure(context); // as Hive's UDTFOperator does, before initialize
        return new Udtfs.Run(udtf, args);
    }

    @Test
    void llmGenerateCountsErrorsAndReportsProgressPerToken() throws Exception {
        Udtfs.Run r = configured(new LlmGenerateUDTF(), javaString(), javaString(), map(javaString(), javaString()));
        r.process(SUN, MODEL, Map.of("max_new_tokens", "12"));
        assertEquals(0, reporter.count(HiveCounter.LLM_GENERATE_ROW_ERRORS));
        assertTrue(reporter.progress >= 12, "progress at every token: " + reporter.progress);
        r.process("", MODEL, Map.of());
        r.process(SUN, MODEL, Map.of("top_p", "2"));
        r.close();
        assertEquals(2, reporter.count(HiveCounter.LLM_GENERATE_ROW_ERRORS));
    }

    @Test
    void llmInferCountsErrorsRowsAndTokens() throws Exception {
        Udtfs.Run r = configured(
                new LlmInferUDTF(),
                javaString(),
                javaString(),
                constString(MODEL),
                constStringMap("max_new_tokens", "10"));
        r.process("a", SUN);
        r.process("b", null);
        r.process("c", "Lily");
        r.process("d", "");
        r.close();
        assertEquals(2, reporter.count(HiveCounter.LLM_INFER_ROW_ERRORS));
        assertEquals(2, reporter.count(HiveCounter.LLM_INFER_ROWS_DECODED));
        long tokens = r.rows.stream()
                .filter(x -> x.get(2) != null)
                .mapToLong(x -> (int) x.get(2))
                .sum();
        assertEquals(tokens, reporter.count(HiveCounter.LLM_INFER_GENERATED_TOKENS));
        assertTrue(reporter.progress >= tokens, "progress at every token: " + reporter.progress);
    }

    @Test
    void llmScoreCountsErrors() throws Exception {
        Udtfs.Run r = configured(
                new LlmScoreUDTF(), javaString(), list(javaString()), javaString(), map(javaString(), javaString()));
        r.process(SUN, List.of(" a", " b"), MODEL, Map.of());
        r.process("", List.of(" a", " b"), MODEL, Map.of());
        r.process(SUN, List.of(" a"), MODEL, Map.of("chat", "maybe"));
        r.process(SUN, List.of(" a"), "/no/such/model.gguf", Map.of());
        r.close();
        assertEquals(3, reporter.count(HiveCounter.LLM_SCORE_ROW_ERRORS));
        assertEquals(
                List.of(
                        "option 'chat' must be true or false, got 'maybe'",
                        "cannot load the model '/no/such/model.gguf': model file '/no/such/model.gguf' not found;"
                                + " looked in the local filesystem (/no/such/model.gguf)"),
                r.rows.subList(4, 6).stream().map(x -> (String) x.get(3)).toList());
    }

    @Test
    void llmEmbedCountsErrorsAndGivesNull() throws Exception {
        LlmEmbedUDF udf = new LlmEmbedUDF();
        udf.configure(context);
        udf.initialize(new ObjectInspector[] {javaString(), constString(MODEL)});
        assertTrue(eval(udf, SUN) != null);
        assertNull(eval(udf, ""));
        assertNull(eval(udf, "the cat sat ".repeat(2000)));
        assertNull(eval(udf, null)); // a NULL text is not an error
        udf.close();
        assertEquals(2, reporter.count(HiveCounter.LLM_EMBED_ROW_ERRORS));
    }

    private static Object eval(LlmEmbedUDF udf, String text) throws Exception {
        return udf.evaluate(new GenericUDF.DeferredObject[] {
            new GenericUDF.DeferredJavaObject(text == null ? null : new org.apache.hadoop.io.Text(text)),
            new GenericUDF.DeferredJavaObject(new org.apache.hadoop.io.Text(MODEL))
        });
    }
}
