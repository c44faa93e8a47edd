package dev.drafthorse.hive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChunkerTest {
    private static final String TEXT = "Once upon a time, Lily saw a café — naïve 🙂 and 日本語 text; the cat sat. "
            + "Emoji 🐈‍⬛ and more words follow here, over and over, so that there are many windows.";

    private static Chunker.Window w(int s, int e) {
        return new Chunker.Window(s, e, false);
    }

    private static boolean[] all(int n) {
        boolean[] b = new boolean[n + 1];
        Arrays.fill(b, true);
        return b;
    }

    @Test
    void windowsStepByMaxMinusOverlap() {
        assertEquals(List.of(w(0, 4), w(3, 7), w(6, 10)), Chunker.split(all(10), 4, 1));
        assertEquals(List.of(w(0, 4), w(4, 8), w(8, 10)), Chunker.split(all(10), 4, 0));
        assertEquals(List.of(w(0, 3)), Chunker.split(all(3), 4, 2));
        assertEquals(List.of(), Chunker.split(all(0), 4, 0));
    }

    @Test
    void endsMoveBackAndStartsMoveForwardToCharacterBoundaries() {
        boolean[] b = all(10);
        b[4] = false; // a character spans tokens 3 and 4
        b[5] = false;
        // [0,4) cannot end at 4 -> ends at 3; the next starts at 3 - 1 = 2; [2,6) would start the next at 5 -> 6.
        assertEquals(List.of(w(0, 3), w(2, 6), w(6, 10)), Chunker.split(b, 4, 1));
        for (Chunker.Window x : Chunker.split(b, 4, 1)) {
            assertTrue(b[x.start()] && b[x.end()], x.toString());
        }
    }

    @Test
    void aCharacterLongerThanMaxTokensMakesOneOversizedWindow() {
        boolean[] b = {true, false, false, false, true, true};
        List<Chunker.Window> ws = Chunker.split(b, 2, 0);
        assertEquals(List.of(new Chunker.Window(0, 4, true), w(4, 5)), ws);
    }

    @Test
    void refusesBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> Chunker.split(all(5), 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Chunker.split(all(5), 4, 4));
        assertThrows(IllegalArgumentException.class, () -> Chunker.split(all(5), 4, -1));
    }

    @ParameterizedTest
    @CsvSource({
        "models, stories260K.gguf, 4, 0",
        "models, stories260K.gguf, 7, 3",
        "models, stories260K.gguf, 1, 0",
        "vocab, ggml-vocab-gpt-2.gguf, 5, 2",
        "vocab, ggml-vocab-gpt-2.gguf, 1, 0",
        "vocab, ggml-vocab-llama-spm.gguf, 6, 1",
        "vocab, ggml-vocab-deepseek-coder.gguf, 3, 1",
    })
    void realTokenizersNeverSplitACharacter(String dir, String file, int max, int overlap) throws IOException {
        Tokenizer tok =
                Tokenizer.fromGguf(GgufFile.open(SharedFiles.root().resolve(dir).resolve(file)));
        int[] ids = tok.encode(TEXT, false, false);
        List<Chunker.Window> ws = Chunker.split(Chunker.boundaries(tok, ids), max, overlap);
        assertEquals(0, ws.get(0).start());
        assertEquals(ids.length, ws.get(ws.size() - 1).end());
        for (int i = 0; i < ws.size(); i++) {
            Chunker.Window x = ws.get(i);
            assertTrue(x.end() > x.start());
            assertTrue(x.oversized() || x.end() - x.start() <= max, x + " longer than " + max);
            assertTrue(!x.oversized() || max < 4, x + " oversized with max " + max);
            if (i > 0) {
                Chunker.Window prev = ws.get(i - 1);
                assertTrue(
                        x.start() > prev.start() && x.start() <= prev.end(), "progress and no gap: " + prev + " " + x);
                assertTrue(prev.end() - x.start() <= overlap, "overlap at most " + overlap);
            }
            byte[] bytes = bytes(tok, ids, x.start(), x.end());
            assertTrue(isWholeUtf8(bytes), file + " " + x + " splits a character");
            assertFalse(tok.decode(Arrays.copyOfRange(ids, x.start(), x.end())).contains("\uFFFD"));
        }
        if (overlap == 0) {
            // Without overlap the windows' bytes are the text's bytes, in order.
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (Chunker.Window x : ws) {
                all.writeBytes(bytes(tok, ids, x.start(), x.end()));
            }
            assertTrue(Arrays.equals(bytes(tok, ids, 0, ids.length), all.toByteArray()));
        }
    }

    private static byte[] bytes(Tokenizer tok, int[] ids, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            out.writeBytes(tok.pieceBytes(ids[i]));
        }
        return out.toByteArray();
    }

    private static boolean isWholeUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
