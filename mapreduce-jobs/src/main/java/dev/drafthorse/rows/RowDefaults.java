package dev.drafthorse.rows;

import dev.drafthorse.kernels.grammar.Grammar;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import java.util.List;

/**
 * The job's (or command's) options, which a row's own options override.
 *
 * @param maxNewTokens tokens to generate at most
 * @param sampler sampler settings and seed
 * @param stop stop strings
 * @param candidates score mode: candidates for rows that name none (may be empty when every row names its own)
 * @param grammar generate mode: the grammar for rows that name none ({@code --grammar}, {@code --json-schema}), or null
 */
public record RowDefaults(
        int maxNewTokens, SamplerOptions sampler, List<String> stop, List<String> candidates, Grammar grammar) {
    public RowDefaults(int maxNewTokens, SamplerOptions sampler, List<String> stop, List<String> candidates) {
        this(maxNewTokens, sampler, stop, candidates, null);
    }

    public RowDefaults {
        stop = List.copyOf(stop);
        candidates = List.copyOf(candidates);
    }
}
