package dev.drafthorse.hive;

import static dev.drafthorse.hive.Udtfs.constString;
import static dev.drafthorse.hive.Udtfs.constStringList;
import static dev.drafthorse.hive.Udtfs.javaInt;
import static dev.drafthorse.hive.Udtfs.javaString;
import static dev.drafthorse.hive.Udtfs.list;
import static dev.drafthorse.hive.Udtfs.writableString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.hive.ql.exec.UDFArgumentLengthException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.io.Text;
import org.junit.jupiter.api.Test;

class LlmScoreUDTFTest {
    static final String MODEL = SharedFiles.model("stories260K.gguf").toString();
    static final String PROMPT = "The cat sat on the";
    static final List<String> LABELS = List.of(" mat", " sun", " ball", " dog");

    private static UDFArgumentTypeException typeError(int position, ObjectInspector... args) {
        UDFArgumentTypeException e =
                assertThrows(UDFArgumentTypeException.class, () -> new LlmScoreUDTF().initialize(args));
        assertEquals(position, e.getArgumentId(), e.getMessage());
        assertTrue(e.getMessage().startsWith("llm_score: "), e.getMessage());
        return e;
    }

    static List<Scorer.Score> direct(String prompt, List<String> candidates) throws IOException {
        try (Parallel par = new Parallel(1)) {
            return new Scorer(Model.load(SharedFiles.model("stories260K.gguf"), par)).score(prompt, candidates);
        }
    }

    /** Checks rows against Scorer called directly, and that the probabilities are a distribution. */
    static void assertMatchesScorer(String prompt, List<String> candidates, List<List<Object>> rows)
            throws IOException {
        List<Scorer.Score> scores = direct(prompt, candidates);
        assertEquals(candidates.size(), rows.size());
        double sum = 0;
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(candidates.get(i), rows.get(i).get(0));
            assertEquals(scores.get(i).logprob(), (double) rows.get(i).get(1), 0.0, "the same bits as the engine");
            assertEquals(null, rows.get(i).get(3), "no error");
            sum += (double) rows.get(i).get(2);
            for (int j = 0; j < rows.size(); j++) {
                double ratio =
                        (double) rows.get(i).get(2) / (double) rows.get(j).get(2);
                assertEquals(Math.exp(scores.get(i).logprob() - scores.get(j).logprob()), ratio, 1e-9 * ratio);
            }
        }
        assertEquals(1.0, sum, 1e-12);
    }

    @Test
    void wrongArity() {
        UDFArgumentLengthException e = assertThrows(
                UDFArgumentLengthException.class,
                () -> new LlmScoreUDTF().initialize(new ObjectInspector[] {javaString(), list(javaString())}));
        assertTrue(
                e.getMessage().startsWith("llm_score takes 3 to 4 arguments, got 2: llm_score(prompt STRING"),
                e.getMessage());
    }

    @Test
    void promptMustBeAString() {
        typeError(0, list(javaString()), list(javaString()), javaString());
    }

    @Test
    void candidatesMustBeAnArrayOfStrings() {
        assertTrue(typeError(1, javaString(), javaString(), javaString())
                .getMessage()
                .contains("argument 2 (candidates) must be ARRAY<STRING>, got string"));
        typeError(1, javaString(), list(javaInt()), javaString());
    }

    @Test
    void modelPathMustBeAString() {
        typeError(2, javaString(), list(javaString()), javaInt());
    }

    @Test
    void constantModelPathMustNotBeEmpty() {
        typeError(2, javaString(), list(javaString()), constString(""));
    }

    @Test
    void outputSchema() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new LlmScoreUDTF(), javaString(), list(javaString()), javaString());
        assertEquals(List.of("candidate", "logprob", "prob", "error"), r.columnNames());
        assertEquals(List.of("string", "double", "double", "string"), r.columnTypes());
    }

    @Test
    void javaInspectorsMatchTheScorerAndNormalize() throws Exception {
        Udtfs.Run r = new Udtfs.Run(new LlmScoreUDTF(), javaString(), list(javaString()), javaString());
        assertMatchesScorer(PROMPT, LABELS, r.process(PROMPT, LABELS, MODEL));
        r.close();
    }

    @Test
    void writableAndConstantInspectors() throws Exception {
        Udtfs.Run r = new Udtfs.Run(
                new LlmScoreUDTF(), writableString(), constStringList(" mat", " sun"), constString(MODEL));
        assertMatchesScorer(
                PROMPT,
                List.of(" mat", " sun"),
                r.process(new Text(PROMPT), List.of(new Text(" mat"), new Text(" sun")), new Text(MODEL)));
        r.close();
    }

    @Test
    void nullCandidatesAreSkippedAndNullInputGivesNoRow() throws Exception {
        Udtfs.Run r = new Udtfs.Run(new LlmScoreUDTF(), javaString(), list(javaString()), javaString());
        assertMatchesScorer(
                PROMPT, List.of(" mat", " dog"), r.process(PROMPT, Arrays.asList(" mat", null, " dog"), MODEL));
        assertEquals(List.of(), r.process(null, LABELS, MODEL));
        assertEquals(List.of(), r.process(PROMPT, null, MODEL));
        assertEquals(List.of(), r.process(PROMPT, List.of(), MODEL));
        assertEquals(List.of(), r.process(PROMPT, LABELS, null));
        r.close();
    }

    @Test
    void emptyPromptGivesNullScoresAndTheError() throws HiveException {
        Udtfs.Run r = new Udtfs.Run(new LlmScoreUDTF(), javaString(), list(javaString()), javaString());
        assertEquals(
                List.of(
                        Arrays.asList(" a", null, null, "empty prompt"),
                        Arrays.asList(" b", null, null, "empty prompt")),
                r.process("", List.of(" a", " b"), MODEL));
        r.close();
    }

    @Test
    void normalizationSurvivesVeryUnlikelyCandidates() {
        double[] p = Scorer.probabilities(List.of(
                new Scorer.Score(-2000, new int[0], new double[0]),
                new Scorer.Score(-2001, new int[0], new double[0])));
        assertEquals(1 / (1 + Math.exp(-1)), p[0], 1e-15);
        assertEquals(1.0, p[0] + p[1], 1e-15);
    }

    @Test
    void survivesKryoAfterInitializeAndAfterProcess() throws Exception {
        ObjectInspector[] args = {javaString(), list(javaString()), constString(MODEL)};
        LlmScoreUDTF initialized = new LlmScoreUDTF();
        initialized.initialize(args);
        assertMatchesScorer(
                PROMPT,
                LABELS,
                new Udtfs.Run(Udtfs.kryoCopy(initialized), args).process(PROMPT, LABELS, new Text(MODEL)));
        LlmScoreUDTF used = new LlmScoreUDTF();
        Udtfs.Run r = new Udtfs.Run(used, args);
        r.process(PROMPT, LABELS, new Text(MODEL));
        assertMatchesScorer(
                PROMPT, LABELS, new Udtfs.Run(Udtfs.kryoCopy(used), args).process(PROMPT, LABELS, new Text(MODEL)));
        r.close();
    }
}
