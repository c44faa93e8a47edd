package dev.drafthorse.rows;

import dev.drafthorse.kernels.sampling.SamplerOptions;
import java.util.List;

/**
 * One parsed input row with its options resolved (per-row values over the job's defaults).
 *
 * @param id the row id: the key of the output row and of the row's random stream
 * @param prompt the prompt text (never empty)
 * @param maxNewTokens generate: tokens to generate at most
 * @param sampler generate: the sampler, its seed included
 * @param stop generate: stop strings
 * @param candidates score: the continuations to score (non-empty in score mode)
 */
public record Row(String id, String prompt, int maxNewTokens, SamplerOptions sampler, List<String> stop, List<String> candidates) {}
