package dev.drafthorse.hive;

import static dev.drafthorse.hive.Udtfs.constString;
import static dev.drafthorse.hive.Udtfs.constStringMap;
import static dev.drafthorse.hive.Udtfs.javaInt;
import static dev.drafthorse.hive.Udtfs.javaString;
import static dev.drafthorse.hive.Udtfs.list;
import static dev.drafthorse.hive.Udtfs.map;
import static dev.drafthorse.hive.Udtfs.writableString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.hive.ql.exec.UDFArgumentLengthException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.io.Text;
import org.junit.jupiter.api.Test;

class LlmGenerateUDTFTest {
    static final String MODEL = SharedFiles.model("stories260K.gguf").toString();
    static final String SUN = "The sun was hot and the cat";

    private static UDFArgumentTypeException typeError(int position, ObjectInspector... args) {
        UDFArgumentTypeException e =
                assertThrows(UDFArgumentTypeException.class, () -> new LlmGenerateUDTF().initialize(args));
        assertEquals(position, e.getArgumentId(), e.getMessage());
        assertTrue(e.getMessage().startsWith("llm_generate: "), e.getMessage());
        return e;
    }

    /** What the engine gives when called directly: sample i from Rng.forRow(seed, prompt + "#" + i). */
    static List<List<Object>> engine(String prompt, int n, float temperature, int maxNew, long seed)
            throws IOException {
        List<List<Object>> rows = new ArrayList<>();
        try (Parallel par = new Parallel(1)) {
            Generator g = new Generator(Model.load(SharedFiles.model("stories260K.gguf"), par));
            GenerationOptions o = new GenerationOptions(
                    maxNew, new SamplerOptions(temperature, 0, 1f, 0f, seed), List.of(), KvType.F32, 256, 0);
            for (int i = 0; i < n; i++) {
                GenerationResult r = g.generate(prompt, o, Rng.forRow(seed, prompt + "#" + i));
                rows.add(
                        Arrays.asList(i, r.text(), r.tokens().length, r.finish().label(), null));
            }
        }
        return rows;
    }

    @Test
    void wrongArity() {
        UDFArgumentLengthException e = assertThrows(
                UDFArgumentLengthException.class,
                () -> new LlmGenerateUDTF().initialize(new ObjectInspector[] {javaString()}));
        assertTrue(
                e.getMessage().startsWith("llm_generate takes 2 to 3 arguments, got 1: llm_generate(prompt STRING"),
                e.getMessage());
    }

    @Test
    void promptMustBeAString() {
        typeError(0, javaInt(), javaString());
    }

    @Test
    void modelPathMustBeAString() {
        typeError(1, javaString(), list(javaString()));
    }

    @Test
    void constantModelPathMustNotBeEmpty() {
        typeError(1, javaString(), constString(""));
    }

    @Test
    void optionsMustBeAMapOfStringToPrimitive() {
        assertTrue(typeError(2, javaString(), javaString(), javaString())
                .getMessage()
                .contains("argument 3 (options) must be MAP<STRING, primitive>, got string"));
        typeError(2, javaString(), javaString(), map(javaInt(), javaString()));
        typeError(2, javaString(), javaString(), map(javaString(), list(javaString())));
    }

    @Test
    void constantOptionsAreValidatedByName() {
        assertTrue(typeError(2, javaString(), javaString(), constStringMap("temprature", "1"))
                .getMessage()
                .contains("unknown option 'temprature'"));
        assertTrue(typeError(2, javaString(), javaString(), constStringMap("top_p", "2"))
                .getMessage()
                .contains("option top_p must be in (0, 1], got 2.0"));
    }

    @Test
    void speculationOptionsAreValidatedByName() {
        assertTrue(typeError(2, javaString(), javaString(), constStringMap("lookup", "4"))
                .getMessage()
                .contains("option 'lookup' must be true or false"));
        assertTrue(typeError(2, javaString(), javaString(), constStringMap("lookup_ngram", "99"))
                .getMessage()
                .contains("option 'lookup_ngram' must be in [1, 16]"));
    }

