package dev.drafthorse.kernels.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Greedy generation on real trained models equals the texts that llama.cpp and llama2.c produce
 * (../shared/models), compared ignoring leading and trailing white space.
 */
class ReferenceTextTest {

    @ParameterizedTest
    @CsvSource({
        "stories260K.gguf, '', 200, stories260K.greedy.bos.200.txt",
        "stories260K.gguf, The sun was hot and the cat, 120, stories260K.greedy.sun.120.txt",
        "tinystories-1m.gguf, '', 200, tinystories-1m.greedy.bos.200.txt",
        "tinystories-23m-f16.gguf, '', 200, tinystories-23m-f16.greedy.bos.200.txt",
        "tinystories-23m-q8_0.gguf, '', 200, tinystories-23m-f16.greedy.bos.200.txt",
    })
    void greedyEqualsReference(String model, String prompt, int n, String reference) throws IOException {
        String expected = Files.readString(SharedFiles.model(reference)).strip();
        try (Parallel par = new Parallel(2)) {
            Model m = Model.load(SharedFiles.model(model), par);
            GenerationResult r =
                    new Generator(m).generate(prompt == null ? "" : prompt, GenerationOptions.greedy(n), new Rng(0));
            assertEquals(expected, r.text().strip(), model + " from '" + prompt + "'");
        }
    }

    @Test
    void sunPromptTokenizesLikeTheReferenceEngines() throws IOException {
        try (Parallel par = new Parallel(1)) {
            Model m = Model.load(SharedFiles.model("stories260K.gguf"), par);
            assertArrayEquals(
                    new int[] {1, 291, 262, 379, 286, 270, 309, 269, 265, 280, 294},
                    new Generator(m).promptTokens("The sun was hot and the cat"));
        }
    }
}
