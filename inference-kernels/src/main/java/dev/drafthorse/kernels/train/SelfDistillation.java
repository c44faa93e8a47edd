package dev.drafthorse.kernels.train;

import dev.drafthorse.kernels.batch.BatchEngine;
import dev.drafthorse.kernels.batch.BatchOptions;
import dev.drafthorse.kernels.batch.BatchResult;
import dev.drafthorse.kernels.batch.Request;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.Step;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The training set, made by the target itself: it continues each prompt with its own sampler, then one
 * causal pass over the whole sequence (every position's logits requested) yields the final hidden state
 * of every position. The heads learn to predict, from those states, the tokens the model went on to
 * produce. No external data.
 *
 * <p>Each (prompt, sample) draws from its own random stream, {@code Rng.forRow(seed, "p/s")}, so a shard
 * of prompts gives the same sequences on any worker (the future MapReduce job's mappers call
 * {@link #sequence} per prompt).
 */
public final class SelfDistillation {
    private SelfDistillation() {}

    /**
     * The hidden states of a prompt and the continuation the model generated for it.
     *
     * @param prompt prompt ids (BOS included), at least one
     * @param generated the generated ids
     * @return the prompt and its continuation with their hidden states, trained from the prompt's last
     *     position on (or null when nothing was generated)
     */
    public static TrainingSequence sequence(Model model, int[] prompt, int[] generated) {
        int[] tokens = new int[prompt.length + generated.length];
        System.arraycopy(prompt, 0, tokens, 0, prompt.length);
        System.arraycopy(generated, 0, tokens, prompt.length, generated.length);
        float[][] hidden = new float[1][];
        var cache = model.newCache(KvType.F32, tokens.length);
        model.forward(List.of(Step.causal(cache, tokens, Step.Logits.ALL)), hidden);
        return new TrainingSequence(tokens, hidden[0], prompt.length - 1);
    }

    /**
     * Generates {@code samples} continuations of every prompt (batched through the engine) and returns
     * their sequences in (prompt, sample) order; sequences with fewer than 2 generated tokens are dropped.
     *
     * @param progress receives the number of sequences done so far
     */
    public static List<TrainingSequence> generate(
            Model model,
            List<int[]> prompts,
            int samples,
            int newTokens,
            SamplerOptions sampler,
            long seed,
            int batchSize,
            IntConsumer progress) {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        }
        if (newTokens < 2) {
            throw new IllegalArgumentException("tokens must be >= 2, got " + newTokens);
        }
        List<Request> requests = new ArrayList<>();
        List<int[]> promptOf = new ArrayList<>();
        GenerationOptions go = GenerationOptions.greedy(newTokens).withSampler(sampler);
        for (int p = 0; p < prompts.size(); p++) {
            for (int s = 0; s < samples; s++) {
                String id = p + "/" + s;
                requests.add(new Request(id, prompts.get(p), go, Rng.forRow(seed, id)));
                promptOf.add(prompts.get(p));
            }
        }
        List<TrainingSequence> out = new ArrayList<>();
        for (int r0 = 0; r0 < requests.size(); r0 += batchSize) {
            List<Request> chunk = requests.subList(r0, Math.min(requests.size(), r0 + batchSize));
            List<BatchResult> results =
                    new BatchEngine(model, null).run(chunk, BatchOptions.of(batchSize), new BatchEngine.Listener() {});
            java.util.Map<String, BatchResult> byId = new java.util.HashMap<>();
            results.forEach(r -> byId.put(r.id(), r));
            for (int i = 0; i < chunk.size(); i++) {
                int[] gen = byId.get(chunk.get(i).id()).tokens();
                if (gen.length >= 2) {
                    out.add(sequence(model, promptOf.get(r0 + i), gen));
                }
            }
            progress.accept(Math.min(requests.size(), r0 + batchSize));
        }
        return out;
    }
}
