package dev.drafthorse.hive;

import static dev.drafthorse.hive.Udtfs.constString;
import static dev.drafthorse.hive.Udtfs.constStringMap;
import static dev.drafthorse.hive.Udtfs.javaInt;
import static dev.drafthorse.hive.Udtfs.javaString;
import static dev.drafthorse.hive.Udtfs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.generate.GenerationResult;
import dev.drafthorse.kernels.generate.Generator;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.tensor.Parallel;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.hive.ql.exec.UDFArgumentLengthException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.junit.jupiter.api.Test;

/**
 * {@code llm_infer} driven as Hive drives a UDTF. The oracle is the plain generator, one row at a time, seeded as
 * {@code infer} seeds a row (seed, id) with {@code infer}'s window (the model's context): the batch engine must give
 * the same bits batched.
 */
class LlmInferUDTFTest {
    static final String MODEL = LlmGenerateUDTFTest.MODEL;
    static final String SUN = LlmGenerateUDTFTest.SUN;

    private static UDFArgumentTypeException typeError(int position, ObjectInspector... args) {
        UDFArgumentTypeException e =
                assertThrows(UDFArgumentTypeException.class, () -> new LlmInferUDTF().initialize(args));
        assertEquals(position, e.getArgumentId(), e.getMessage());
        assertTrue(e.getMessage().startsWith("llm_infer: "), e.getMessage());
        return e;
    }

    /** The generator alone on one row, as infer seeds it: (seed, id), the model's context as the window. */
    static List<Object> oracle(Model m, String id, String prompt, float temperature, int maxNew, long seed) {
        GenerationOptions o = new GenerationOptions(
                maxNew,
                new SamplerOptions(temperature, 0, 1f, 0f, seed),
                List.of(),
                KvType.F32,
                LlmInferUDTF.PREFILL_CHUNK,
                m.config().contextLength());
        Generator g = new Generator(m);
        GenerationResult r = g.generate(g.promptTokens(prompt), o, Rng.forRow(seed, id), t -> {});
        return Arrays.asList(id, r.text(), r.tokens().length, r.finish().label(), null);
    }

    private static Map<String, List<Object>> byId(List<List<Object>> rows) {
        Map<String, List<Object>> m = new TreeMap<>();
        for (List<Object> r : rows) {
            assertNull(m.put((String) r.get(0), r), "one row per id: " + r.get(0));
        }
        return m;
    }

    @Test
    void wrongArityAndArguments() {
        UDFArgumentLengthException e = assertThrows(
                UDFArgumentLengthException.class,
                () -> new LlmInferUDTF().initialize(new ObjectInspector[] {javaString(), javaString()}));
        assertTrue(e.getMessage().startsWith("llm_infer takes 3 to 4 arguments, got 2: llm_infer(id"), e.getMessage());
        typeError(0, Udtfs.list(javaString()), javaString(), constString(MODEL));
        typeError(1, javaString(), javaInt(), constString(MODEL));
        assertTrue(typeError(2, javaString(), javaString(), javaString())
                .getMessage()
                .contains("model_path) must be a non-empty constant"));
        assertTrue(typeError(2, javaString(), javaString(), constString("/no/such/model.gguf"))
                .getMessage()
                .contains("model file '/no/such/model.gguf' not found"));
        assertTrue(typeError(3, javaString(), javaString(), constString(MODEL), map(javaString(), javaString()))
                .getMessage()
                .contains("must be a constant map"));
    }

    @Test
    void badOptionsFailAtInitializeByName() {
        String known = typeError(3, javaString(), javaString(), constString(MODEL), constStringMap("max_tokens", "3"))
                .getMessage();
        assertTrue(known.contains("unknown option 'max_tokens' (known: max_new_tokens,"), known);
        assertTrue(known.contains("batch_size, queue, prefix_cache_mb)"), known);
        assertTrue(typeError(3, javaString(), javaString(), constString(MODEL), constStringMap("n", "2"))
                .getMessage()
                .contains("option 'n' is llm_generate's"));
        assertTrue(typeError(3, javaString(), javaString(), constString(MODEL), constStringMap("batch_size", "0"))
                .getMessage()
                .contains("option 'batch_size' must be in [1, 4096], got 0"));
        assertTrue(typeError(
                        3,
                        javaString(),
                        javaString(),
                        constString(MODEL),
                        constStringMap("batch_size", "8", "queue", "4"))
                .getMessage()
                .contains("option 'queue' (4) must be >= option 'batch_size' (8)"));
        assertTrue(typeError(3, javaString(), javaString(), constString(MODEL), constStringMap("temperature", "hot"))
                .getMessage()
                .contains("option 'temperature' must be a number, got 'hot'"));
    }

    @Test
    void aRowsWindowIsItsPromptAndLimitWithinTheModelsContext() {
        GenerationOptions g = LlmOptions.parse(Map.of("max_new_tokens", "32")).generation();
        assertEquals(42, LlmInferUDTF.window(10, g, 512), "a short row holds only what it can reach");
        assertEquals(512, LlmInferUDTF.window(500, g, 512), "the model's context caps it");
        GenerationOptions unlimited = LlmOptions.parse(Map.of("max_new_tokens", String.valueOf(Integer.MAX_VALUE)))
                .generation();
        assertEquals(512, LlmInferUDTF.window(10, unlimited, 512), "no int overflow");
    }

