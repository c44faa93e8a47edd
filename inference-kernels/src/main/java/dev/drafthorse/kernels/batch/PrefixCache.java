package dev.drafthorse.kernels.batch;

import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keys and values of token prefixes already computed, kept in a trie of fixed-size blocks keyed by
 * their token ids, so a prompt that starts like an earlier one (the same instructions and examples)
 * computes only what differs.
 *
 * <p>Exact by construction: a position's keys and values depend only on the tokens up to it, and every
 * kernel computes a row the same way whatever else is in the pass (see {@code WeightMatrix} and
 * {@code TiledAttention}), so reused entries are bit-identical to recomputed ones.
 *
 * <p>Memory is bounded: when the cached blocks exceed {@code maxBytes}, least-recently-used leaves are
 * evicted (a leaf first, so every cached block's ancestors stay cached). Reuse copies the matched blocks
 * into the sequence's own cache; they are not shared in place.
 */
public final class PrefixCache {
    /** Tokens per block: a prefix is reused in whole blocks. */
    public static final int BLOCK = 16;

    private final Model model;
    private final KvType type;
    private final long maxBytes;
    private final Node root = new Node(null, null, null);
    private long bytes;
    private long clock;

    private long hits;
    private long misses;
    private long tokensSaved;
    private long evictions;

    private static final class Node {
        final Node parent;
        final Key key;
        final KvCache kv; // (BLOCK positions) for this block
        final Map<Key, Node> children = new HashMap<>();
        long lastUsed;

        Node(Node parent, Key key, KvCache kv) {
            this.parent = parent;
            this.key = key;
            this.kv = kv;
        }
    }

    private record Key(int[] tokens) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(tokens, k.tokens);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(tokens);
        }
    }

    /**
     * @param maxBytes bound on the bytes of cached keys and values (> 0)
     */
    public PrefixCache(Model model, KvType type, long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("prefix-cache bound must be > 0 bytes, got " + maxBytes);
        }
        this.model = model;
        this.type = type;
        this.maxBytes = maxBytes;
    }

    public KvType type() {
        return type;
    }

    /**
     * Copies the longest cached prefix of {@code prompt} into {@code cache} (which must be empty), leaving
     * at least one prompt token to compute so the prompt's last logits come from a pass.
     *
     * @return the number of prompt tokens reused
     */
    public synchronized int reuse(int[] prompt, KvCache cache) {
        if (cache.length() != 0) {
            throw new IllegalArgumentException("reuse needs an empty cache");
        }
        int usable = (prompt.length - 1) / BLOCK;
        Node n = root;
        int blocks = 0;
        clock++;
        while (blocks < usable) {
            Node c = n.children.get(new Key(Arrays.copyOfRange(prompt, blocks * BLOCK, (blocks + 1) * BLOCK)));
            if (c == null) {
                break;
            }
            c.lastUsed = clock;
            cache.append(c.kv, 0, BLOCK);
            n = c;
            blocks++;
        }
        int reused = blocks * BLOCK;
        if (reused > 0) {
            hits++;
            tokensSaved += reused;
        } else {
            misses++;
        }
        return reused;
    }

    /** How many leading prompt tokens are cached (in whole blocks, at most length − 1). */
    public synchronized int cachedLength(int[] prompt) {
        int usable = (prompt.length - 1) / BLOCK;
        Node n = root;
        int blocks = 0;
        while (blocks < usable) {
            n = n.children.get(new Key(Arrays.copyOfRange(prompt, blocks * BLOCK, (blocks + 1) * BLOCK)));
            if (n == null) {
                break;
            }
            blocks++;
        }
        return blocks * BLOCK;
    }

    /** Stores the whole blocks of a prompt whose keys and values are in {@code cache}. */
    public synchronized void insert(int[] prompt, KvCache cache) {
        int blocks = Math.min(prompt.length, cache.length()) / BLOCK;
        Node n = root;
        clock++;
        for (int b = 0; b < blocks; b++) {
            Key k = new Key(Arrays.copyOfRange(prompt, b * BLOCK, (b + 1) * BLOCK));
            Node c = n.children.get(k);
            if (c == null) {
                KvCache kv = model.newCache(type, BLOCK);
                kv.append(cache, b * BLOCK, BLOCK);
                c = new Node(n, k, kv);
                n.children.put(k, c);
                bytes += kv.bytes();
            }
            c.lastUsed = clock;
            n = c;
        }
        evict();
    }

    private void evict() {
        while (bytes > maxBytes) {
            Node victim = null;
            List<Node> stack = new ArrayList<>(root.children.values());
            while (!stack.isEmpty()) {
                Node x = stack.remove(stack.size() - 1);
                if (x.children.isEmpty()) {
                    if (victim == null || x.lastUsed < victim.lastUsed) {
                        victim = x;
                    }
                } else {
                    stack.addAll(x.children.values());
                }
            }
            if (victim == null) {
                return;
            }
            victim.parent.children.remove(victim.key);
            bytes -= victim.kv.bytes();
            evictions++;
        }
    }

    public synchronized long bytes() {
        return bytes;
    }

    /** Prompts that reused at least one block. */
    public synchronized long hits() {
        return hits;
    }

    /** Prompts that reused nothing. */
    public synchronized long misses() {
        return misses;
    }

    /** Prompt tokens not recomputed. */
    public synchronized long tokensSaved() {
        return tokensSaved;
    }

    public synchronized long evictions() {
        return evictions;
    }
}
