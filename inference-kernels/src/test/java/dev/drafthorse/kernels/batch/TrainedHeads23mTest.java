package dev.drafthorse.kernels.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.heads.HeadsFile;
import dev.drafthorse.kernels.heads.MedusaHeads;
import dev.drafthorse.kernels.heads.MtpModules;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.speculative.TypicalAcceptance;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The heads committed for the shared target tinystories-23m ({@code docs/train-heads/tinystories-23m-*.gguf}, made by
 * {@code train-heads}): they load for the F16 file they were trained on, and greedy generation with them, in the shapes
 * the CLI uses by default ({@link Speculation#defaultMedusaTree}, {@link Speculation#defaultMtpDepth}), is exactly the
 * independent oracle {@link BatchEngineTest#plainGreedy} (one token per {@link Model#forwardLast} pass), alone and
 * batched, while accepting more than one token per target pass.
 */
class TrainedHeads23mTest {
    static final Path DOCS =
            Path.of("..", "docs", "train-heads").toAbsolutePath().normalize();
    static final String MEDUSA = "tinystories-23m-medusa3-f16.gguf";
    static final String MTP = "tinystories-23m-mtp2-f16.gguf";

    static Parallel par;
    static Model target;

    @BeforeAll
    static void load() throws IOException {
        par = new Parallel(2);
        target = Model.load(SharedFiles.model("tinystories-23m-f16.gguf"), par);
    }

    @AfterAll
    static void close() {
        par.close();
    }

    private static List<int[]> prompts() {
        List<int[]> ps = new ArrayList<>();
        for (String p : List.of("Once upon a time", "Tom and his dog", "Lily found a shiny stone")) {
            ps.add(target.tokenizer().encode(p, true, false));
        }
        return ps;
    }

    /** Runs the prompts greedily, n tokens each, asserts plain greedy's tokens, returns the mean accepted length. */
    private static double assertExact(BatchEngine engine, BatchOptions o, int n, String what) {
        List<int[]> ps = prompts();
        List<Request> reqs = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            reqs.add(new Request("r" + i, ps.get(i), GenerationOptions.greedy(n), new Rng(i)));
        }
        List<BatchResult> got = engine.run(reqs, o, new BatchEngine.Listener() {});
        long accepted = 0;
        long passes = 0;
        for (int i = 0; i < ps.size(); i++) {
            assertArrayEquals(
                    BatchEngineTest.plainGreedy(target, ps.get(i), n),
                    got.get(i).tokens(),
                    what + ", prompt " + i);
            accepted += got.get(i).stats().draftAccepted();
            passes += got.get(i).stats().targetPasses();
        }
        return (accepted + passes) / (double) passes;
    }

    @Test
    void medusaHeadsLoadAndGreedyWithTheDefaultTreeIsPlainGreedy() throws IOException {
        MedusaHeads heads = HeadsFile.loadMedusa(DOCS.resolve(MEDUSA), target);
        assertEquals(3, heads.count(), "heads in " + MEDUSA);
        Speculation spec = Speculation.medusa(Speculation.defaultMedusaTree(heads.count()), TypicalAcceptance.DEFAULT);
        double alone = assertExact(
                new BatchEngine(target, null, heads), BatchOptions.of(1).withSpeculation(spec), 48, "medusa, alone");
        assertExact(
                new BatchEngine(target, null, heads),
                new BatchOptions(3, Long.MAX_VALUE, 16, spec),
                48,
                "medusa, batch 3");
        assertTrue(alone > 1.4, "trained Medusa heads accept: mean accepted length " + alone);
    }

    @Test
    void mtpModulesLoadAndGreedyWithTheDefaultDepthIsPlainGreedy() throws IOException {
        MtpModules modules = HeadsFile.loadMtp(DOCS.resolve(MTP), target);
        assertEquals(2, modules.count(), "modules in " + MTP);
        Speculation spec = Speculation.mtp(Speculation.defaultMtpDepth(modules.count()));
        double alone = assertExact(
                new BatchEngine(target, null, modules), BatchOptions.of(1).withSpeculation(spec), 48, "mtp, alone");
        assertExact(
                new BatchEngine(target, null, modules),
                new BatchOptions(3, Long.MAX_VALUE, 16, Speculation.mtp(modules.count())),
                48,
                "mtp, every module, batch 3");
        assertTrue(alone > 1.4, "trained MTP modules accept: mean accepted length " + alone);
    }
}
