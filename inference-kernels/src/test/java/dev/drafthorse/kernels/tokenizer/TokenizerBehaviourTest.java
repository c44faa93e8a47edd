package dev.drafthorse.kernels.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgufFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tokenizer on real vocabularies: stories260K's prompt, special tokens, end of generation, defaults. */
class TokenizerBehaviourTest {
    private static Tokenizer stories;

    @BeforeAll
    static void load() throws IOException {
        stories = Tokenizer.fromGguf(GgufFile.open(SharedFiles.model("stories260K.gguf")));
    }

    @Test
    void stories260KPromptMatchesLlamaCppAndLlama2c() {
        int[] ids = stories.encode("The sun was hot and the cat", true, false);
        assertArrayEquals(
                new int[] {1, 291, 262, 379, 286, 270, 309, 269, 265, 280, 294}, ids, () -> Arrays.toString(ids));
        assertEquals(512, stories.vocabSize());
        assertEquals(1, stories.bos());
        assertEquals(2, stories.eos());
        assertEquals(-1, stories.eot());
        assertTrue(stories.addBosDefault());
        assertTrue(stories.isEndOfGeneration(2));
        assertFalse(stories.isEndOfGeneration(1));
        assertEquals("The sun was hot and the cat", stories.decode(ids));
    }

    @Test
    void stories260KOtherPromptFromTheReference() {
        assertArrayEquals(
                new int[] {1, 274, 287, 381, 261, 352, 266, 268, 388},
                stories.encode("Tom had a red ball", true, false));
    }

    @Test
    void leadingSpaceIsDroppedAfterBosButKeptAfterAPrompt() {
        int[] once = stories.encode("Once upon a time", false, false); // "▁Once" ...
        assertEquals(' ', stories.piece(once[0]).charAt(0));
        int[] withBos = concat(new int[] {stories.bos()}, once);
        assertEquals("Once upon a time", stories.decode(withBos));
        assertEquals("Once upon a time", streamed(stories.newDecoder(), withBos));

        int[] prompt = stories.encode("The sun was hot and the cat", true, false);
        int[] generated = stories.encode("was very happy", false, false); // "▁was▁very▁happy"
        assertEquals(" was very happy", streamed(stories.newDecoder(prompt), generated));
        assertEquals("The sun was hot and the cat was very happy", stories.decode(concat(prompt, generated)));
    }

    @Test
    void referenceTextsRoundTrip() throws IOException {
        for (String f : new String[] {
            "stories260K.greedy.bos.200.txt", "stories260K.greedy.sun.120.txt", "tinystories-23m-f16.greedy.bos.200.txt"
        }) {
            String text = Files.readString(SharedFiles.model(f), StandardCharsets.UTF_8)
                    .strip();
            int[] ids = stories.encode(text, true, false);
            assertEquals(text, stories.decode(ids), f);
            assertEquals(text, streamed(stories.newDecoder(), ids), f);
        }
    }

    @Test
    void byteFallbackSplitsUtf8AndTheStreamWaitsForTheWholeCharacter() {
        int[] ids = stories.encode("🦙", false, false); // not in a 512-token vocabulary: ▁ then four byte tokens
        assertEquals(5, ids.length, Arrays.toString(ids));
        assertEquals("<0xF0>", stories.tokenText(ids[1]));
        assertEquals(TokenType.BYTE, stories.tokenType(ids[1]));
        assertEquals("<0xF0>", stories.piece(ids[1]));
        TokenDecoder d = stories.newDecoder();
        assertEquals("", d.push(ids[0])); // the added space, dropped at the start
        assertEquals("", d.push(ids[1]));
        assertEquals("", d.push(ids[2]));
        assertEquals("", d.push(ids[3]));
        assertEquals("🦙", d.push(ids[4]));
        assertEquals("", d.flush());
        assertEquals("🦙", stories.decode(ids));
    }

