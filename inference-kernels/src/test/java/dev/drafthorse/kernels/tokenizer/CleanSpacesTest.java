package dev.drafthorse.kernels.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** llama.cpp's three clean-up passes, on hand-worked examples, and the split property the streaming decoder uses. */
class CleanSpacesTest {

    private static String clean(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return new String(b, 0, CleanSpaces.apply(b, b.length), StandardCharsets.UTF_8);
    }

    @Test
    void handWorkedExamples() {
        assertEquals("Hello, world!", clean("Hello , world !"));
        assertEquals("Why? Yes. No!", clean("Why ? Yes . No !"));
        assertEquals(" .", clean("  .")); // only the space right before goes
        assertEquals("?", clean(" ?")); // also at the very start
        assertEquals("a'b", clean("a ' b")); // both spaces around a lone apostrophe
        assertEquals("it's I'm we're you've", clean("it 's I 'm we 're you 've"));
        assertEquals("don 't I 'd we 'll", clean("don 't I 'd we 'll")); // these keep their space
        assertEquals("a 'r", clean("a 'r")); // too short for 're
        assertEquals("'", clean("'"));
        assertEquals("", clean(""));
        assertEquals(" 'RE", clean(" 'RE")); // case-sensitive
    }

    @Test
    void theRightSpaceOfALoneApostropheDoesNotCountForTheNextByte() {
        // After " ' " the skipped space is overwritten, so the next apostrophe is not "between spaces".
        assertEquals("x'' y", clean("x ' ' y"));
    }

    /** Cleaning splits at three plain bytes: clean(x) = clean(x[0,p)) + clean(x[p-1..]) minus its first byte. */
    @Test
    void splitsAtThreePlainBytes() {
        Random rnd = new Random(42);
        String alphabet = " '?!.,abdlmrstvé";
        for (int trial = 0; trial < 20000; trial++) {
            StringBuilder sb = new StringBuilder();
            int n = 3 + rnd.nextInt(14);
            for (int i = 0; i < n; i++) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            byte[] x = sb.toString().getBytes(StandardCharsets.UTF_8);
            for (int p = 2; p < x.length; p++) {
                if (!CleanSpaces.isPlain(x[p - 2]) || !CleanSpaces.isPlain(x[p - 1]) || !CleanSpaces.isPlain(x[p])) {
                    continue;
                }
                byte[] whole = x.clone();
                int nw = CleanSpaces.apply(whole, whole.length);
                byte[] a = java.util.Arrays.copyOf(x, p);
                int na = CleanSpaces.apply(a, a.length);
                byte[] b = java.util.Arrays.copyOfRange(x, p - 1, x.length);
                int nb = CleanSpaces.apply(b, b.length);
                byte[] joined = new byte[na + nb - 1];
                System.arraycopy(a, 0, joined, 0, na);
                System.arraycopy(b, 1, joined, na, nb - 1);
                assertEquals(
                        new String(whole, 0, nw, StandardCharsets.ISO_8859_1),
                        new String(joined, StandardCharsets.ISO_8859_1),
                        sb + " split at " + p);
            }
        }
    }
}
