package dev.drafthorse.kernels.options;

import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import java.util.List;

/**
 * What a generation does besides sampling.
 *
 * @param maxNewTokens at most this many generated tokens (>= 0)
 * @param sampler the sampler's settings and seed
 * @param stop stop strings: generation ends when the text contains one, which is cut off
 * @param kvType the KV cache's element type
 * @param prefillChunk prompt positions per forward pass during prefill (>= 1)
 * @param contextSize positions the sequence may hold, prompt included; 0 means prompt + maxNewTokens (as
 *     llama.cpp's llama-simple does). It may exceed the trained context length: RoPE extends, quality may not.
 */
public record GenerationOptions(
        int maxNewTokens, SamplerOptions sampler, List<String> stop, KvType kvType, int prefillChunk, int contextSize) {

    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max-new-tokens must be >= 0, got " + maxNewTokens);
        }
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefill-chunk must be >= 1, got " + prefillChunk);
        }
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        if (contextSize < 0) {
            throw new IllegalArgumentException(
                    "ctx-size must be >= 0 (0 = prompt + max-new-tokens), got " + contextSize);
        }
        stop = List.copyOf(stop);
    }

    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, SamplerOptions.GREEDY, List.of(), KvType.F32, 256, 0);
    }

    public GenerationOptions withSampler(SamplerOptions s) {
        return new GenerationOptions(maxNewTokens, s, stop, kvType, prefillChunk, contextSize);
    }

    public GenerationOptions withKvType(KvType t) {
        return new GenerationOptions(maxNewTokens, sampler, stop, t, prefillChunk, contextSize);
    }
}
