package dev.drafthorse.kernels.embed;

import dev.drafthorse.kernels.batch.PrefixCache;
import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sentence embeddings: a text's tokens through the forward pass without the output matrix, the final (output-normed)
 * hidden states pooled into one vector and normalized — what llama.cpp's {@code llama-embedding} computes for a
 * decoder model.
 *
 * <p>Dimension legend: T tokens of a text, D model width, B texts in one pass.
 *
 * <p>As llama-embedding does, a text is tokenized with the vocabulary's BOS ({@code add_bos_token}) and EOS
 * ({@code add_eos_token}, which embedding models such as Qwen3-Embedding set and chat models do not), special tokens
 * parsed; attention is causal; the hidden state is the output norm's result (llama.cpp's {@code t_embd}), before the
 * output matrix and any soft-cap. Pooling: {@link Pooling}. A text longer than the context window is refused (split it
 * first: {@code explode_chunks} in Hive cuts token-bounded chunks, and each chunk gets its vector).
 *
 * <p>Many texts are embedded together: each text is one {@link Step} (its own KV cache, causal), and texts are packed
 * into passes of at most {@code batchTokens} tokens, so every weight is read once per pass over many rows (the
 * threaded kernels of {@link Model#forwardHidden}). A text's vector is bit-identical alone or in any batch (the
 * engine's determinism contract). With {@link Pooling#LAST} only the last row's state is needed, so a
 * {@link PrefixCache} skips the keys and values of a shared prefix (a template's instruction); the other poolings
 * need every position's state, which the prefix cache does not keep.
 *
 * <p>Not thread-safe (one model pass at a time).
 */
public final class Embedder {
    /** Tokens per pass when the caller does not say. */
    public static final int DEFAULT_BATCH_TOKENS = 512;

    private final Model model;
    private final Pooling pooling;
    private final Normalization normalization;
    private final int contextLength;
    private final int batchTokens;
    private final boolean addEos;
    private PrefixCache prefixCache;

    /**
     * @param pooling the pooling to use, or null for the GGUF's {@code <arch>.pooling_type}, and {@link Pooling#MEAN}
     *     when the GGUF names none (llama-embedding would give one vector per token there)
     * @param contextLength the longest text in tokens (BOS/EOS included); at least 1
     * @param batchTokens tokens per forward pass (a longer text gets a pass of its own); at least 1
     */
    public Embedder(Model model, Pooling pooling, Normalization normalization, int contextLength, int batchTokens)
            throws GgufException {
        if (contextLength < 1) {
            throw new IllegalArgumentException("context length must be >= 1, got " + contextLength);
        }
        if (batchTokens < 1) {
            throw new IllegalArgumentException("batch tokens must be >= 1, got " + batchTokens);
        }
        this.model = model;
        Pooling fromFile = Pooling.fromGguf(model.file(), model.config().architecture());
        this.pooling = pooling != null ? pooling : fromFile != null ? fromFile : Pooling.MEAN;
        this.normalization = normalization;
        this.contextLength = contextLength;
        this.batchTokens = batchTokens;
        this.addEos = model.file().getBool("tokenizer.ggml.add_eos_token", false);
    }

    /** With {@link Pooling#MEAN}, L2, the model's trained context and {@link #DEFAULT_BATCH_TOKENS}, unless the GGUF names a pooling. */
    public static Embedder of(Model model) throws GgufException {
        return new Embedder(model, null, Normalization.L2, model.config().contextLength(), DEFAULT_BATCH_TOKENS);
    }

    /** Reuses cached prompt prefixes under {@link Pooling#LAST} (ignored by the other poolings); null turns it off. */
    public Embedder withPrefixCache(PrefixCache cache) {
        if (cache != null && cache.type() != KvType.F32) {
            throw new IllegalArgumentException(
                    "the prefix cache must hold F32 keys and values, like the embedder's caches");
        }
        this.prefixCache = cache;
        return this;
    }

    public Pooling pooling() {
        return pooling;
    }

    public Normalization normalization() {
        return normalization;
    }

    public int contextLength() {
        return contextLength;
    }

    /** The vector width: D for a pooled vector (a {@link Pooling#NONE} result is T × D). */
    public int dim() {
        return model.config().dim();
    }

    /** A text's token ids as llama-embedding makes them: BOS and EOS as the vocabulary says, special tokens parsed. */
    public int[] tokens(String text) {
        int[] ids = model.tokenizer().encode(text, model.tokenizer().addBosDefault(), true);
        if (addEos) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = model.tokenizer().eos();
        }
        return ids;
    }

    /**
     * Checks that a text's tokens can be embedded.
     *
     * @throws IllegalArgumentException naming the length when there are no tokens or more than the context window
     */
    public void check(int[] tokens) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("the text has no tokens (an empty text and a vocabulary without BOS)");
        }
        if (tokens.length > contextLength) {
            throw new IllegalArgumentException("text of " + tokens.length + " tokens exceeds the context window of "
                    + contextLength + " tokens: split it into chunks first (explode_chunks) and embed each chunk");
        }
    }

    /** One text's vector (D; T × D for {@link Pooling#NONE}, each row normalized). */
    public float[] embed(String text) {
        return embedTokens(List.of(tokens(text))).get(0);
    }

    /** Each text's vector, in order. */
    public List<float[]> embedAll(List<String> texts) {
        List<int[]> ids = new ArrayList<>(texts.size());
        for (String t : texts) {
            ids.add(tokens(t));
        }
        return embedTokens(ids);
    }

    /**
     * Each token sequence's vector, in order, the sequences packed into passes of at most {@code batchTokens} tokens.
     *
     * @throws IllegalArgumentException when a sequence is empty or longer than the context window (see {@link #check})
     */
    public List<float[]> embedTokens(List<int[]> texts) {
        for (int[] t : texts) {
            check(t);
        }
        List<float[]> out = new ArrayList<>(texts.size());
        int i = 0;
        while (i < texts.size()) {
            int j = i;
            int tokens = 0;
            while (j < texts.size() && (j == i || tokens + texts.get(j).length <= batchTokens)) {
                tokens += texts.get(j).length;
                j++;
            }
            out.addAll(pass(texts.subList(i, j)));
            i = j;
        }
        return out;
    }

    /** One forward pass over B texts: their hidden states (only the last row's under LAST pooling), pooled. */
    private List<float[]> pass(List<int[]> texts) {
        boolean last = pooling == Pooling.LAST;
        List<Step> steps = new ArrayList<>(texts.size());
        List<KvCache> caches = new ArrayList<>(texts.size());
        for (int[] t : texts) {
            KvCache cache = model.newCache(KvType.F32, t.length);
            int reused = last && prefixCache != null ? prefixCache.reuse(t, cache) : 0;
            int[] fresh = reused == 0 ? t : Arrays.copyOfRange(t, reused, t.length);
            steps.add(Step.causal(cache, fresh, last ? Step.Logits.LAST : Step.Logits.ALL));
            caches.add(cache);
        }
        float[][] hidden = model.forwardHidden(steps);
        List<float[]> out = new ArrayList<>(texts.size());
        for (int b = 0; b < texts.size(); b++) {
            if (last && prefixCache != null) {
                prefixCache.insert(texts.get(b), caches.get(b));
            }
            out.add(pool(hidden[b], texts.get(b).length));
        }
        return out;
    }

    /** hidden (T, D), or (1, D) under LAST → the normalized vector (D), or (T, D) each row normalized under NONE. */
    private float[] pool(float[] hidden, int t) {
        int d = dim();
        float[] v;
        switch (pooling) {
            case NONE -> {
                v = hidden;
                for (int i = 0; i < t; i++) {
                    normalization.apply(v, i * d, d);
                }
                return v;
            }
            case MEAN -> {
                // Summed in double, then one rounding: ggml sums in float through a product with a (1/T) column,
                // which this matches to within float rounding.
                double[] sum = new double[d];
                for (int i = 0; i < t; i++) {
                    for (int e = 0; e < d; e++) {
                        sum[e] += hidden[i * d + e];
                    }
                }
                v = new float[d];
                for (int e = 0; e < d; e++) {
                    v[e] = (float) (sum[e] / t);
                }
            }
            case CLS -> v = Arrays.copyOf(hidden, d);
            case LAST -> v = hidden.length == d ? hidden : Arrays.copyOfRange(hidden, (t - 1) * d, t * d);
            default -> throw new IllegalStateException("pooling " + pooling);
        }
        normalization.apply(v, 0, d);
        return v;
    }
}
