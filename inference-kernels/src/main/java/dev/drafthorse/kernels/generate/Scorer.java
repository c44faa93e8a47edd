package dev.drafthorse.kernels.generate;

import dev.drafthorse.kernels.attention.AttentionMask;
import dev.drafthorse.kernels.batch.PrefixCache;
import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.Step;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Log-probability of continuations after a prompt, by teacher forcing: the prompt and the continuation
 * go through the model together and each continuation token's log-softmax probability is summed.
 *
 * <p>The continuation's tokens are those of {@code encode(prompt + continuation)} after its longest
 * common prefix with {@code encode(prompt)}, so a word that merges across the boundary is scored as the
 * model would see it written.
 */
public final class Scorer {
    private final Model model;
    private PrefixCache prefixCache;
    private long promptTokensComputed;

    public Scorer(Model model) {
        this.model = model;
    }

    /** Reuses (and fills) a prefix cache of F32 KV blocks for the prompts; null turns it off. */
    public Scorer withPrefixCache(PrefixCache cache) {
        if (cache != null && cache.type() != KvType.F32) {
            throw new IllegalArgumentException("scoring uses an F32 KV cache; the prefix cache holds " + cache.type());
        }
        this.prefixCache = cache;
        return this;
    }

    /** Prompt and continuation tokens this scorer ran through the model (cache hits excluded). */
    public long tokensComputed() {
        return promptTokensComputed;
    }

    /**
     * @param logprob total natural-log probability of the continuation's tokens
     * @param tokens the continuation's token ids
     * @param tokenLogprobs per-token log-probabilities
     */
    public record Score(double logprob, int[] tokens, double[] tokenLogprobs) {}

