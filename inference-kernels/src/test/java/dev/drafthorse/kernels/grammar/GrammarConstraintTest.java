package dev.drafthorse.kernels.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The trie walk gives exactly the tokens a one-by-one test allows (the brute-force oracle), along random walks
 * through a JSON grammar; UTF-8 characters split over byte tokens are followed; end-of-generation only where the
 * grammar may end.
 */
class GrammarConstraintTest {

    private static Tokenizer tokenizer() throws IOException {
        return Tokenizer.fromGguf(GgufFile.open(SharedFiles.model("tinystories-23m-f16.gguf")));
    }

    @Test
    void trieMaskEqualsTokenByTokenTest() throws IOException {
        Tokenizer tok = tokenizer();
        Grammar g = JsonSchemaGrammar.compile(
                "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
                        + "\"n\":{\"type\":\"integer\",\"minimum\":-5,\"maximum\":300},\"tags\":{\"type\":\"array\",\"items\":{\"enum\":[\"a b\",\"c\"]}}},"
                        + "\"required\":[\"name\",\"n\"]}",
                "s.json");
        Random rnd = new Random(7);
        for (int walk = 0; walk < 20; walk++) {
            GrammarConstraint c = new GrammarConstraint(g, tok);
            for (int step = 0; step < 60; step++) {
                BitSet fast = c.allowed();
                BitSet slow = new BitSet();
                for (int t = 0; t < tok.vocabSize(); t++) {
                    if (c.allows(t)) {
                        slow.set(t);
                    }
                }
                assertEquals(slow, fast, "walk " + walk + " step " + step);
                if (fast.isEmpty() || fast.cardinality() == 1 && tok.isEndOfGeneration(fast.nextSetBit(0))) {
                    break;
                }
                int pick;
                do {
                    int k = rnd.nextInt(fast.cardinality());
                    pick = fast.nextSetBit(0);
                    for (int i = 0; i < k; i++) {
                        pick = fast.nextSetBit(pick + 1);
                    }
                } while (tok.isEndOfGeneration(pick) && step < 5);
                if (tok.isEndOfGeneration(pick)) {
                    assertTrue(c.matcher().canEnd());
                    break;
                }
                c.accept(pick);
            }
        }
    }

    @Test
    void utf8SplitOverByteTokensAndEndOfGeneration() throws IOException {
        Tokenizer tok = tokenizer();
        int c3 = byteToken(tok, 0xC3);
        int a9 = byteToken(tok, 0xA9);
        int c4 = byteToken(tok, 0xC4);
        int eos = 2;
        assertTrue(tok.isEndOfGeneration(eos));
        GrammarConstraint c = new GrammarConstraint(Grammar.parse("root ::= [\u00e0-\u00ff] \"!\"?"), tok);
        assertTrue(c.allows(c3), "0xC3 starts U+00C0..U+00FF");
        assertFalse(c.allows(c4), "0xC4 starts U+0100..U+013F");
        assertFalse(c.allows(eos));
        c.accept(c3);
        assertFalse(c.allows(c3), "a continuation byte is needed");
        assertTrue(c.allows(a9));
        c.accept(a9);
        assertTrue(c.allows(eos), "the grammar may end after \u00e9");
        assertEquals(tok.vocabSize() > 0, c.allowed().get(eos));
    }

    private static int byteToken(Tokenizer tok, int b) {
        for (int t = 0; t < tok.vocabSize(); t++) {
            byte[] p = tok.pieceBytes(t);
            if (p.length == 1 && (p[0] & 0xFF) == b) {
                return t;
            }
        }
        throw new AssertionError("no byte token for " + b);
    }
}
