package dev.drafthorse.kernels.generate;

import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.Sampler;
import dev.drafthorse.kernels.tokenizer.TokenDecoder;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Plain autoregressive generation: prefill the prompt in chunks (each chunk one multi-position pass
 * through the matrix-matrix kernels), then decode one token per pass until an end-of-generation token,
 * a stop string, max-new-tokens or the context window.
 */
public final class Generator {
    private final Model model;

    public Generator(Model model) {
        this.model = model;
    }

    /** Prompt ids: BOS (when the vocabulary adds one) and the prompt; an empty prompt is BOS only. */
    public int[] promptTokens(String prompt) {
        Tokenizer tok = model.tokenizer();
        int[] ids = tok.encode(prompt, tok.addBosDefault(), true);
        if (ids.length == 0) {
            ids = new int[] {tok.bos() >= 0 ? tok.bos() : 0};
        }
        return ids;
    }

    public GenerationResult generate(String prompt, GenerationOptions options, Rng rng) {
        return generate(promptTokens(prompt), options, rng, piece -> { });
    }

    /**
     * @param prompt prompt token ids (at least one)
     * @param onText receives the text as it is completed (for streaming output)
     */
    public GenerationResult generate(int[] prompt, GenerationOptions options, Rng rng, Consumer<String> onText) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt needs at least one token");
        }
        int ctx = options.contextSize() > 0 ? options.contextSize() : prompt.length + options.maxNewTokens();
        if (prompt.length > ctx) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit the context window of "
                    + ctx + " tokens");
        }
        Tokenizer tok = model.tokenizer();
        Sampler sampler = new Sampler(options.sampler());
        KvCache cache = model.newCache(options.kvType(), Math.max(1, Math.min(ctx, prompt.length + options.maxNewTokens())));
        long t0 = System.nanoTime();
        float[] logits = prefill(cache, prompt, options.prefillChunk());
        long t1 = System.nanoTime();

        int vocab = model.config().vocab();
        int[] out = new int[Math.max(0, Math.min(options.maxNewTokens(), ctx - prompt.length))];
        int n = 0;
        // Continuing after the prompt: the first generated piece keeps its leading space (after BOS alone it is dropped).
        TokenDecoder decoder = tok.newDecoder(prompt);
        StringBuilder text = new StringBuilder();
        FinishReason finish = FinishReason.LENGTH;
        while (true) {
            if (n == options.maxNewTokens()) {
                finish = FinishReason.LENGTH;
                break;
            }
            if (cache.length() >= ctx) {
                finish = FinishReason.CONTEXT;
                break;
            }
            int next = sampler.sample(logits, 0, vocab, rng);
            if (tok.isEndOfGeneration(next)) {
                finish = FinishReason.EOS;
                break;
            }
            out[n++] = next;
            String piece = decoder.push(next);
            int before = text.length();
            text.append(piece);
            int cut = StopStrings.find(text, options.stop(), before);
            if (cut >= 0) {
                String visible = text.substring(before, Math.max(before, cut));
                text.setLength(cut);
                onText.accept(visible);
                finish = FinishReason.STOP;
                break;
            }
            onText.accept(piece);
            if (n == options.maxNewTokens() || cache.length() >= ctx) {
                continue; // the loop head reports why without another pass
            }
            logits = model.forwardLast(cache, new int[] {next});
        }
        if (finish != FinishReason.STOP) {
            String rest = decoder.flush(); // bytes of an incomplete UTF-8 character at the end
            text.append(rest);
            onText.accept(rest);
        }
        long t2 = System.nanoTime();
        return new GenerationResult(text.toString(), Arrays.copyOf(out, n), finish, prompt.length, t1 - t0, t2 - t1);
    }

    /** Feeds the prompt in chunks; returns the logits after its last token. */
    float[] prefill(KvCache cache, int[] prompt, int chunk) {
        float[] logits = null;
        for (int i = 0; i < prompt.length; i += chunk) {
            int[] part = Arrays.copyOfRange(prompt, i, Math.min(prompt.length, i + chunk));
            logits = model.forwardLast(cache, part);
        }
        return logits;
    }
}
