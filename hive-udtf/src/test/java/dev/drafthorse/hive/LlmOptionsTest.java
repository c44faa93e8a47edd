package dev.drafthorse.hive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.options.GenerationOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LlmOptionsTest {

    @Test
    void defaultsAreGreedy128SeedZero() {
        LlmOptions o = LlmOptions.parse(Map.of());
        assertEquals(1, o.n());
        assertEquals(0, o.seed());
        assertEquals(GenerationOptions.greedy(128), o.generation());
    }

    @Test
    void everyKeyIsRead() {
        LlmOptions o = LlmOptions.parse(Map.of(
                "n",
                "3",
                "max_new_tokens",
                "16",
                "temperature",
                "0.8",
                "top_k",
                "40",
                "top_p",
                " 0.9 ",
                "min_p",
                "0.05",
                "seed",
                "-7",
                "stop",
                "."));
        assertEquals(3, o.n());
        assertEquals(-7, o.seed());
        GenerationOptions g = o.generation();
        assertEquals(16, g.maxNewTokens());
        assertEquals(0.8f, g.sampler().temperature());
        assertEquals(40, g.sampler().topK());
        assertEquals(0.9f, g.sampler().topP());
        assertEquals(0.05f, g.sampler().minP());
        assertEquals(-7, g.sampler().seed());
        assertEquals(List.of("."), g.stop());
    }

    @Test
    void samplesHaveDistinctStreamsThatDependOnlyOnSeedPromptAndIndex() {
        LlmOptions a = LlmOptions.parse(Map.of("seed", "5"));
        LlmOptions b = LlmOptions.parse(Map.of("seed", "5", "n", "9"));
        assertEquals(a.rng("p", 1).nextLong(), b.rng("p", 1).nextLong());
        assertTrue(a.rng("p", 0).nextLong() != a.rng("p", 1).nextLong());
        assertTrue(a.rng("p", 0).nextLong()
                != LlmOptions.parse(Map.of("seed", "6")).rng("p", 0).nextLong());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "temprature|0.5|unknown option 'temprature' (known: n, max_new_tokens, temperature",
                "n|0|option 'n' must be in [1, ",
                "n|two|option 'n' must be an integer, got 'two'",
                "max_new_tokens|-1|option 'max_new_tokens' must be in [0, ",
                "temperature|-1|option temperature must be a finite number >= 0, got -1.0",
                "temperature|hot|option 'temperature' must be a number, got 'hot'",
                "top_p|0|option top_p must be in (0, 1], got 0.0",
                "top_k|-3|option 'top_k' must be in [0, ",
                "min_p|1|option min_p must be in [0, 1), got 1.0",
                "seed|1.5|option 'seed' must be an integer, got '1.5'",
                "stop|''|option 'stop' must not be empty",
                "draft|' '|option 'draft' must name a model",
                "lookup|3|option 'lookup' must be true or false, got '3'",
                "draft_max|0|option 'draft_max' must be in [1, 64], got 0",
            })
    void badOptionsFailByName(String key, String value, String message) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> LlmOptions.parse(Map.of(key, value)));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
