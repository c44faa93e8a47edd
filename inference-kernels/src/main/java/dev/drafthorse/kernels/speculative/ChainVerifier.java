package dev.drafthorse.kernels.speculative;

import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.Sampler;

/**
 * The rule a batch engine verifies drafted chains with (draft model, n-gram lookup, MTP). {@link #EXACT} is
 * the only rule that keeps the output exactly the target's; another rule can be injected to show that the
 * distribution tests catch a wrong one.
 */
@FunctionalInterface
public interface ChainVerifier {
    /** Greedy acceptance under greedy sampling, speculative sampling otherwise ({@link ChainAcceptance}). */
    ChainVerifier EXACT = (logits, vocab, drafts, n, draftDist, sampler, rng) ->
            sampler.options().greedy()
                    ? ChainAcceptance.greedy(logits, vocab, drafts, n)
                    : ChainAcceptance.sampled(logits, vocab, drafts, n, draftDist, sampler, rng);

    /** See {@link ChainAcceptance#sampled}; {@code draftDist} is null under greedy sampling. */
    ChainAcceptance.Outcome verify(
            float[] logits, int vocab, int[] drafts, int n, float[][] draftDist, Sampler sampler, Rng rng);
}
