package dev.drafthorse.rows;

import dev.drafthorse.kernels.batch.Request;
import dev.drafthorse.kernels.grammar.GrammarConstraint;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;

/** Turns parsed rows into engine requests: tokenization and the context-window check, as row errors. */
public final class Prompts {
    private Prompts() {}

    /** The prompt's token ids (BOS as the model wants it). */
    public static int[] tokens(Model model, String prompt) {
        return model.tokenizer().encode(prompt, model.tokenizer().addBosDefault(), true);
    }

    /**
     * A generation request whose random stream is seeded by (row seed, row id) alone, so the row's output never
     * depends on which task, batch or thread runs it.
     *
     * @param ctx the context window per row (prompt included); a prompt that fills it is a bad row
     */
    public static Request request(Row row, Model model, int ctx, int prefillChunk) throws BadRow {
        return request(row, model, null, ctx, prefillChunk);
    }

    /** The row's prompt ids: a plain prompt as written, a conversation through the chat template. */
    public static int[] tokens(Model model, Row row, ChatRows chat) throws BadRow {
        if (!row.chat()) {
            return tokens(model, row.prompt());
        }
        if (chat == null) {
            throw new IllegalStateException("a chat row needs ChatRows");
        }
        return chat.tokens(row.id(), row.messages());
    }

    /**
     * As {@link #request(Row, Model, int, int)}, chat rows rendered by {@code chat}.
     *
     * @throws BadRow also when the chat template raises (with its message)
     */
    public static Request request(Row row, Model model, ChatRows chat, int ctx, int prefillChunk) throws BadRow {
        int[] ids = tokens(model, row, chat);
        if (ids.length >= ctx) {
            throw new BadRow(row.id(), "prompt of " + ids.length + " tokens does not fit the context window of " + ctx);
        }
        try {
            // The row's window: the context, or the prompt plus its generation limit when shorter. The engine sizes
            // the row's KV cache by it (up to 256 positions up front); the tokens are the same, as a row that
            // reaches its limit stops there before the window is checked (as in llm_infer).
            int window = (int) Math.min(ctx, (long) ids.length + row.maxNewTokens());
            GenerationOptions go = new GenerationOptions(
                    row.maxNewTokens(), row.sampler(), row.stop(), KvType.F32, prefillChunk, window);
            return new Request(
                    row.id(),
                    ids,
                    go,
                    Rng.forRow(row.sampler().seed(), row.id()),
                    row.grammar() == null ? null : new GrammarConstraint(row.grammar(), model.tokenizer()));
        } catch (IllegalArgumentException e) {
            throw new BadRow(row.id(), e.getMessage());
        }
    }
}
