package dev.drafthorse.kernels.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The prefix cache never changes a bit, and tree scoring equals scoring each candidate alone. */
class PrefixCacheTest {
    static Parallel par;
    static Model model;

    @BeforeAll
    static void load() throws IOException {
        par = new Parallel(2);
        model = Model.load(SharedFiles.model("stories260K.gguf"), par);
    }

    @AfterAll
    static void close() {
        par.close();
    }

    static final String TEMPLATE =
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
                    + " One day, she saw a big, red ball. Tell what happened next to";
    static final String[] ROWS = {
        " Tom.", " the dog.", " Lily and Ben.", " a cat named Max.", " the red ball.", " Sue.", " a bird.", " the sun."
    };

    static List<Request> requests(SamplerOptions so, int n) {
        List<Request> out = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String p = (i % 5 == 4 ? "A different start entirely, " : TEMPLATE) + ROWS[i % ROWS.length];
            int[] ids = model.tokenizer().encode(p, true, false);
            out.add(new Request(
                    "row" + i,
                    ids,
                    new GenerationOptions(n, so, List.of(), KvType.F32, 32, 0),
                    Rng.forRow(so.seed(), "row" + i)));
        }
        return out;
    }

    private static List<BatchResult> run(List<Request> reqs, BatchOptions o, PrefixCache cache) {
        return new BatchEngine(model, null).withPrefixCache(cache).run(reqs, o, new BatchEngine.Listener() {});
    }

    private static void assertSame(List<BatchResult> a, List<BatchResult> b, String what) {
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).id(), b.get(i).id());
            assertArrayEquals(a.get(i).tokens(), b.get(i).tokens(), what + ", row " + i);
        }
    }

    @Test
    void cacheOnAndOffGiveIdenticalOutputs() {
        for (SamplerOptions so :
                new SamplerOptions[] {SamplerOptions.GREEDY, new SamplerOptions(0.9f, 40, 0.95f, 0f, 5)}) {
            // Requests carry their row's random stream, so each run gets fresh ones. Sampled speculation draws
            // differently from plain sampling (same distribution, other tokens), so it is compared with itself.
            for (BatchOptions o : new BatchOptions[] {
                BatchOptions.of(1),
                BatchOptions.of(6),
                BatchOptions.of(6).withGroupPrefixes(true),
                new BatchOptions(4, Long.MAX_VALUE, 7, Speculation.lookup(4, 2))
            }) {
                List<BatchResult> off = run(requests(so, 25), o.speculation().enabled() ? o : BatchOptions.of(1), null);
                PrefixCache cache = new PrefixCache(model, KvType.F32, 64L << 20);
                assertSame(off, run(requests(so, 25), o, cache), "batch " + o.batchSize() + " " + so);
                assertTrue(cache.hits() > 0 && cache.tokensSaved() > 0, "hits " + cache.hits());
            }
        }
    }

    @Test
    void groupingSchedulesSharedPrefixesForHits() {
        List<Request> reqs = requests(SamplerOptions.GREEDY, 5);
        PrefixCache cache = new PrefixCache(model, KvType.F32, 64L << 20);
        run(reqs, BatchOptions.of(8).withGroupPrefixes(true), cache);
        // every prompt but the first of each shared start reuses the template's blocks
        assertTrue(cache.hits() >= reqs.size() - 6, "hits " + cache.hits() + " misses " + cache.misses());
    }

    @Test
    void evictionUnderASmallBoundKeepsOutputsIdentical() {
        List<Request> reqs = requests(SamplerOptions.GREEDY, 15);
        List<BatchResult> off = run(reqs, BatchOptions.of(3), null);
        PrefixCache small = new PrefixCache(model, KvType.F32, 3 * blockBytes());
        assertSame(off, run(reqs, BatchOptions.of(3), small), "small cache");
        assertTrue(small.evictions() > 0, "the bound must force evictions");
        assertTrue(small.bytes() <= 3 * blockBytes());
    }

    private static long blockBytes() {
        return model.newCache(KvType.F32, PrefixCache.BLOCK).bytes();
    }

    @Test
    void treeScoringEqualsScoringEachCandidateAlone() {
        Scorer s = new Scorer(model);
        String prompt = "Once upon a time, there was a little";
        List<String> cands = List.of(" girl", " dog named Max who liked to run", "bird", " boy. He", "x");
        List<Scorer.Score> tree = s.score(prompt, cands);
        List<Scorer.Score> alone = s.scoreSeparately(prompt, cands);
        for (int i = 0; i < cands.size(); i++) {
            assertArrayEquals(alone.get(i).tokens(), tree.get(i).tokens(), cands.get(i));
            assertEquals(
                    alone.get(i).logprob(),
                    tree.get(i).logprob(),
                    1e-4 * Math.max(1, Math.abs(alone.get(i).logprob())),
                    cands.get(i));
            for (int j = 0; j < alone.get(i).tokenLogprobs().length; j++) {
                assertEquals(
                        alone.get(i).tokenLogprobs()[j],
                        tree.get(i).tokenLogprobs()[j],
                        1e-4,
                        cands.get(i) + " token " + j);
            }
        }
    }
}