    /**
     * The candidates' probabilities normalized over the row: softmax of their log-probabilities (shifted by the
     * largest, in double). The one definition {@code infer}'s {@code prob} and Hive's {@code llm_score} share.
     */
    public static double[] probabilities(List<Score> scores) {
        double max = Double.NEGATIVE_INFINITY;
        for (Score s : scores) {
            max = Math.max(max, s.logprob());
        }
        double[] p = new double[scores.size()];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(scores.get(i).logprob() - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Scores every continuation in one pass over a token tree (see {@link #scoreTree}). */
    public List<Score> score(String prompt, List<String> continuations) {
        Tokenizer tok = model.tokenizer();
        int[] p = tok.encode(prompt, tok.addBosDefault(), true);
        List<int[]> wholes = continuations.stream()
                .map(c -> tok.encode(prompt + c, tok.addBosDefault(), true))
                .toList();
        return scoreTree(p, wholes);
    }

    /** Scores each continuation in its own pass (the reference for {@link #scoreTree}, and a benchmark baseline). */
    public List<Score> scoreSeparately(String prompt, List<String> continuations) {
        Tokenizer tok = model.tokenizer();
        int[] p = tok.encode(prompt, tok.addBosDefault(), true);
        return continuations.stream()
                .map(c -> scoreOne(p, tok.encode(prompt + c, tok.addBosDefault(), true)))
                .toList();
    }

    /**
     * Scores all continuations with the prompt evaluated once: the shared prompt tokens go through one
     * pass, then every continuation's tokens go through a second pass as branches of a tree, with a tree
     * mask (each token sees the prompt and its own branch's earlier tokens only) and positions that follow
     * depth. Equal to scoring each alone within float tolerance (the attention reduction groups keys
     * differently).
     *
     * @param prompt the prompt's ids
     * @param wholes for each continuation, the ids of prompt + continuation tokenized together
     */
    public List<Score> scoreTree(int[] prompt, List<int[]> wholes) {
        int n = wholes.size();
        int[] lcp = new int[n];
        int base = Integer.MAX_VALUE;
        for (int c = 0; c < n; c++) {
            int[] w = wholes.get(c);
            int l = 0;
            while (l < prompt.length && l < w.length && prompt[l] == w[l]) {
                l++;
            }
            if (l == 0) {
                throw new IllegalArgumentException("cannot score a continuation of an empty prompt without BOS");
            }
            lcp[c] = l;
            if (l < w.length) {
                base = Math.min(base, l - 1);
            }
        }
        Score[] out = new Score[n];
        if (base == Integer.MAX_VALUE) { // nothing to score
            for (int c = 0; c < n; c++) {
                out[c] = new Score(0, new int[0], new double[0]);
            }
            return List.of(out);
        }
        // Branch c holds whole[base, len - 1): the token at depth j predicts whole[base + j + 1].
        List<Integer> tokens = new ArrayList<>();
        List<Integer> parents = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        int[] first = new int[n];
        int maxLen = base;
        for (int c = 0; c < n; c++) {
            int[] w = wholes.get(c);
            first[c] = tokens.size();
            for (int i = base; i < w.length - 1 && lcp[c] < w.length; i++) {
                parents.add(i == base ? -1 : tokens.size() - 1);
                tokens.add(w[i]);
                positions.add(i);
            }
            maxLen = Math.max(maxLen, w.length);
        }
        int ctx = model.config().contextLength();
        if (maxLen > ctx) {
            throw new IllegalArgumentException(
                    "prompt and continuation (" + maxLen + " tokens) exceed the context window of " + ctx);
        }
        KvCache cache = model.newCache(KvType.F32, base + tokens.size() + 1);
        if (base > 0) {
            int[] shared = Arrays.copyOf(prompt, base);
            int reused = prefixCache != null ? prefixCache.reuse(shared, cache) : 0;
            if (reused < base) {
                model.forward(List.of(Step.causal(cache, Arrays.copyOfRange(shared, reused, base), Step.Logits.NONE)));
                promptTokensComputed += base - reused;
            }
            if (prefixCache != null) {
                prefixCache.insert(shared, cache);
            }
        }
        promptTokensComputed += tokens.size();
        int[] treeTokens = tokens.stream().mapToInt(Integer::intValue).toArray();
        int[] treePositions = positions.stream().mapToInt(Integer::intValue).toArray();
        int[] treeParents = parents.stream().mapToInt(Integer::intValue).toArray();
        float[] logits = model.forward(List.of(
                new Step(cache, treeTokens, treePositions, AttentionMask.tree(base, treeParents), Step.Logits.ALL)))[0];
        int v = model.config().vocab();
        for (int c = 0; c < n; c++) {
            int[] w = wholes.get(c);
            if (lcp[c] == w.length) {
                out[c] = new Score(0, new int[0], new double[0]);
                continue;
            }
            int[] cont = Arrays.copyOfRange(w, lcp[c], w.length);
            double[] per = new double[cont.length];
            double total = 0;
            for (int i = lcp[c]; i < w.length; i++) {
                int node = first[c] + (i - 1 - base);
                per[i - lcp[c]] = logSoftmax(logits, node * v, v, w[i]);
                total += per[i - lcp[c]];
            }
            out[c] = new Score(total, cont, per);
        }
        return List.of(out);
    }

    Score scoreOne(int[] prompt, int[] whole) {
        int lcp = 0;
        while (lcp < prompt.length && lcp < whole.length && prompt[lcp] == whole[lcp]) {
            lcp++;
        }
        if (lcp == whole.length) {
            return new Score(0, new int[0], new double[0]);
        }
        if (lcp == 0) {
            throw new IllegalArgumentException("cannot score a continuation of an empty prompt without BOS");
        }
        int ctx = model.config().contextLength();
        if (whole.length > ctx) {
            throw new IllegalArgumentException(
                    "prompt and continuation (" + whole.length + " tokens) exceed the context window of " + ctx);
        }
        int[] cont = Arrays.copyOfRange(whole, lcp, whole.length);
        KvCache cache = model.newCache(KvType.F32, whole.length);
        if (lcp > 1) {
            int[] shared = Arrays.copyOf(whole, lcp - 1);
            int reused = prefixCache != null ? prefixCache.reuse(shared, cache) : 0;
            model.forward(
                    List.of(Step.causal(cache, Arrays.copyOfRange(shared, reused, shared.length), Step.Logits.NONE)));
            promptTokensComputed += shared.length - reused;
            if (prefixCache != null) {
                prefixCache.insert(shared, cache);
            }
        }
        promptTokensComputed += whole.length - lcp;
        // Rows lcp-1 .. end-1 predict tokens lcp .. end.
        int[] tail = Arrays.copyOfRange(whole, lcp - 1, whole.length - 1);
        float[] logits = model.forward(List.of(Step.causal(cache, tail, Step.Logits.ALL)))[0];
        int v = model.config().vocab();
        double total = 0;
        double[] per = new double[cont.length];
        for (int i = 0; i < cont.length; i++) {
            per[i] = logSoftmax(logits, i * v, v, cont[i]);
            total += per[i];
        }
        return new Score(total, cont, per);
    }

    /** log softmax(logits[off, off+n))[index], in double. */
    public static double logSoftmax(float[] logits, int off, int n, int index) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        return logits[off + index] - max - Math.log(sum);
    }
}
