package dev.drafthorse.kernels.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.heads.HeadsFile;
import dev.drafthorse.kernels.heads.MedusaHeads;
import dev.drafthorse.kernels.heads.MtpModules;
import dev.drafthorse.kernels.heads.RandomHeads;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.RandomModel;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.speculative.CandidateSource;
import dev.drafthorse.kernels.speculative.ChainVerifier;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.speculative.TreeSpec;
import dev.drafthorse.kernels.speculative.TypicalAcceptance;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Medusa and MTP speculation against the independent oracle of {@link BatchEngineTest#plainGreedy} (one token
 * per pass on {@link Model#forwardLast}): greedy output is identical, alone and batched, with random heads
 * (acceptance about 0) and with an oracle proposer that puts the true continuation at varying ranks (deep
 * acceptance, compaction, a path cut by max-tokens or end of generation).
 */
class HeadsSpeculationTest {
    @TempDir
    static Path dir;

    static Parallel par;
    static Model stories;
    static MedusaHeads medusa4;
    static MedusaHeads medusaOwn;
    static MtpModules mtp3;

    @BeforeAll
    static void load() throws IOException {
        par = new Parallel(2);
        stories = Model.load(SharedFiles.model("stories260K.gguf"), par);
        RandomHeads.write(stories, HeadsFile.Kind.MEDUSA, 4, GgmlType.F32, false, 1, dir.resolve("m4.gguf"));
        RandomHeads.write(stories, HeadsFile.Kind.MEDUSA, 3, GgmlType.F16, true, 2, dir.resolve("m3own.gguf"));
        RandomHeads.write(stories, HeadsFile.Kind.MTP, 3, GgmlType.F32, false, 3, dir.resolve("t3.gguf"));
        medusa4 = HeadsFile.loadMedusa(dir.resolve("m4.gguf"), stories);
        medusaOwn = HeadsFile.loadMedusa(dir.resolve("m3own.gguf"), stories);
        mtp3 = HeadsFile.loadMtp(dir.resolve("t3.gguf"), stories);
    }

    @AfterAll
    static void close() {
        par.close();
    }

    private static List<BatchResult> run(BatchEngine engine, List<int[]> prompts, int n, BatchOptions o) {
        List<Request> reqs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            reqs.add(new Request("r" + i, prompts.get(i), GenerationOptions.greedy(n), new Rng(i)));
        }
        return engine.run(reqs, o, new BatchEngine.Listener() {});
    }

    private static SequenceStats assertExact(
            BatchEngine engine, List<int[]> prompts, int n, BatchOptions o, String what) {
        return assertExact(stories, engine, prompts, n, o, what);
    }

    private static SequenceStats assertExact(
            Model m, BatchEngine engine, List<int[]> prompts, int n, BatchOptions o, String what) {
        List<BatchResult> got = run(engine, prompts, n, o);
        int proposed = 0;
        int accepted = 0;
        int passes = 0;
        int generated = 0;
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(
                    BatchEngineTest.plainGreedy(m, prompts.get(i), n),
                    got.get(i).tokens(),
                    what + ", prompt " + i);
            SequenceStats s = got.get(i).stats();
            proposed += s.draftProposed();
            accepted += s.draftAccepted();
            passes += s.targetPasses();
            generated += s.generatedTokens();
        }
        return new SequenceStats(0, generated, proposed, accepted, passes, 0, 0);
    }

    @Test
    void medusaGreedyIsExactWithRandomHeadsAloneAndBatched() {
        List<int[]> ps = BatchEngineTest.prompts(stories, 6, 1);
        List<int[]> three = ps.subList(1, 4);
        BatchEngine e4 = new BatchEngine(stories, null, medusa4);
        BatchEngine eOwn = new BatchEngine(stories, null, medusaOwn);
        Speculation deflt = Speculation.medusa(TreeSpec.mcSim7b63(), TypicalAcceptance.DEFAULT);
        Speculation small = Speculation.medusa(TreeSpec.parse("3,2,1"), TypicalAcceptance.DEFAULT);
        for (int n : new int[] {1, 9, 70}) {
            SequenceStats s =
                    assertExact(e4, ps, n, BatchOptions.of(1).withSpeculation(deflt), "medusa 63 nodes, n=" + n);
            if (n > 1) {
                assertTrue(s.draftProposed() > 0, "trees were verified");
                assertTrue(s.targetPasses() < s.generatedTokens() + ps.size(), "one target pass per step");
            }
            assertExact(e4, three, n, new BatchOptions(3, Long.MAX_VALUE, 4, deflt), "medusa batch 3, n=" + n);
            assertExact(
                    eOwn,
                    three,
                    n,
                    new BatchOptions(3, Long.MAX_VALUE, 64, small),
                    "own outputs, tree 3,2,1, batch 3, n=" + n);
        }
    }

    /**
     * The heads committed in {@code docs/train-heads} (made by {@code train-heads}): greedy stays exact alone and batched,
     * and trained heads get more than one token per target pass, where random ones stay near one.
     */
    @Test
    void trainedHeadsFromTheRepositoryAreExactAndAccept() throws IOException {
        Path docs = Path.of("..", "docs", "train-heads").toAbsolutePath().normalize();
        var medusa = HeadsFile.loadMedusa(docs.resolve("stories260K-medusa4-f16.gguf"), stories);
        var mtp = HeadsFile.loadMtp(docs.resolve("stories260K-mtp2-f16.gguf"), stories);
        List<int[]> ps = new ArrayList<>();
        for (String p : List.of(
                "Once upon a time", "Tom had a red ball", "The little girl went to the park", "Lily and her mom")) {
            ps.add(stories.tokenizer().encode(p, true, false));
        }
        int n = 60;
        SequenceStats m = assertExact(
                new BatchEngine(stories, null, medusa),
                ps,
                n,
                BatchOptions.of(1)
                        .withSpeculation(Speculation.medusa(TreeSpec.parse("1,1,1,1"), TypicalAcceptance.DEFAULT)),
                "trained medusa chain");
        assertExact(
                new BatchEngine(stories, null, medusa),
                ps,
                n,
                new BatchOptions(
                        4, Long.MAX_VALUE, 16, Speculation.medusa(TreeSpec.parse("3,2,1"), TypicalAcceptance.DEFAULT)),
                "trained medusa tree 3,2,1, batch 4");
        SequenceStats t = assertExact(
                new BatchEngine(stories, null, mtp),
                ps,
                n,
                new BatchOptions(4, Long.MAX_VALUE, 16, Speculation.mtp(2)),
                "trained mtp, batch 4");
        double medusaLength = (m.draftAccepted() + m.targetPasses()) / (double) m.targetPasses();
        double mtpLength = (t.draftAccepted() + t.targetPasses()) / (double) t.targetPasses();
        assertTrue(medusaLength > 1.3, "trained Medusa heads accept: mean accepted length " + medusaLength);
        assertTrue(mtpLength > 1.3, "trained MTP modules accept: mean accepted length " + mtpLength);
    }

    /** Head k's true token is the plain greedy token at position total + k (or the end of generation after it). */
    private static CandidateSource oracle(Model m, List<int[]> prompts, int n, boolean sometimesMissing) {
        Map<Integer, int[]> expected = new HashMap<>();
        for (int i = 0; i < prompts.size(); i++) {
            expected.put(i, BatchEngineTest.plainGreedy(m, prompts.get(i), n + 8));
        }
        int vocab = m.config().vocab();
        int eos = m.tokenizer().eos();
        return (sequences, hidden, ranks) -> {
            int[][][] all = new int[sequences.size()][][];
            for (int s = 0; s < all.length; s++) {
                all[s] = oracleTop(expected, prompts, vocab, eos, sometimesMissing, sequences.get(s), ranks);
            }
            return all;
        };
    }

    private static int[][] oracleTop(
            Map<Integer, int[]> expected,
            List<int[]> prompts,
            int vocab,
            int eos,
            boolean sometimesMissing,
            CandidateSource.Context sequence,
            int[] ranks) {
        int index = sequence.index();
        int total = sequence.total();
        int[] want = expected.get(index);
        int p = prompts.get(index).length;
        int[][] top = new int[ranks.length][];
        for (int k = 0; k < ranks.length; k++) {
            int g = total + k - p; // index into the generated tokens
            int truth = g < want.length ? want[g] : eos;
            top[k] = new int[ranks[k]];
            int at = (index + total + k) % ranks[k];
            boolean missing = sometimesMissing && (total * 7 + k) % 5 == 0;
            int filler = 3;
            for (int r = 0; r < ranks[k]; r++) {
                if (r == at && !missing) {
                    top[k][r] = truth;
                } else {
                    while (filler == truth) {
                        filler++;
                    }
                    top[k][r] = filler++ % vocab;
                }
            }
        }
        return top;
    }

    @Test
    void medusaAcceptsDeepPathsFromAnOracleProposerAndStaysExact() {
        List<int[]> ps = BatchEngineTest.prompts(stories, 5, 2);
        for (String tree : new String[] {"mc_sim_7b_63", "3,2,1", "1,1,1,1"}) {
            Speculation spec = Speculation.medusa(TreeSpec.parse(tree), TypicalAcceptance.DEFAULT);
            for (int n : new int[] {2, 9, 60}) {
                for (boolean missing : new boolean[] {false, true}) {
                    BatchEngine e = new BatchEngine(
                            stories, null, medusa4, oracle(stories, ps, n, missing), ChainVerifier.EXACT);
                    SequenceStats s = assertExact(
                            e,
                            ps,
                            n,
                            new BatchOptions(3, Long.MAX_VALUE, 5, spec),
                            "oracle candidates, tree " + tree + ", n=" + n + ", missing=" + missing);
                    if (n == 60) {
                        double perPass = (double) s.generatedTokens() / s.targetPasses();
                        // The sparse default tree holds only some rank combinations; the full ones hold every one.
                        double floor = missing ? 1.5 : tree.equals("mc_sim_7b_63") ? 2 : 3.5;
                        assertTrue(
                                perPass > floor, tree + ", missing=" + missing + ": " + perPass + " tokens per pass");
                    }
                }
            }
        }
    }

    @Test
    void medusaEndOfGenerationInsideAnAcceptedPathStopsExactlyThere() throws IOException {
        // A random model's greedy output from these prompts ends (end of generation) before 120 tokens: the
        // oracle's candidates run into it, so the end arrives inside an accepted path.
        new RandomModel("llama", 64, 2, 4, 2, 128, 300, 256, GgmlType.F32, false, 11).write(dir.resolve("r.gguf"));
        Model random = Model.load(dir.resolve("r.gguf"), par);
        RandomHeads.write(random, HeadsFile.Kind.MEDUSA, 4, GgmlType.F32, false, 1, dir.resolve("rm.gguf"));
        MedusaHeads heads = HeadsFile.loadMedusa(dir.resolve("rm.gguf"), random);
        List<int[]> withEos = new ArrayList<>();
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < 400 && withEos.size() < 4; i++) {
            int[] p = {1, 3 + r.nextInt(297), 3 + r.nextInt(297)};
            if (BatchEngineTest.plainGreedy(random, p, 120).length < 120) {
                withEos.add(p);
            }
        }
        assertEquals(4, withEos.size(), "prompts whose greedy output reaches the end of generation");
        for (String tree : new String[] {"2,2,2,2", "1,1,1,1"}) {
            BatchEngine e =
                    new BatchEngine(random, null, heads, oracle(random, withEos, 120, false), ChainVerifier.EXACT);
            SequenceStats s = assertExact(
                    random,
                    e,
                    withEos,
                    120,
                    new BatchOptions(
                            2, Long.MAX_VALUE, 16, Speculation.medusa(TreeSpec.parse(tree), TypicalAcceptance.DEFAULT)),
                    "EOS inside tree " + tree);
            assertTrue(s.draftAccepted() > s.generatedTokens() / 2, "paths were accepted");
        }
    }

    @Test
    void mtpGreedyIsExactWithRandomModulesAloneAndBatched() {
        List<int[]> ps = BatchEngineTest.prompts(stories, 6, 3);
        List<int[]> three = ps.subList(2, 5);
        BatchEngine e = new BatchEngine(stories, null, mtp3);
        for (int n : new int[] {1, 9, 70}) {
            for (int d = 1; d <= 3; d++) {
                SequenceStats s = assertExact(
                        e, ps, n, BatchOptions.of(1).withSpeculation(Speculation.mtp(d)), "mtp " + d + ", n=" + n);
                if (n > 1) {
                    assertTrue(s.draftProposed() > 0, "chains were verified");
                }
                assertExact(
                        e,
                        three,
                        n,
                        new BatchOptions(3, Long.MAX_VALUE, 3, Speculation.mtp(d)),
                        "mtp " + d + " batch 3, n=" + n);
            }
        }
    }

    @Test
    void sampledMedusaAndMtpAreReproducibleAndTypicalIsUnusedUnderGreedy() {
        List<int[]> ps = BatchEngineTest.prompts(stories, 3, 4);
        SamplerOptions so = new SamplerOptions(0.8f, 40, 0.95f, 0f, 7);
        for (var pair : List.of(
                List.of(
                        new BatchEngine(stories, null, medusa4),
                        Speculation.medusa(TreeSpec.mcSim7b63(), new TypicalAcceptance(0.2, 0.5))),
                List.of(new BatchEngine(stories, null, mtp3), Speculation.mtp(3)))) {
            BatchEngine e = (BatchEngine) pair.get(0);
            Speculation spec = (Speculation) pair.get(1);
            List<int[]> a = sample(e, ps, so, spec);
            List<int[]> b = sample(e, ps, so, spec);
            for (int i = 0; i < ps.size(); i++) {
                assertArrayEquals(a.get(i), b.get(i), spec.mode() + ": same seed, same tokens");
                assertTrue(a.get(i).length <= 30, "max-tokens holds");
            }
        }
    }

    private static List<int[]> sample(BatchEngine e, List<int[]> ps, SamplerOptions so, Speculation spec) {
        List<Request> reqs = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            reqs.add(new Request(
                    "r" + i, ps.get(i), GenerationOptions.greedy(30).withSampler(so), Rng.forRow(so.seed(), "r" + i)));
        }
        return e.run(reqs, new BatchOptions(2, Long.MAX_VALUE, 8, spec), new BatchEngine.Listener() {}).stream()
                .map(BatchResult::tokens)
                .toList();
    }

    @Test
    void sampledMtpPreservesTheTargetDistribution() {
        // MTP drafts are drawn from the modules' distributions and verified by speculative sampling, so the
        // second generated token (the first one a draft can decide) follows the target's exact distribution.
        SamplerOptions so = new SamplerOptions(1.0f, 12, 1f, 0f, 0);
        int[] prompt = stories.tokenizer().encode("Once upon a time, there was a little", true, false);
        double[] exact = BatchEngineTest.secondTokenDistribution(stories, prompt, so);
        int n = 3000;
        int[] dof = new int[1];
        BatchEngine engine = new BatchEngine(stories, null, mtp3);
        int[] counts = BatchEngineTest.sampleSecondTokens(engine, prompt, so, Speculation.mtp(2), n);
        double chi2 = BatchEngineTest.chiSquare(counts, exact, n, dof);
        assertTrue(
                engine.stats().drafted > 0 && engine.stats().accepted > 0,
                "MTP drafts were accepted: " + engine.stats().accepted);
        assertTrue(
                chi2 < BatchEngineTest.chi2Quantile999(dof[0]),
                "MTP speculation: chi2 " + chi2 + " with " + dof[0] + " dof");
    }

    @Test
    void mismatchedHeadsAndTreesAreRefusedByName() throws IOException {
        List<int[]> ps = BatchEngineTest.prompts(stories, 1, 5);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> run(
                        new BatchEngine(stories, null, medusaOwn),
                        ps,
                        5,
                        BatchOptions.of(1)
                                .withSpeculation(Speculation.medusa(TreeSpec.mcSim7b63(), TypicalAcceptance.DEFAULT))));
        assertTrue(e.getMessage().contains("4 deep") && e.getMessage().contains("3 heads"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> run(
                        new BatchEngine(stories, null, medusa4),
                        ps,
                        5,
                        BatchOptions.of(1).withSpeculation(Speculation.mtp(2))));
        assertTrue(e.getMessage().contains("--mtp"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> run(
                        new BatchEngine(stories, null, mtp3),
                        ps,
                        5,
                        BatchOptions.of(1).withSpeculation(Speculation.mtp(4))));
        assertTrue(e.getMessage().contains("draft-max 4") && e.getMessage().contains("3 MTP modules"), e.getMessage());
        Model other = Model.load(SharedFiles.model("stories260K.gguf"), par);
        e = assertThrows(IllegalArgumentException.class, () -> new BatchEngine(other, null, mtp3));
        assertTrue(e.getMessage().contains("not for the target"), e.getMessage());
    }
}
