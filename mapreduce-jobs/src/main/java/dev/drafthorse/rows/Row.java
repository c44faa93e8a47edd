package dev.drafthorse.rows;

import dev.drafthorse.kernels.chat.Message;
import dev.drafthorse.kernels.grammar.Grammar;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import java.util.List;

/**
 * One parsed input row with its options resolved (per-row values over the job's defaults).
 *
 * @param id the row id: the key of the output row and of the row's random stream
 * @param prompt the prompt text (never empty); for a {@code "messages"} row, the last message's content (for
 *     display only: the prompt the model sees is the conversation rendered by the chat template)
 * @param maxNewTokens generate: tokens to generate at most
 * @param sampler generate: the sampler, its seed included
 * @param stop generate: stop strings
 * @param candidates score: the continuations to score (non-empty in score mode)
 * @param messages the conversation to render with the model's chat template, or null for a plain prompt
 * @param grammar generate: the grammar the output must follow (from the row's {@code grammar} or {@code json_schema},
 *     or the job's), or null
 */
public record Row(
        String id,
        String prompt,
        int maxNewTokens,
        SamplerOptions sampler,
        List<String> stop,
        List<String> candidates,
        List<Message> messages,
        Grammar grammar) {

    public Row(
            String id,
            String prompt,
            int maxNewTokens,
            SamplerOptions sampler,
            List<String> stop,
            List<String> candidates,
            List<Message> messages) {
        this(id, prompt, maxNewTokens, sampler, stop, candidates, messages, null);
    }

    /** A plain-prompt row (no chat template). */
    public Row(
            String id,
            String prompt,
            int maxNewTokens,
            SamplerOptions sampler,
            List<String> stop,
            List<String> candidates) {
        this(id, prompt, maxNewTokens, sampler, stop, candidates, null);
    }

    /** True when the prompt is a conversation for the chat template. */
    public boolean chat() {
        return messages != null;
    }
}
