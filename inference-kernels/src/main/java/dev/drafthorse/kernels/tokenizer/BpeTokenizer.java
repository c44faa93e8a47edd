package dev.drafthorse.kernels.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model = gpt2}), as llama.cpp's {@code llm_tokenizer_bpe}.
 *
 * <p>The text is first cut into words by the model's pre-tokenizer ({@link PreTokenizer}); merges never cross a
 * word boundary, which is what makes " the" one token but keeps "the." two. Each word is converted to UTF-8 and
 * spelled with GPT-2's byte characters ({@link ByteLevel}), so the word starts as one symbol per byte. Adjacent
 * symbols are then merged by the merge list: a priority queue holds every adjacent pair that appears in
 * {@code tokenizer.ggml.merges}, lowest rank (earliest line) first and leftmost first among equal ranks; a popped
 * pair whose symbols have changed since it was queued is stale and skipped. This equals the textbook "apply the
 * best-ranked merge everywhere, repeat" loop but costs O(n log n). Each final symbol is looked up as a token;
 * a symbol that is not one (a vocabulary with holes) falls back to its single-character tokens.
 *
 * <p>Vocabularies whose pre-tokenizer sets {@code ignore_merges} (Llama 3) emit a word that is itself a token
 * directly, without merging, like Hugging Face's tokenizer does.
 */
final class BpeTokenizer extends Tokenizer {
    private final PreTokenizer pre;
    private final Map<String, Integer> ranks;

    BpeTokenizer(Vocab v, PreTokenizer pre, Map<String, Integer> ranks) {
        super(v);
        this.pre = pre;
        this.ranks = ranks;
    }

    /** The pre-tokenizer's name ({@code tokenizer.ggml.pre}, {@code default} when absent). */
    String preTokenizer() {
        return pre.name();
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        int[] cps = Utf8.codePoints(text);
        List<Integer> words = pre.split(cps);
        ByteArrayOutputStream utf8 = new ByteArrayOutputStream();
        int start = 0;
        for (int wlen : words) {
            utf8.reset();
            for (int i = start; i < start + wlen; i++) {
                Utf8.append(utf8, cps[i]);
            }
            start += wlen;
            encodeWord(ByteLevel.encode(utf8.toByteArray()), out);
        }
    }

    private record Bigram(int left, int right, String text, int rank) {}

    /** Merges one byte-level-spelled word and appends its tokens. */
    private void encodeWord(String word, IntList out) {
        if (pre.ignoreMerges) {
            Integer id = ids.get(word);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        int n = word.length(); // one char per byte
        String[] sym = new String[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            sym[i] = String.valueOf(word.charAt(i));
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(
                Math.max(1, n),
                (a, b) -> a.rank != b.rank ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) {
            addBigram(sym, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left;
            int r = bg.right;
            if (sym[l] == null || sym[r] == null || !(sym[l] + sym[r]).equals(bg.text)) {
                continue; // outdated
            }
            sym[l] = bg.text;
            sym[r] = null;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            addBigram(sym, prev[l], l, queue);
            addBigram(sym, l, next[l], queue);
        }
        for (int i = 0; i != -1 && n > 0; i = next[i]) {
            Integer id = ids.get(sym[i]);
            if (id != null) {
                out.add(id);
                continue;
            }
            // Not a token: llama.cpp looks up each byte of the symbol's spelling as a one-byte token, which can
            // only succeed for ASCII spellings.
            for (int k = 0; k < sym[i].length(); k++) {
                char c = sym[i].charAt(k);
                Integer b = c < 0x80 ? ids.get(String.valueOf(c)) : null;
                if (b != null) {
                    out.add(b);
                }
            }
        }
    }

    private void addBigram(String[] sym, int left, int right, PriorityQueue<Bigram> queue) {
        if (left == -1 || right == -1) {
            return;
        }
        Integer rank = ranks.get(sym[left] + " " + sym[right]);
        if (rank != null) {
            queue.add(new Bigram(left, right, sym[left] + sym[right], rank));
        }
    }

    @Override
    byte[] normalPiece(int id) {
        // Undo the byte spelling. A character outside GPT-2's byte alphabet (a vocabulary that stores raw text)
        // is written the way llama.cpp writes it.
        String text = tokens[id];
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        text.codePoints().forEach(cp -> {
            int b = ByteLevel.byteOf(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder sb = new StringBuilder("[UNK_BYTE_0x");
                ByteArrayOutputStream u = new ByteArrayOutputStream();
                Utf8.append(u, cp);
                for (byte x : u.toByteArray()) {
                    sb.append(String.format("%02x", x & 0xFF));
                }
                sb.append(text).append(']');
                byte[] e = Utf8.encode(sb.toString());
                out.write(e, 0, e.length);
            }
        });
        return out.toByteArray();
    }
}
