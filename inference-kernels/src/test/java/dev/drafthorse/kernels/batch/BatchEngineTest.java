package dev.drafthorse.kernels.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.RandomModel;
import dev.drafthorse.kernels.options.FinishReason;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.Sampler;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.speculative.ChainAcceptance;
import dev.drafthorse.kernels.speculative.ChainVerifier;
import dev.drafthorse.kernels.speculative.Speculation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batched and speculative decoding against an independent oracle: plain greedy decoding written
 * directly on {@link Model#forwardLast}, one token per pass.
 */
class BatchEngineTest {
    @TempDir
    static Path dir;

    static dev.drafthorse.kernels.tensor.Parallel par;
    static Model stories;
    static Model draft1m;
    static Model random;
    static Model randomQ4;

    @BeforeAll
    static void load() throws IOException {
        par = new dev.drafthorse.kernels.tensor.Parallel(2);
        stories = Model.load(SharedFiles.model("stories260K.gguf"), par);
        draft1m = Model.load(SharedFiles.model("tinystories-1m.gguf"), par);
        RandomModel spec = new RandomModel("llama", 64, 2, 4, 2, 128, 300, 256, GgmlType.F32, false, 11);
        spec.write(dir.resolve("r.gguf"));
        spec.withType(GgmlType.Q4_0).write(dir.resolve("r-q4.gguf"));
        random = Model.load(dir.resolve("r.gguf"), par);
        randomQ4 = Model.load(dir.resolve("r-q4.gguf"), par);
    }

    @AfterAll
    static void close() {
        par.close();
    }

    /** The oracle: one token per pass, argmax, stop at end of generation. */
    static int[] plainGreedy(Model m, int[] prompt, int n) {
        KvCache cache = m.newCache(KvType.F32, prompt.length + n + 1);
        float[] logits = m.forwardLast(cache, prompt);
        List<Integer> out = new ArrayList<>();
        while (out.size() < n) {
            int t = Sampler.argmax(logits, 0, m.config().vocab());
            if (m.tokenizer().isEndOfGeneration(t)) {
                break;
            }
            out.add(t);
            if (out.size() == n) {
                break;
            }
            logits = m.forwardLast(cache, new int[] {t});
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<int[]> prompts(Model m, int count, long seed) {
        Random r = new Random(seed);
        String[] texts = {
            "",
            "Tom had a red ball",
            "The sun was hot and the cat",
            "Lily and Ben went to the park. Lily and Ben",
            "Once upon a time",
            "She said, \"I want to play.\" She said",
            "The dog ran and ran and ran",
            "A"
        };
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String t = texts[i % texts.length];
            if (i >= texts.length) {
                t = t + " " + texts[r.nextInt(texts.length)];
            }
            int[] ids = m.tokenizer().encode(t, true, false);
            out.add(ids.length == 0 ? new int[] {1} : ids);
        }
        return out;
    }

    static List<BatchResult> run(Model target, Model draft, List<int[]> prompts, int n, BatchOptions options) {
        List<Request> reqs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            reqs.add(new Request("r" + i, prompts.get(i), GenerationOptions.greedy(n), new Rng(i)));
        }
        return new BatchEngine(target, draft).run(reqs, options, new BatchEngine.Listener() {});
    }

    private static void assertExact(
            Model target, Model draft, List<int[]> prompts, int n, BatchOptions options, String what) {
        List<BatchResult> got = run(target, draft, prompts, n, options);
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(plainGreedy(target, prompts.get(i), n), got.get(i).tokens(), what + ", prompt " + i);
            assertEquals("r" + i, got.get(i).id());
        }
    }

    @Test
    void greedyIsExactForEveryMethodOnATrainedModel() {
        List<int[]> ps = prompts(stories, 10, 1);
        for (int n : new int[] {1, 9, 70}) {
            assertExact(stories, null, ps, n, BatchOptions.of(1), "plain batch 1, n=" + n);
            assertExact(
                    stories,
                    null,
                    ps,
                    n,
                    new BatchOptions(4, Long.MAX_VALUE, 3, Speculation.NONE),
                    "batch 4, chunk 3, n=" + n);
            assertExact(
                    stories, draft1m, ps, n, BatchOptions.of(1).withSpeculation(Speculation.draft(5)), "draft, n=" + n);
            assertExact(
                    stories,
                    null,
                    ps,
                    n,
                    BatchOptions.of(1).withSpeculation(Speculation.lookup(6, 3)),
                    "lookup, n=" + n);
            assertExact(
                    stories,
                    draft1m,
                    ps,
                    n,
                    new BatchOptions(6, Long.MAX_VALUE, 4, Speculation.draft(4)),
                    "batch 6 + draft, n=" + n);
            assertExact(
                    stories,
                    null,
                    ps,
                    n,
                    new BatchOptions(16, Long.MAX_VALUE, 64, Speculation.lookup(8, 2)),
                    "batch 16 + lookup, n=" + n);
        }
    }

    @Test
    void greedyIsExactOnRandomModelsWithAQuantizedDraft() {
        List<int[]> ps = new ArrayList<>();
        Random r = new Random(3);
        for (int i = 0; i < 12; i++) {
            int[] p = new int[1 + r.nextInt(20)];
            p[0] = 1;
            for (int j = 1; j < p.length; j++) {
                p[j] = 3 + r.nextInt(297);
            }
            ps.add(p);
        }
        assertExact(
                random,
                randomQ4,
                ps,
                50,
                BatchOptions.of(1).withSpeculation(Speculation.draft(6)),
                "random + Q4_0 draft");
        assertExact(
                random,
                randomQ4,
                ps,
                50,
                new BatchOptions(5, Long.MAX_VALUE, 7, Speculation.draft(3)),
                "batched + Q4_0 draft");
        assertExact(
                random,
                null,
                ps,
                50,
                new BatchOptions(3, Long.MAX_VALUE, 2, Speculation.lookup(4, 2)),
                "batched lookup");
    }

    @Test
    void endOfGenerationInsideADraftedRunStopsExactlyThere() {
        // A model drafting for itself accepts everything, so an EOS arrives inside a drafted run.
        List<int[]> withEos = new ArrayList<>();
        Random r = new Random(5);
        for (int i = 0; i < 400 && withEos.size() < 4; i++) {
            int[] p = {1, 3 + r.nextInt(297), 3 + r.nextInt(297)};
            int[] plain = plainGreedy(random, p, 120);
            if (plain.length < 120) {
                withEos.add(p);
            }
        }
        assertTrue(!withEos.isEmpty(), "some prompt should reach EOS");
        List<BatchResult> got =
                run(random, random, withEos, 120, new BatchOptions(3, Long.MAX_VALUE, 8, Speculation.draft(8)));
        int accepted = 0;
        for (int i = 0; i < withEos.size(); i++) {
            assertArrayEquals(
                    plainGreedy(random, withEos.get(i), 120), got.get(i).tokens(), "prompt " + i);
            assertEquals(FinishReason.EOS, got.get(i).finish());
            accepted += got.get(i).stats().draftAccepted();
        }
        assertTrue(accepted > 0, "drafted runs must have been accepted");
        assertExact(
                random,
                randomQ4,
                withEos,
                120,
                new BatchOptions(2, Long.MAX_VALUE, 8, Speculation.draft(8)),
                "EOS, Q4 draft");
    }

    @Test
    void continuousBatchingKeepsInputOrderAndTheMemoryBound() {
        List<int[]> ps = prompts(stories, 20, 2);
        int n = 30;
        long bound = 3L * (40 + n); // room for about three sequences
        List<Request> reqs = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            reqs.add(new Request("id" + i, ps.get(i), GenerationOptions.greedy(n + i % 7), new Rng(i)));
        }
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();
        long[] reserved = {0, 0};
        List<Integer> finishOrder = new ArrayList<>();
        List<BatchResult> got = new BatchEngine(stories, null)
                .run(reqs, new BatchOptions(8, bound, 5, Speculation.NONE), new BatchEngine.Listener() {
                    @Override
                    public void admitted(int index, long positions) {
                        maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                        reserved[0] += positions;
                        reserved[1] = Math.max(reserved[1], reserved[0]);
                    }

                    @Override
                    public void finished(int index, BatchResult r) {
                        active.decrementAndGet();
                        reserved[0] -= r.stats().promptTokens()
                                + reqs.get(index).options().maxNewTokens();
                        finishOrder.add(index);
                    }
                });
        assertTrue(maxActive.get() >= 2 && maxActive.get() <= 8, "active " + maxActive);
        assertTrue(reserved[1] <= bound, "reserved " + reserved[1] + " > " + bound);
        assertTrue(!finishOrder.equals(
                        new ArrayList<>(finishOrder.stream().sorted().toList()))
                || maxActive.get() > 1);
        for (int i = 0; i < ps.size(); i++) {
            assertEquals("id" + i, got.get(i).id());
            assertArrayEquals(
                    plainGreedy(stories, ps.get(i), n + i % 7), got.get(i).tokens(), "prompt " + i);
        }
    }

    @Test
    void aDraftWithAnotherVocabularyIsRefused() throws IOException {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new BatchEngine(stories, random));
        assertTrue(e.getMessage().contains("vocabulary"), e.getMessage());
    }

    // ------------------------------------------------------------------ distribution

    /** Exact distribution of the second generated token: Σ over t1 of p(t1) · p(t2 | t1). */
    static double[] secondTokenDistribution(Model m, int[] prompt, SamplerOptions so) {
        Sampler s = new Sampler(so);
        int v = m.config().vocab();
        KvCache c = m.newCache(KvType.F32, prompt.length + 2);
        float[] p1 = s.distribution(m.forwardLast(c, prompt), 0, v);
        double[] out = new double[v];
        for (int t1 = 0; t1 < v; t1++) {
            if (p1[t1] == 0f) {
                continue;
            }
            KvCache c2 = m.newCache(KvType.F32, prompt.length + 2);
            m.forwardLast(c2, prompt);
            float[] p2 = s.distribution(m.forwardLast(c2, new int[] {t1}), 0, v);
            for (int t = 0; t < v; t++) {
                out[t] += (double) p1[t1] * p2[t];
            }
        }
        return out;
    }

    static double chiSquare(int[] counts, double[] p, int n, int[] dof) {
        double chi2 = 0;
        double restExpected = 0;
        int restCount = 0;
        int cats = 0;
        for (int t = 0; t < p.length; t++) {
            double e = p[t] * n;
            if (e >= 5) {
                chi2 += (counts[t] - e) * (counts[t] - e) / e;
                cats++;
            } else {
                restExpected += e;
                restCount += counts[t];
            }
        }
        if (restExpected > 0) {
            chi2 += (restCount - restExpected) * (restCount - restExpected) / Math.max(restExpected, 1e-9);
            cats++;
        }
        dof[0] = cats - 1;
        return chi2;
    }

    /** The 99.9% quantile of χ² with k degrees of freedom (Wilson–Hilferty). */
    static double chi2Quantile999(int k) {
        double z = 3.0902;
        double a = 2.0 / (9.0 * k);
        return k * Math.pow(1 - a + z * Math.sqrt(a), 3);
    }

    static int[] sampleSecondTokens(BatchEngine engine, int[] prompt, SamplerOptions so, Speculation spec, int n) {
        List<Request> reqs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Three tokens: the first comes from the prompt's pass, the second from verifying a draft of one.
            reqs.add(new Request(
                    "s" + i,
                    prompt,
                    new GenerationOptions(3, so.withSeed(i), List.of(), KvType.F32, 64, 0),
                    Rng.forRow(17, "s" + i)));
        }
        int[] counts = new int[engine.target().config().vocab()];
        for (BatchResult r :
                engine.run(reqs, new BatchOptions(32, Long.MAX_VALUE, 64, spec), new BatchEngine.Listener() {})) {
            assertEquals(3, r.tokens().length);
            counts[r.tokens()[1]]++;
        }
        return counts;
    }

    @Test
    void sampledSpeculationPreservesTheTargetDistributionAndAWrongRuleIsCaught() {
        SamplerOptions so = new SamplerOptions(1.0f, 12, 1f, 0f, 0);
        int[] prompt = stories.tokenizer().encode("Once upon a time, there was a little", true, false);
        double[] exact = secondTokenDistribution(stories, prompt, so);
        int n = 3000;
        int[] dof = new int[1];

        BatchEngine engine = new BatchEngine(stories, draft1m);
        int[] counts =
                sampleSecondTokens(engine, prompt, so, Speculation.draft(3).fixed(), n);
        double chi2 = chiSquare(counts, exact, n, dof);
        assertTrue(engine.stats().drafted > 0 && engine.stats().accepted > 0, "speculation must have run");
        assertTrue(chi2 < chi2Quantile999(dof[0]), "draft speculation: chi2 " + chi2 + " with " + dof[0] + " dof");

        // A deliberately wrong rule: every drafted token accepted, then a bonus token from the last row.
        ChainVerifier acceptAll = (logits, v, drafts, k, q, sampler, rng) ->
                new ChainAcceptance.Outcome(k, sampler.sample(logits, k * v, v, rng));
        BatchEngine broken = new BatchEngine(stories, draft1m, null, null, acceptAll);
        int[] bad = sampleSecondTokens(broken, prompt, so, Speculation.draft(3).fixed(), n);
        double chi2Bad = chiSquare(bad, exact, n, dof);
        assertTrue(chi2Bad > chi2Quantile999(dof[0]), "accepting every draft must fail the test: chi2 " + chi2Bad);

        int[] lookupPrompt =
                stories.tokenizer().encode("the cat and the dog and the cat and the dog and the", true, false);
        double[] exactLookup = secondTokenDistribution(stories, lookupPrompt, so);
        BatchEngine lookup = new BatchEngine(stories, null);
        int[] lc = sampleSecondTokens(
                lookup, lookupPrompt, so, Speculation.lookup(3, 3).fixed(), n);
        double chi2Lookup = chiSquare(lc, exactLookup, n, dof);
        assertTrue(lookup.stats().drafted > 0, "lookup must have drafted");
        assertTrue(
                chi2Lookup < chi2Quantile999(dof[0]),
                "lookup speculation: chi2 " + chi2Lookup + " with " + dof[0] + " dof");
    }
}