    @Test
    void outputSchema() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new LlmInferUDTF(), javaString(), javaString(), constString(MODEL));
        assertEquals(List.of("id", "text", "tokens", "finish_reason", "error"), r.columnNames());
        assertEquals(List.of("string", "string", "int", "string", "string"), r.columnTypes());
    }

    @Test
    void greedyFollowsTheReferenceTextWithinTheModelsContext() throws Exception {
        String reference = Files.readString(SharedFiles.model("stories260K.greedy.sun.120.txt"))
                .strip();
        Udtfs.Run r = new Udtfs.Run(
                new LlmInferUDTF(),
                javaInt(),
                javaString(),
                constString(MODEL),
                constStringMap("max_new_tokens", "120"));
        assertEquals(List.of(), r.process(7, SUN), "buffered until close");
        r.close();
        assertEquals(1, r.rows.size());
        List<Object> row = r.rows.get(0);
        String text = ((String) row.get(1)).strip();
        assertTrue(text.length() > 200 && reference.startsWith(text), text);
        try (Parallel par = new Parallel(1)) {
            Model m = Model.load(SharedFiles.model("stories260K.gguf"), par);
            // As infer: the window is the model's trained context, so the row ends at it or at 120 tokens.
            int prompt = new Generator(m).promptTokens(SUN).length;
            int tokens = (int) row.get(2);
            assertEquals(
                    prompt + 120 <= m.config().contextLength()
                            ? 120
                            : m.config().contextLength() - prompt,
                    tokens);
            assertEquals(tokens == 120 ? "length" : "context", row.get(3));
            assertEquals(oracle(m, "7", SUN, 0f, 120, 0), row);
        }
    }

    @Test
    void sampledRowsEqualTheGeneratorAloneSeededByIdWhateverTheBatch() throws Exception {
        List<String> prompts = List.of(SUN, "Lily", "Tom had a red ball", "Once upon a time", SUN, "The dog");
        Map<String, List<Object>> expected = new TreeMap<>();
        try (Parallel par = new Parallel(1)) {
            Model m = Model.load(SharedFiles.model("stories260K.gguf"), par);
            for (int i = 0; i < prompts.size(); i++) {
                expected.put("r" + i, oracle(m, "r" + i, prompts.get(i), 1.0f, 20, 5));
            }
        }
        for (String batch : List.of("1", "3", "16")) {
            // queue = batch: the engine runs (and rows come out) during process, the rest at close.
            Udtfs.Run r = new Udtfs.Run(
                    new LlmInferUDTF(),
                    javaString(),
                    javaString(),
                    constString(MODEL),
                    constStringMap(
                            "temperature",
                            "1.0",
                            "seed",
                            "5",
                            "max_new_tokens",
                            "20",
                            "batch_size",
                            batch,
                            "queue",
                            batch));
            int duringProcess = 0;
            for (int i = 0; i < prompts.size(); i++) {
                duringProcess += r.process("r" + i, prompts.get(i)).size();
            }
            r.close();
            assertEquals(expected, byId(r.rows), "batch " + batch);
            int b = Integer.parseInt(batch);
            assertEquals(prompts.size() / b * b, duringProcess, "full queues are decoded as they fill, batch " + batch);
        }
        // r0 and r4 share a prompt but not an id: different samples.
        assertTrue(!expected.get("r0").get(1).equals(expected.get("r4").get(1)));
    }

    @Test
    void failingRowsGiveTheErrorAndTheOthersAreUnaffected() throws Exception {
        String tooLong;
        Map<String, List<Object>> expected = new HashMap<>();
        try (Parallel par = new Parallel(1)) {
            Model m = Model.load(SharedFiles.model("stories260K.gguf"), par);
            tooLong = "the cat sat ".repeat(m.config().contextLength());
            expected.put("a", oracle(m, "a", SUN, 0f, 8, 0));
            expected.put("c", oracle(m, "c", "Lily", 0f, 8, 0));
        }
        Udtfs.Run r = new Udtfs.Run(
                new LlmInferUDTF(),
                javaString(),
                javaString(),
                constString(MODEL),
                constStringMap("max_new_tokens", "8"));
        List<List<Object>> errors = new ArrayList<>();
        errors.addAll(r.process("a", SUN));
        errors.addAll(r.process("b", ""));
        errors.addAll(r.process("c", "Lily"));
        errors.addAll(r.process(null, SUN));
        errors.addAll(r.process("d", null));
        errors.addAll(r.process("e", tooLong));
        r.close();
        assertEquals(4, errors.size(), "errors are forwarded at once: " + errors);
        assertEquals(Arrays.asList("b", null, null, null, "empty prompt"), errors.get(0));
        assertEquals(Arrays.asList(null, null, null, null, "NULL id"), errors.get(1));
        assertEquals(Arrays.asList("d", null, null, null, "NULL prompt"), errors.get(2));
        assertEquals("e", errors.get(3).get(0));
        assertTrue(((String) errors.get(3).get(4))
                .matches("prompt of \\d+ tokens does not fit the context window of \\d+"));
        List<List<Object>> good = r.rows.stream().filter(x -> x.get(4) == null).toList();
        assertEquals(expected, byId(good));
    }

    @Test
    void survivesKryoAfterInitialize() throws Exception {
        ObjectInspector[] args = {javaString(), javaString(), constString(MODEL), constStringMap("max_new_tokens", "6")
        };
        LlmInferUDTF initialized = new LlmInferUDTF();
        initialized.initialize(args);
        Udtfs.Run r = new Udtfs.Run(Udtfs.kryoCopy(initialized), args);
        r.process("x", SUN);
        r.close();
        try (Parallel par = new Parallel(1)) {
            assertEquals(
                    List.of(oracle(Model.load(SharedFiles.model("stories260K.gguf"), par), "x", SUN, 0f, 6, 0)),
                    r.rows);
        }
    }
}
