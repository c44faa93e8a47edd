package dev.drafthorse.kernels.grammar;

import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The vocabulary's token pieces (their bytes, as llama.cpp's grammar sees them) in a byte trie, so a grammar can
 * rule out every token that starts with a byte it cannot accept in one step instead of testing each token alone.
 * Tokens whose piece is empty (and end-of-generation tokens, which the grammar treats apart) are not in the trie.
 */
final class TokenTrie {
    private static final Map<Tokenizer, TokenTrie> CACHE = new WeakHashMap<>();

    /** Per node: child bytes (ascending), child nodes, tokens ending here. */
    final List<byte[]> childBytes = new ArrayList<>();

    final List<int[]> children = new ArrayList<>();
    final List<int[]> tokens = new ArrayList<>();
    final byte[][] pieces;
    final int[] eog;

    static synchronized TokenTrie of(Tokenizer tok) {
        return CACHE.computeIfAbsent(tok, TokenTrie::new);
    }

    private TokenTrie(Tokenizer tok) {
        int n = tok.vocabSize();
        pieces = new byte[n][];
        List<Integer> eogs = new ArrayList<>();
        // Build with growable per-node maps, then freeze into sorted arrays.
        List<int[]> next = new ArrayList<>(); // per node: 256 child slots, lazily
        List<List<Integer>> ends = new ArrayList<>();
        next.add(null);
        ends.add(new ArrayList<>());
        for (int id = 0; id < n; id++) {
            pieces[id] = tok.pieceBytes(id);
            if (tok.isEndOfGeneration(id)) {
                eogs.add(id);
                continue;
            }
            byte[] p = pieces[id];
            if (p.length == 0) {
                continue;
            }
            int node = 0;
            for (byte b : p) {
                int[] slots = next.get(node);
                if (slots == null) {
                    slots = new int[256];
                    next.set(node, slots);
                }
                int c = slots[b & 0xFF];
                if (c == 0) {
                    c = next.size();
                    slots[b & 0xFF] = c;
                    next.add(null);
                    ends.add(new ArrayList<>());
                }
                node = c;
            }
            ends.get(node).add(id);
        }
        for (int node = 0; node < next.size(); node++) {
            int[] slots = next.get(node);
            int count = 0;
            if (slots != null) {
                for (int s : slots) {
                    count += s != 0 ? 1 : 0;
                }
            }
            byte[] cb = new byte[count];
            int[] cn = new int[count];
            int k = 0;
            if (slots != null) {
                for (int b = 0; b < 256; b++) {
                    if (slots[b] != 0) {
                        cb[k] = (byte) b;
                        cn[k++] = slots[b];
                    }
                }
            }
            childBytes.add(cb);
            children.add(cn);
            tokens.add(ends.get(node).stream().mapToInt(Integer::intValue).toArray());
        }
        eog = eogs.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(eog);
    }

    boolean isEog(int id) {
        return Arrays.binarySearch(eog, id) >= 0;
    }
}
