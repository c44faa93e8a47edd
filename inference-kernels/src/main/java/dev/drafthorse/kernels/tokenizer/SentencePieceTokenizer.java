package dev.drafthorse.kernels.tokenizer;

import java.util.PriorityQueue;

/**
 * SentencePiece BPE ({@code tokenizer.ggml.model = llama}), as llama.cpp's {@code llm_tokenizer_spm}.
 *
 * <p>Spaces are written as U+2581 ({@code ▁}) and, when {@code add_space_prefix} is on (the default), a space is
 * put in front of the text and after every special token, so that a word at the start of a text gets the same
 * {@code ▁word} token as in the middle. The text is then split into characters, and adjacent symbols are merged
 * greedily: a priority queue holds every adjacent pair whose concatenation is a token, ordered by that token's
 * score (highest first) and, among equal scores, by position (leftmost first, which is llama.cpp's tie-break).
 * A popped pair whose symbols have changed since it was queued is stale and skipped; after a merge, the pairs
 * the new symbol forms with its neighbours are queued. Symbols left that are not tokens (characters outside the
 * vocabulary) are written as their UTF-8 bytes with the byte-fallback tokens {@code <0x00>}..{@code <0xFF>}.
 *
 * <p>Unlike a word-level BPE, the merge order here comes from the scores alone, so the result does not depend on
 * how merges were learned; this is why llama.cpp, SentencePiece and this class agree.
 */
final class SentencePieceTokenizer extends Tokenizer {
    private static final char SPACE_MARK = '\u2581';
    private final int[] byteTokens = new int[256];

    SentencePieceTokenizer(Vocab v) {
        super(v);
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.format("<0x%02X>", b));
            if (id == null && b < 0x80) {
                id = ids.get(String.valueOf((char) b)); // llama.cpp's fallback: the byte as a one-character token
            }
            byteTokens[b] = id == null ? -1 : id;
        }
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        String s = addSpacePrefix && afterSpecial ? " " + text : text;
        s = s.replace(' ', SPACE_MARK);
        if (s.isEmpty()) {
            return;
        }
        // Symbols: one per code point, as a doubly linked list over [start, start + len) of s.
        int[] cps = Utf8.codePoints(s);
        int n = cps.length;
        String t = new String(cps, 0, n); // s with unpaired surrogates replaced
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        int off = 0;
        for (int i = 0; i < n; i++) {
            start[i] = off;
            len[i] = Character.charCount(cps[i]);
            off += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(
                Math.max(1, n),
                (a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) {
            tryAddBigram(t, start, len, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left;
            int r = bg.right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bg.size) {
                continue; // one side was merged into something else since this pair was queued
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            tryAddBigram(t, start, len, prev[l], l, queue);
            tryAddBigram(t, start, len, l, next[l], queue);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String piece = t.substring(start[i], start[i] + len[i]);
            Integer id = ids.get(piece);
            if (id != null) {
                out.add(id);
                continue;
            }
            // Not a token: every symbol that came from a merge is one, so this is a single unknown character.
            for (byte b : Utf8.encode(piece)) {
                int bt = byteTokens[b & 0xFF];
                if (bt >= 0) {
                    out.add(bt);
                } else if (unk >= 0) {
                    out.add(unk); // a vocabulary without byte fallback (llama.cpp would fail here)
                }
            }
        }
    }

    private record Bigram(int left, int right, float score, int size) {}

    private void tryAddBigram(String t, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left == -1 || right == -1) {
            return;
        }
        String text = t.substring(start[left], start[left] + len[left] + len[right]);
        Integer id = ids.get(text);
        if (id == null) {
            return;
        }
        queue.add(new Bigram(left, right, scores[id], len[left] + len[right]));
    }

    @Override
    byte[] normalPiece(int id) {
        return Utf8.encode(tokens[id].replace(SPACE_MARK, ' '));
    }
}
