package dev.drafthorse.jobs.infer;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.batch.BatchEngine;
import dev.drafthorse.kernels.batch.BatchOptions;
import dev.drafthorse.kernels.batch.BatchResult;
import dev.drafthorse.kernels.batch.Request;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the engine gives when called directly, one row at a time (batch 1, one thread): the oracle the job's
 * outputs are checked against. It uses the kernels' API only, none of the job's code.
 */
final class Reference {
    private static final Map<Path, Model> MODELS = new LinkedHashMap<>();

    private Reference() {}

    static Path model() {
        return SharedFiles.model("stories260K.gguf");
    }

    static synchronized Model load(Path p) {
        return MODELS.computeIfAbsent(p, k -> {
            try {
                return Model.load(k, new Parallel(1));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A generated row as the job must write it. */
    record Generated(String text, int tokens, String finish, int promptTokens) {}

    static synchronized Generated generate(String id, String prompt, int maxNew, SamplerOptions sampler) {
        Model m = load(model());
        int[] ids = m.tokenizer().encode(prompt, m.tokenizer().addBosDefault(), true);
        GenerationOptions go = new GenerationOptions(
                maxNew, sampler, List.of(), KvType.F32, 128, m.config().contextLength());
        List<BatchResult> r = new BatchEngine(m, null)
                .run(
                        List.of(new Request(id, ids, go, Rng.forRow(sampler.seed(), id))),
                        BatchOptions.of(1),
                        new BatchEngine.Listener() {});
        BatchResult b = r.get(0);
        return new Generated(b.text(), b.tokens().length, b.finish().label(), ids.length);
    }

    /** A row generated from prompt ids given directly (chat renders tokenized by the test itself). */
    static synchronized Generated generate(Path model, String id, int[] ids, int maxNew, SamplerOptions sampler) {
        Model m = load(model);
        GenerationOptions go = new GenerationOptions(
                maxNew, sampler, List.of(), KvType.F32, 128, m.config().contextLength());
        List<BatchResult> r = new BatchEngine(m, null)
                .run(
                        List.of(new Request(id, ids, go, Rng.forRow(sampler.seed(), id))),
                        BatchOptions.of(1),
                        new BatchEngine.Listener() {});
        BatchResult b = r.get(0);
        return new Generated(b.text(), b.tokens().length, b.finish().label(), ids.length);
    }

    static synchronized List<Scorer.Score> score(String prompt, List<String> candidates) {
        return new Scorer(load(model())).score(prompt, new ArrayList<>(candidates));
    }

    static int promptTokens(String prompt) {
        Model m = load(model());
        return m.tokenizer().encode(prompt, m.tokenizer().addBosDefault(), true).length;
    }
}
