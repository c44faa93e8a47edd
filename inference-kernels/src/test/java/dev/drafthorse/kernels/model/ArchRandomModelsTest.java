package dev.drafthorse.kernels.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.sampling.Sampler;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * "Other models of these architectures made the same way behave the same": {@link RandomModel} files of
 * shapes unlike the oracle files (6 query heads over 2 kv heads and 3 layers on qwen3; 5 heads over
 * one kv head and 5 layers on gemma2; 7 gemma3 layers, so a global layer sits between sliding ones; phi3
 * with MQA and with GQA, both with partial RoPE) against llama.cpp's outputs on the very same files,
 * recorded in {@code src/test/resources/arch-random/} (each file says how it was made): the top-20 logits
 * of every prompt position, and the 32 greedy tokens up to the first step whose margin is below 0.02.
 */
class ArchRandomModelsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Parallel par;

    @BeforeAll
    static void pool() {
        par = new Parallel(2);
    }

    @AfterAll
    static void close() {
        par.close();
    }

    @ParameterizedTest
    @CsvSource({"qwen3_6h, 1e-4", "gemma2_5l, 2e-3", "gemma3_7l, 2e-3", "phi3_mqa, 1e-4", "phi3_gqa, 1e-4"})
    void matchesLlamaCppOnTheSameFile(String name, double tolerance) throws IOException {
        JsonNode ref;
        try (InputStream in = getClass().getResourceAsStream("/arch-random/" + name + ".json")) {
            assertNotNull(in, "test resource arch-random/" + name + ".json");
            ref = JSON.readTree(in);
        }
        String[] spec = ref.get("random_model").asText().split(" ");
        Path file = dir.resolve(name + ".gguf");
        new RandomModel(
                        spec[0],
                        Integer.parseInt(spec[1]),
                        Integer.parseInt(spec[2]),
                        Integer.parseInt(spec[3]),
                        Integer.parseInt(spec[4]),
                        Integer.parseInt(spec[5]),
                        Integer.parseInt(spec[6]),
                        Integer.parseInt(spec[7]),
                        GgmlType.valueOf(spec[8]),
                        Boolean.parseBoolean(spec[9]),
                        Long.parseLong(spec[10]))
                .write(file);
        Model m = Model.load(file, par);
        int v = m.config().vocab();
        int[] prompt = ArchReferenceTest.ints(ref.get("prompt_tokens"));
        assertArrayEquals(
                prompt, m.tokenizer().encode(ref.get("prompt").asText(), true, false), name + " prompt tokens");

        float[] got = m.forward(List.of(Step.causal(m.newCache(KvType.F32, 64), prompt, Step.Logits.ALL)))[0];
        JsonNode logits = ref.get("logits");
        assertEquals(prompt.length, logits.size());
        for (int i = 0; i < prompt.length; i++) {
            JsonNode top = logits.get(i);
            assertEquals(
                    top.get(0).get(0).asInt(), Sampler.argmax(got, i * v, v), name + " top token at position " + i);
            for (JsonNode pair : top) {
                int id = pair.get(0).asInt();
                double want = pair.get(1).asDouble();
                assertEquals(
                        want,
                        got[i * v + id],
                        tolerance * Math.max(1, Math.abs(want)),
                        name + " position " + i + " token " + id);
            }
        }

        int[] expected = ArchReferenceTest.ints(ref.get("generated_tokens"));
        JsonNode margins = ref.get("gen_margins");
        KvCache cache = m.newCache(KvType.F32, 64);
        float[] l = m.forwardLast(cache, prompt);
        for (int i = 0; i < expected.length && margins.get(i).asDouble() >= 0.02; i++) {
            int t = Sampler.argmax(l, 0, v);
            assertEquals(expected[i], t, name + " greedy step " + i);
            l = m.forwardLast(cache, new int[] {t});
        }
    }
}
