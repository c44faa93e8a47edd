package dev.drafthorse.kernels.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * decode(encode(x)) gives x back, and the streaming decoder gives exactly what the whole-sequence decoder gives.
 *
 * <p>What llama.cpp guarantees: SentencePiece restores the text exactly (the space added in front is dropped again);
 * byte-level BPE restores it exactly when {@code clean_spaces} is off, and otherwise restores it with llama.cpp's
 * clean-up applied ({@code " ,"} becomes {@code ","}), which {@link CleanSpacesTest} checks on its own.
 */
class RoundTripTest {

    static Stream<String> vocabularies() {
        return VocabVectors.NAMES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabularies")
    void vectorInputsRoundTrip(String vocab) {
        Tokenizer t = VocabVectors.tokenizer(vocab);
        for (VocabVectors.Case c : VocabVectors.cases(vocab)) {
            String expected = t.cleanSpaces ? cleaned(c.input()) : c.input();
            for (boolean bos : t.bos() >= 0 ? new boolean[] {false, true} : new boolean[] {false}) {
                int[] ids = t.encode(c.input(), bos, false);
                assertEquals(
                        expected,
                        t.decode(ids),
                        () -> vocab + " bos=" + bos + " input " + VocabVectors.show(c.input()));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabularies")
    void streamingEqualsWholeDecodeOnVectorInputs(String vocab) {
        Tokenizer t = VocabVectors.tokenizer(vocab);
        for (VocabVectors.Case c : VocabVectors.cases(vocab)) {
            int[] ids = t.encode(c.input(), t.bos() >= 0, false);
            assertEquals(
                    t.decode(ids),
                    TokenizerBehaviourTest.streamed(t.newDecoder(), ids),
                    () -> vocab + " input " + VocabVectors.show(c.input()));
        }
    }

    /**
     * Random token sequences, drawn mostly from tokens that stress the decoders (byte tokens, spaces, apostrophes,
     * punctuation, partial UTF-8 in byte-level tokens, special tokens): every split point is exercised.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabularies")
    void streamingEqualsWholeDecodeOnRandomSequences(String vocab) {
        Tokenizer t = VocabVectors.tokenizer(vocab);
        int[] interesting = interestingTokens(t);
        int[] nasty = nastyTokens(t);
        Random rnd = new Random(0x5eed + vocab.hashCode());
        for (int seq = 0; seq < 600; seq++) {
            int n = 1 + rnd.nextInt(40);
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                int r = rnd.nextInt(8);
                ids[i] = r == 0
                        ? rnd.nextInt(t.vocabSize())
                        : r < 4 ? interesting[rnd.nextInt(interesting.length)] : nasty[rnd.nextInt(nasty.length)];
            }
            String whole = t.decode(ids);
            assertEquals(
                    whole,
                    TokenizerBehaviourTest.streamed(t.newDecoder(), ids),
                    () -> vocab + " ids " + java.util.Arrays.toString(ids));
        }
    }

    /** Tokens for the exact characters the clean-up passes look at, so that every pattern gets split. */
    private static int[] nastyTokens(Tokenizer t) {
        List<Integer> out = new ArrayList<>();
        for (String s : new String[] {
            " ", "'", "r", "e", "v", "s", "m", "t", "d", "l", ",", ".", "?", "!", " '", "'s", "re", "ve", "ll", " ,",
            " .", "a"
        }) {
            int[] ids = t.encode(s, false, false);
            if (ids.length == 1 || !t.model().equals("llama")) {
                for (int id : ids) {
                    out.add(id);
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] interestingTokens(Tokenizer t) {
        List<Integer> out = new ArrayList<>();
        for (int id = 0; id < t.vocabSize(); id++) {
            byte[] p = t.pieceBytes(id);
            String text = t.tokenText(id);
            boolean partial = false;
            for (byte b : p) {
                partial |= b < 0;
            }
            boolean punct = p.length <= 3 && new String(p, StandardCharsets.ISO_8859_1).matches("[ '?!.,a-z]*");
            if (t.tokenType(id) != TokenType.NORMAL || partial && p.length <= 2 || punct || text.contains("'")) {
                out.add(id);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String cleaned(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int n = CleanSpaces.apply(b, b.length);
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }
}
