package dev.drafthorse.kernels.generate;

import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.Step;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
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

    public Scorer(Model model) {
        this.model = model;
    }

    /**
     * @param logprob total natural-log probability of the continuation's tokens
     * @param tokens the continuation's token ids
     * @param tokenLogprobs per-token log-probabilities
     */
    public record Score(double logprob, int[] tokens, double[] tokenLogprobs) {}

    public List<Score> score(String prompt, List<String> continuations) {
        Tokenizer tok = model.tokenizer();
        int[] p = tok.encode(prompt, tok.addBosDefault(), true);
        return continuations.stream().map(c -> scoreOne(p, tok.encode(prompt + c, tok.addBosDefault(), true))).toList();
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
            throw new IllegalArgumentException("prompt and continuation (" + whole.length + " tokens) exceed the context window of " + ctx);
        }
        int[] cont = Arrays.copyOfRange(whole, lcp, whole.length);
        KvCache cache = model.newCache(KvType.F32, whole.length);
        if (lcp > 1) {
            model.forward(List.of(Step.causal(cache, Arrays.copyOf(whole, lcp - 1), Step.Logits.NONE)));
        }
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