    @Test
    void unfinishedCharacterAtTheEndBecomesReplacementCharacter() {
        int f0 = stories.tokenId("<0xF0>");
        int x9f = stories.tokenId("<0x9F>");
        int a = stories.tokenId("<0x41>");
        assertEquals("\uFFFD", stories.decode(new int[] {f0, x9f}));
        assertEquals("\uFFFDA", stories.decode(new int[] {f0, x9f, a}));
        TokenDecoder d = stories.newDecoder();
        assertEquals("", d.push(f0));
        assertEquals("", d.push(x9f));
        assertEquals("\uFFFDA", d.push(a));
        TokenDecoder e = stories.newDecoder();
        e.push(f0);
        e.push(x9f);
        assertEquals("\uFFFD", e.flush());
    }

    @Test
    void gpt2SplitsEmojiAcrossByteLevelTokens() {
        Tokenizer t = VocabVectors.tokenizer("gpt-2");
        int[] ids = t.encode(" this is 🦙.cpp", false, false);
        assertArrayEquals(new int[] {428, 318, 12520, 99, 247, 13, 20322}, ids);
        TokenDecoder d = t.newDecoder();
        StringBuilder sb = new StringBuilder();
        String[] got = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            got[i] = d.push(ids[i]);
            sb.append(got[i]);
        }
        sb.append(d.flush());
        assertEquals(" this is 🦙.cpp", sb.toString());
        assertEquals(" this is 🦙.cpp", t.decode(ids));
        assertFalse(String.join("|", got).contains("\uFFFD"), Arrays.toString(got));
        assertEquals("<0xF0><0x9F>", t.piece(12520).substring(1)); // " \xF0\x9F": a space and half a character
    }

    @Test
    void cjkStreamsWholeCharacters() {
        for (String vocab : VocabVectors.NAMES) {
            Tokenizer t = VocabVectors.tokenizer(vocab);
            String text = "我想在apple工作1314151天～ 😶‍🌫️ ✅";
            int[] ids = t.encode(text, false, false);
            TokenDecoder d = t.newDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String s = d.push(id);
                assertFalse(s.contains("\uFFFD"), vocab + ": a partial character was printed: " + s);
                sb.append(s);
            }
            sb.append(d.flush());
            assertEquals(text, sb.toString(), vocab);
            assertEquals(text, t.decode(ids), vocab);
        }
    }

    @Test
    void specialTokensAreParsedOnlyWhenAsked() {
        Tokenizer gpt2 = VocabVectors.tokenizer("gpt-2");
        assertArrayEquals(new int[] {15496, 50256, 6894}, gpt2.encode("Hello<|endoftext|>world", false, true));
        int[] plain = gpt2.encode("Hello<|endoftext|>world", false, false);
        assertFalse(IntStream.of(plain).anyMatch(id -> id == 50256), Arrays.toString(plain));
        assertEquals("Hello<|endoftext|>world", gpt2.decode(plain));
        assertEquals("Helloworld", gpt2.decode(new int[] {15496, 50256, 6894})); // control tokens print nothing
        assertEquals("<|endoftext|>", gpt2.piece(50256));

        Tokenizer ds = VocabVectors.tokenizer("deepseek-coder");
        int bos = ds.tokenId("<\uff5cbegin\u2581of\u2581sentence\uff5c>");
        assertEquals(32013, bos);
        int[] withSpecial = ds.encode("<\uff5cbegin\u2581of\u2581sentence\uff5c>def f():", false, true);
        assertEquals(bos, withSpecial[0], Arrays.toString(withSpecial));
        assertArrayEquals(Arrays.copyOfRange(withSpecial, 1, withSpecial.length), ds.encode("def f():", false, false));
        int[] literal = ds.encode("<\uff5cbegin\u2581of\u2581sentence\uff5c>def f():", false, false);
        assertFalse(IntStream.of(literal).anyMatch(id -> id == bos), Arrays.toString(literal));
        // A user-defined token is matched even without parseSpecial, as llama.cpp does ("ü" is one in this vocabulary).
        assertEquals(32009, ds.encode("ü", false, false)[0]);
        assertEquals("ü", ds.decode(new int[] {32009}));
    }

    @Test
    void phi3ChatMarkersStripTheFollowingWhiteSpace() {
        Tokenizer phi = VocabVectors.tokenizer("phi-3");
        int user = phi.tokenId("<|user|>");
        int end = phi.tokenId("<|end|>");
        int[] ids = phi.encode("<|user|>\nHello<|end|>\n<|assistant|>", true, true);
        int hello = phi.encode("Hello", false, false)[0];
        assertArrayEquals(new int[] {1, user, hello, end, phi.tokenId("<|assistant|>")}, ids, Arrays.toString(ids));
        assertEquals("Hello", phi.decode(ids));
        assertEquals(end, phi.eot());
        assertTrue(phi.isEndOfGeneration(end));
        assertTrue(phi.isEndOfGeneration(phi.eos()));
        assertTrue(phi.isEndOfGeneration(phi.tokenId("</s>")));
        assertFalse(phi.isEndOfGeneration(user));
    }

    @Test
    void endOfGenerationAndDefaultsPerVocabulary() {
        Tokenizer spm = VocabVectors.tokenizer("llama-spm");
        assertEquals(32000, spm.vocabSize());
        assertEquals(1, spm.bos());
        assertEquals(2, spm.eos());
        assertEquals(-1, spm.eot());
        assertTrue(spm.addBosDefault());
        assertEquals("llama", spm.model());

        Tokenizer gpt2 = VocabVectors.tokenizer("gpt-2");
        assertFalse(gpt2.addBosDefault());
        assertEquals(50256, gpt2.eos());
        assertEquals(50256, gpt2.eot());
        assertTrue(gpt2.isEndOfGeneration(50256));
        assertEquals("gpt2", gpt2.model());

        Tokenizer ds = VocabVectors.tokenizer("deepseek-coder");
        assertTrue(ds.addBosDefault()); // tokenizer.ggml.add_bos_token
        assertEquals(32013, ds.bos());
        assertTrue(ds.isEndOfGeneration(32014));
        assertEquals(32014, ds.eot());

        Tokenizer star = VocabVectors.tokenizer("starcoder");
        assertTrue(star.isEndOfGeneration(0));
        assertTrue(star.isEndOfGeneration(star.tokenId("<fim_pad>"))); // FIM padding ends generation in llama.cpp
        assertFalse(star.isEndOfGeneration(star.tokenId("<fim_prefix>")));
        assertFalse(star.addBosDefault());

        Tokenizer falcon = VocabVectors.tokenizer("falcon");
        assertEquals(11, falcon.eos());
        assertTrue(falcon.isEndOfGeneration(11));
        assertEquals(TokenType.CONTROL, falcon.tokenType(0));
        assertEquals(">>TITLE<<", falcon.tokenText(0));
    }

    @Test
    void vocabularyEqualityRefusesAnotherVocabulary() throws IOException {
        Tokenizer draft = Tokenizer.fromGguf(GgufFile.open(SharedFiles.model("tinystories-1m.gguf")));
        assertTrue(stories.vocabularyEquals(draft));
        assertTrue(draft.vocabularyEquals(stories));
        assertFalse(stories.vocabularyEquals(VocabVectors.tokenizer("llama-spm")));
        assertFalse(VocabVectors.tokenizer("llama-spm").vocabularyEquals(VocabVectors.tokenizer("phi-3")));
        assertTrue(VocabVectors.tokenizer("gpt-2").vocabularyEquals(VocabVectors.tokenizer("gpt-2")));
    }

    @Test
    void cleanSpacesFollowsLlamaCpp() {
        Tokenizer gpt2 = VocabVectors.tokenizer("gpt-2");
        assertEquals(
                "Hello, world! It's'quoted' they're here 'd",
                gpt2.decode(gpt2.encode("Hello , world ! It 's ' quoted' they 're here 'd", false, false)));
        Tokenizer ds = VocabVectors.tokenizer("deepseek-coder"); // clean_spaces is off for deepseek
        assertEquals("Hello , world !", ds.decode(ds.encode("Hello , world !", false, false)));
    }

    @Test
    void badIdsAreRejectedByName() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> stories.decode(new int[] {1, 512}));
        assertTrue(e.getMessage().contains("512") && e.getMessage().contains("stories260K"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> stories.piece(-1));
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> stories.newDecoder().push(9999));
    }

    static String streamed(TokenDecoder d, int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(d.push(id));
        }
        return sb.append(d.flush()).toString();
    }

    static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
