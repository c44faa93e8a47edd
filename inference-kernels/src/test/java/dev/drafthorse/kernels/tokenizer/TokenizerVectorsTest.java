package dev.drafthorse.kernels.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of llama.cpp's test vectors, one parameterized test per vocabulary: ids without BOS, special tokens
 * not parsed, as {@code test-tokenizer-0} tokenizes them.
 */
class TokenizerVectorsTest {

    static Stream<VocabVectors.Case> llamaSpm() {
        return VocabVectors.cases("llama-spm").stream();
    }

    static Stream<VocabVectors.Case> phi3() {
        return VocabVectors.cases("phi-3").stream();
    }

    static Stream<VocabVectors.Case> gpt2() {
        return VocabVectors.cases("gpt-2").stream();
    }

    static Stream<VocabVectors.Case> deepseekCoder() {
        return VocabVectors.cases("deepseek-coder").stream();
    }

    static Stream<VocabVectors.Case> falcon() {
        return VocabVectors.cases("falcon").stream();
    }

    static Stream<VocabVectors.Case> starcoder() {
        return VocabVectors.cases("starcoder").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("llamaSpm")
    void llamaSpmVectors(VocabVectors.Case c) {
        check(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("phi3")
    void phi3Vectors(VocabVectors.Case c) {
        check(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gpt2")
    void gpt2Vectors(VocabVectors.Case c) {
        check(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deepseekCoder")
    void deepseekCoderVectors(VocabVectors.Case c) {
        check(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("falcon")
    void falconVectors(VocabVectors.Case c) {
        check(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("starcoder")
    void starcoderVectors(VocabVectors.Case c) {
        check(c);
    }

    @Test
    void everyVocabularyHas46Cases() {
        for (String name : VocabVectors.NAMES) {
            assertEquals(46, VocabVectors.cases(name).size(), name);
        }
    }

    private static void check(VocabVectors.Case c) {
        Tokenizer t = VocabVectors.tokenizer(c.vocab());
        int[] actual = t.encode(c.input(), false, false);
        assertArrayEquals(
                c.expected(),
                actual,
                () -> c.vocab() + " input " + VocabVectors.show(c.input())
                        + "\n expected " + Arrays.toString(c.expected()) + "\n actual   " + Arrays.toString(actual)
                        + "\n pieces   " + pieces(t, actual));
    }

    private static String pieces(Tokenizer t, int[] ids) {
        StringBuilder sb = new StringBuilder("[");
        for (int id : ids) {
            sb.append(sb.length() > 1 ? ", " : "").append(VocabVectors.show(t.piece(id)));
        }
        return sb.append(']').toString();
    }
}