    @Test
    void outputSchema() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new LlmGenerateUDTF(), javaString(), javaString());
        assertEquals(List.of("sample_id", "text", "tokens", "finish_reason", "error"), r.columnNames());
        assertEquals(List.of("int", "string", "int", "string", "string"), r.columnTypes());
    }

    @Test
    void greedyEqualsTheReferenceText() throws Exception {
        String expected = Files.readString(SharedFiles.model("stories260K.greedy.sun.120.txt"))
                .strip();
        Udtfs.Run r = new Udtfs.Run(
                new LlmGenerateUDTF(), writableString(), constString(MODEL), constStringMap("max_new_tokens", "120"));
        List<List<Object>> rows = r.process(new Text(SUN), new Text(MODEL), null);
        r.close();
        assertEquals(1, rows.size());
        assertEquals(0, rows.get(0).get(0));
        assertEquals(expected, ((String) rows.get(0).get(1)).strip());
        assertEquals(120, rows.get(0).get(2));
        assertEquals("length", rows.get(0).get(3));
    }

    @Test
    void samplesEqualTheEngineCalledDirectlyWithTheSameSeed() throws Exception {
        Map<String, String> opts = Map.of("n", "3", "temperature", "1.0", "max_new_tokens", "24", "seed", "11");
        Udtfs.Run r = new Udtfs.Run(new LlmGenerateUDTF(), javaString(), javaString(), map(javaString(), javaString()));
        List<List<Object>> rows = r.process(SUN, MODEL, opts);
        assertEquals(engine(SUN, 3, 1.0f, 24, 11), rows);
        assertEquals(3, new HashSet<>(rows.stream().map(x -> x.get(1)).toList()).size(), "three different samples");
        // Another instance (another task) and another order of rows give the same samples.
        Udtfs.Run other =
                new Udtfs.Run(new LlmGenerateUDTF(), javaString(), javaString(), map(javaString(), javaString()));
        other.process("Lily", MODEL, opts);
        assertEquals(rows, other.process(SUN, MODEL, opts));
        assertNotEquals(
                rows,
                other.process(
                        SUN, MODEL, Map.of("n", "3", "temperature", "1.0", "max_new_tokens", "24", "seed", "12")));
        r.close();
        other.close();
    }

    @Test
    void badPerRowOptionsAreARowErrorNamingTheOption() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new LlmGenerateUDTF(), javaString(), javaString(), map(javaString(), javaInt()));
        List<List<Object>> bad = r.process(SUN, MODEL, Map.of("n", 0));
        assertEquals(1, bad.size());
        assertEquals(Arrays.asList(0, null, null, null), bad.get(0).subList(0, 4));
        assertTrue(((String) bad.get(0).get(4)).startsWith("option 'n' must be in [1, "), bad.toString());
        assertEquals(
                2, r.process(SUN, MODEL, Map.of("n", 2, "max_new_tokens", 3)).size());
        r.close();
    }

    @Test
    void stopStringEndsTheSample() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new LlmGenerateUDTF(), javaString(), javaString(), constStringMap("stop", "ball"));
        List<List<Object>> rows = r.process(SUN, new Text(MODEL), null);
        r.close();
        // 14 tokens: the last one holds "ball", which is cut from the text.
        assertEquals(Arrays.asList(0, " was very happy. It was a big, red ", 14, "stop", null), rows.get(0));
    }

    @Test
    void emptyPromptIsAnErrorRowAndNullGivesNone() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new LlmGenerateUDTF(), javaString(), javaString());
        assertEquals(List.of(Arrays.asList(0, null, null, null, "empty prompt")), r.process("", MODEL));
        assertEquals(List.of(), r.process(null, MODEL));
        assertEquals(List.of(), r.process(SUN, null));
        r.close();
    }

    @Test
    void survivesKryoAfterInitializeAndAfterProcess() throws Exception {
        ObjectInspector[] args = {javaString(), constString(MODEL), constStringMap("max_new_tokens", "8")};
        List<List<Object>> expected = engine(SUN, 1, 0f, 8, 0);
        LlmGenerateUDTF initialized = new LlmGenerateUDTF();
        initialized.initialize(args);
        assertEquals(expected, new Udtfs.Run(Udtfs.kryoCopy(initialized), args).process(SUN, new Text(MODEL), null));
        LlmGenerateUDTF used = new LlmGenerateUDTF();
        Udtfs.Run r = new Udtfs.Run(used, args);
        assertEquals(expected, r.process(SUN, new Text(MODEL), null));
        assertEquals(expected, new Udtfs.Run(Udtfs.kryoCopy(used), args).process(SUN, new Text(MODEL), null));
        r.close();
    }
}
