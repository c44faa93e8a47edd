package dev.drafthorse.kernels.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * Turns generated token ids into text as they arrive, so text can be printed while a model is still generating.
 *
 * <p>Each {@link #push} returns the text that became final with that token, which may be empty: a token can end
 * in the middle of a UTF-8 character (a byte-fallback token such as {@code <0xE2>}, or a byte-level BPE token that
 * holds half an emoji), and those bytes wait for the tokens that complete them. For vocabularies that clean up
 * spaces before punctuation ({@link CleanSpaces}), a few bytes also wait until the next bytes show whether a space
 * stays. {@link #flush()} returns what is left at the end (an unfinished character becomes U+FFFD).
 *
 * <p>The invariant: the concatenation of every string returned, flush included, equals
 * {@link Tokenizer#decode} of the pushed ids. The leading-space rule of SentencePiece follows the pushed ids: the
 * first piece, and the piece after BOS or another special token, lose their leading space; to continue after a
 * prompt, push the prompt first or use {@link Tokenizer#newDecoder(int[])}.
 *
 * <p>Not thread-safe: one decoder per stream.
 */
public final class TokenDecoder {
    private final Tokenizer tokenizer;
    private final boolean[] strip;
    private final ByteArrayOutputStream piece = new ByteArrayOutputStream();
    /** Bytes not yet returned, preceded by one context byte already returned when {@link #hasContext}. */
    private byte[] buf = new byte[64];

    private int len;
    private boolean hasContext;

    TokenDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.strip = new boolean[] {tokenizer.addSpacePrefix};
    }

    /**
     * Adds one token and returns the text it completes (possibly empty).
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String push(int id) {
        piece.reset();
        tokenizer.appendDecoded(id, piece, strip);
        byte[] p = piece.toByteArray();
        if (len + p.length > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + p.length));
        }
        System.arraycopy(p, 0, buf, len, p.length);
        len += p.length;
        return tokenizer.cleanSpaces ? drainCleaned() : drainPlain();
    }

    /** Returns everything still held back and starts over (as at the start of a new text). */
    public String flush() {
        String s;
        if (tokenizer.cleanSpaces) {
            byte[] t = java.util.Arrays.copyOf(buf, len);
            int n = CleanSpaces.apply(t, len);
            int from = hasContext ? 1 : 0;
            s = Utf8.decode(t, Math.min(from, n), n);
        } else {
            s = Utf8.decode(buf, 0, len);
        }
        len = 0;
        hasContext = false;
        strip[0] = tokenizer.addSpacePrefix;
        return s;
    }

    private String drainPlain() {
        int p = Utf8.completePrefix(buf, 0, len);
        String s = Utf8.decode(buf, 0, p);
        shift(p);
        return s;
    }

    /**
     * Returns the cleaned text up to the last point where the clean-up result cannot change any more: a position
     * p with three plain bytes at p-2, p-1, p, where {@code buf[p]} also starts a UTF-8 character. The byte at
     * p-1 stays in the buffer as context for the next clean-up and is not returned again.
     */
    private String drainCleaned() {
        int p = -1;
        for (int i = len - 1; i >= 2; i--) {
            if (CleanSpaces.isPlain(buf[i])
                    && CleanSpaces.isPlain(buf[i - 1])
                    && CleanSpaces.isPlain(buf[i - 2])
                    && !Utf8.isContinuation(buf[i])) {
                p = i;
                break;
            }
        }
        if (p < 0) {
            return "";
        }
        int from = hasContext ? 1 : 0;
        byte[] t = java.util.Arrays.copyOf(buf, p);
        int n = CleanSpaces.apply(t, p);
        String s = Utf8.decode(t, from, n);
        shift(p - 1);
        hasContext = true;
        return s;
    }

    private void shift(int k) {
        System.arraycopy(buf, k, buf, 0, len - k);
        len -= k;
    }
}
