package dev.drafthorse.kernels.batch;

import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.TokenConstraint;

/**
 * One prompt to generate from.
 *
 * @param id the row id (carried to the result)
 * @param prompt prompt token ids, BOS included when the model wants one (at least one token)
 * @param options generation options (max tokens, sampler, stop strings, KV type)
 * @param rng the row's own random stream
 * @param constraint what the generated text must follow (a grammar), or null; one per request, it is advanced
 *     as tokens are generated
 */
public record Request(String id, int[] prompt, GenerationOptions options, Rng rng, TokenConstraint constraint) {
    public Request(String id, int[] prompt, GenerationOptions options, Rng rng) {
        this(id, prompt, options, rng, null);
    }

    public Request {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("request " + id + ": the prompt needs at least one token");
        }
    }
}
