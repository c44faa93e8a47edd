package dev.drafthorse.hive;

import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a token sequence into windows of at most {@code maxTokens} tokens, each starting {@code overlap}
 * tokens before the previous one ended, with every boundary on a character boundary of the text.
 *
 * <p>A boundary before token i is allowed when the bytes of tokens [0, i) end on a whole UTF-8 character,
 * that is when the first byte after them is not a continuation byte (10xxxxxx). Byte-fallback tokens and
 * byte-level BPE tokens can hold part of a character, so a window's end moves back to the nearest allowed
 * boundary, and a window's start moves forward (shrinking the overlap, never below zero).
 *
 * <p>When no allowed boundary lies within {@code maxTokens} tokens of a window's start (a character spread
 * over more tokens than that, such as a 4-byte emoji in byte tokens with {@code maxTokens < 4}), the window
 * ends at the next allowed boundary instead and is longer than {@code maxTokens}: splitting a character
 * would corrupt the text. {@link Window#oversized} tells the caller, which logs it.
 */
final class Chunker {
    private Chunker() {}

    /**
     * One window: tokens [start, end).
     *
     * @param start first token (0-based, within the text's tokens without BOS)
     * @param end one past the last token
     * @param oversized whether it holds more than maxTokens tokens (see the class comment)
     */
    record Window(int start, int end, boolean oversized) {}

    /** Which positions 0..n may start or end a window (see the class comment). */
    static boolean[] boundaries(Tokenizer tok, int[] ids) {
        int n = ids.length;
        boolean[] ok = new boolean[n + 1];
        ok[n] = true;
        // Walk backwards so that a token with no bytes takes the verdict of the next one that has some.
        boolean next = true;
        for (int i = n - 1; i >= 0; i--) {
            byte[] p = tok.pieceBytes(ids[i]);
            if (p.length > 0) {
                next = (p[0] & 0xC0) != 0x80;
            }
            ok[i] = next;
        }
        ok[0] = true;
        return ok;
    }

    static List<Window> split(boolean[] boundary, int maxTokens, int overlap) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be >= 1, got " + maxTokens);
        }
        if (overlap < 0 || overlap >= maxTokens) {
            throw new IllegalArgumentException(
                    "overlap must be in [0, max_tokens) = [0, " + maxTokens + "), got " + overlap);
        }
        int n = boundary.length - 1;
        List<Window> out = new ArrayList<>();
        int start = 0;
        while (start < n) {
            int end = Math.min(n, start + maxTokens);
            while (end > start && !boundary[end]) {
                end--;
            }
            boolean oversized = end == start;
            if (oversized) {
                end = start + maxTokens;
                while (!boundary[end]) {
                    end++; // stops at n at the latest
                }
            }
            out.add(new Window(start, end, oversized));
            if (end == n) {
                break;
            }
            int next = Math.max(start + 1, end - overlap);
            while (!boundary[next]) {
                next++; // stops at end at the latest, which is a boundary
            }
            start = next;
        }
        return out;
    }
}
