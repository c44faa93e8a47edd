package dev.drafthorse.kernels.generate;

import dev.drafthorse.kernels.batch.BatchEngine;
import dev.drafthorse.kernels.batch.BatchOptions;
import dev.drafthorse.kernels.batch.BatchResult;
import dev.drafthorse.kernels.batch.Request;
import dev.drafthorse.kernels.batch.SequenceStats;
import dev.drafthorse.kernels.heads.Heads;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.TokenConstraint;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.util.List;
import java.util.function.Consumer;

/**
 * Generation for one prompt: prefill in chunks (each chunk one multi-position pass through the
 * matrix-matrix kernels), then decode — plainly, or speculatively with a draft model or n-gram lookup —
 * until an end-of-generation token, a stop string, max-new-tokens or the context window. It is the
 * {@link BatchEngine} with one sequence, so one loop serves the CLI, the jobs and the Hive functions.
 */
public final class Generator {
    private final Model model;
    private final Model draft;
    private final Speculation speculation;
    private final Heads heads;

    public Generator(Model model) {
        this(model, null, Speculation.NONE);
    }

    /**
     * @param draft a draft model for {@link Speculation.Mode#DRAFT_MODEL}, else null
     */
    public Generator(Model model, Model draft, Speculation speculation) {
        this(model, draft, speculation, null);
    }

    /**
     * @param draft a draft model for {@link Speculation.Mode#DRAFT_MODEL}, else null
     * @param heads Medusa heads or MTP modules for {@link Speculation.Mode#MEDUSA} / {@link Speculation.Mode#MTP}, else null
     */
    public Generator(Model model, Model draft, Speculation speculation, Heads heads) {
        this.model = model;
        this.draft = draft;
        this.speculation = speculation;
        this.heads = heads;
        new BatchEngine(model, draft, heads); // refuses a mismatched draft or heads now rather than later
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
        return generate(promptTokens(prompt), options, rng, piece -> {});
    }

    /**
     * @param prompt prompt token ids (at least one)
     * @param onText receives the text as it is completed (for streaming output)
     */
    public GenerationResult generate(int[] prompt, GenerationOptions options, Rng rng, Consumer<String> onText) {
        return generate(prompt, options, rng, onText, null);
    }

    /**
     * @param prompt prompt token ids (at least one)
     * @param onText receives the text as it is completed (for streaming output)
     * @param constraint what the generated text must follow (a grammar), or null
     */
    public GenerationResult generate(
            int[] prompt, GenerationOptions options, Rng rng, Consumer<String> onText, TokenConstraint constraint) {
        BatchEngine engine = new BatchEngine(model, draft, heads);
        BatchOptions batch = new BatchOptions(1, Long.MAX_VALUE, options.prefillChunk(), speculation);
        BatchResult r = engine.run(
                        List.of(new Request("0", prompt, options, rng, constraint)), batch, new BatchEngine.Listener() {
                            @Override
                            public void text(int index, String piece) {
                                if (!piece.isEmpty()) {
                                    onText.accept(piece);
                                }
                            }
                        })
                .get(0);
        SequenceStats s = r.stats();
        return new GenerationResult(
                r.text(),
                r.tokens(),
                r.finish(),
                s.promptTokens(),
                s.prefillNanos(),
                s.decodeNanos(),
                s.draftProposed(),
                s.draftAccepted(),
                s.targetPasses());
    }
}
