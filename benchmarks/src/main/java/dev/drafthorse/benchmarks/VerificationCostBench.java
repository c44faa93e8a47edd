package dev.drafthorse.benchmarks;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.heads.HeadsFile;
import dev.drafthorse.kernels.heads.RandomHeads;
import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.Step;
import dev.drafthorse.kernels.speculative.CandidateTree;
import dev.drafthorse.kernels.speculative.TreeSpec;
import dev.drafthorse.kernels.tensor.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What a measured accepted length buys on a given model: the wall time of one decode pass (1 token), of
 * one tree-verification pass (the candidate tree's nodes in one multi-position pass with the tree mask
 * and depth positions), and of the Medusa heads' proposal (every head's logits and top-k for one hidden
 * row, random heads of the model's shape), all at the same prefix length, side by side in one run. The
 * implied speedup of speculative decoding with accepted length τ per pass is
 * τ / ((t_verify + t_heads) / t_decode).
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * dev.drafthorse.benchmarks.VerificationCostBench MODEL.gguf HEADS_K TREE PREFIX REPS THREADS TAU…}
 * (TREE a {@link TreeSpec#parse} spec, e.g. mc_sim_7b_63 or 1,1,1,1 for a chain).
 */
public final class VerificationCostBench {
    private VerificationCostBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: VerificationCostBench MODEL.gguf HEADS_K TREE PREFIX REPS THREADS [TAU ...]");
            System.exit(2);
        }
        Path modelPath = Path.of(args[0]);
        int k = Integer.parseInt(args[1]);
        TreeSpec spec = TreeSpec.parse(args[2]);
        int prefix = Integer.parseInt(args[3]);
        int reps = Integer.parseInt(args[4]);
        try (Parallel par = new Parallel(Integer.parseInt(args[5]))) {
            Model model = Model.load(modelPath, par);
            int v = model.config().vocab();
            KvCache cache = model.newCache(KvType.F32, prefix + 1100);
            int[] prompt = new int[prefix];
            for (int i = 0; i < prefix; i++) {
                prompt[i] = 3 + (i * 7919) % (v - 3);
            }
            float[][] hidden = new float[1][];
            model.forward(List.of(Step.causal(cache, prompt, Step.Logits.LAST)), hidden);

            // A tree of the spec's shape (cut to k heads) with arbitrary tokens: the cost does not depend on them.
            int nodes = spec.sizeWithin(k);
            int[] tokens = new int[nodes + 1];
            int[] parent = new int[nodes + 1];
            parent[0] = -1;
            for (int i = 0; i < nodes; i++) {
                tokens[i + 1] = 3 + (i * 104729) % (v - 3);
                parent[i + 1] = spec.parent(i) + 1;
            }
            tokens[0] = 5;
            CandidateTree tree = CandidateTree.of(tokens, parent);

            Path dir = Files.createTempDirectory("verify-bench");
            Path shared = dir.resolve("shared.gguf");
            Path own = dir.resolve("own.gguf");
            RandomHeads.write(model, HeadsFile.Kind.MEDUSA, k, GgmlType.F32, false, 1, shared);
            RandomHeads.write(model, HeadsFile.Kind.MEDUSA, k, GgmlType.F32, true, 1, own);
            var hShared = HeadsFile.loadMedusa(shared, model);
            var hOwn = HeadsFile.loadMedusa(own, model);
            int[] ranks = new int[k];
            int[] specRanks = spec.ranks();
            for (int i = 0; i < k; i++) {
                ranks[i] = i < specRanks.length ? specRanks[i] : 1;
            }

            double decode = 0;
            double verify = 0;
            double headsShared = 0;
            double headsOwn = 0;
            for (int r = 0; r < reps + 1; r++) {
                long t0 = System.nanoTime();
                model.forward(List.of(Step.causal(cache, new int[] {5}, Step.Logits.LAST)));
                long t1 = System.nanoTime();
                cache.truncate(prefix);
                model.forward(
                        List.of(new Step(cache, tokens, tree.positions(prefix), tree.mask(prefix), Step.Logits.ALL)));
                long t2 = System.nanoTime();
                cache.truncate(prefix);
                hShared.top(hidden[0], 1, ranks);
                long t3 = System.nanoTime();
                hOwn.top(hidden[0], 1, ranks);
                long t4 = System.nanoTime();
                if (r > 0) { // the first round warms up
                    decode += (t1 - t0) / 1e6 / reps;
                    verify += (t2 - t1) / 1e6 / reps;
                    headsShared += (t3 - t2) / 1e6 / reps;
                    headsOwn += (t4 - t3) / 1e6 / reps;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "model %s, prefix %d, %d threads, %d reps%n",
                    modelPath.getFileName(),
                    prefix,
                    par.threads(),
                    reps);
            System.out.printf(Locale.ROOT, "decode pass (1 token)            %8.2f ms%n", decode);
            System.out.printf(
                    Locale.ROOT,
                    "tree pass (%s, %d nodes + root) %8.2f ms  = %.2f decode passes%n",
                    spec.name(),
                    nodes,
                    verify,
                    verify / decode);
            System.out.printf(
                    Locale.ROOT,
                    "%d Medusa heads, shared output   %8.2f ms  = %.2f decode passes%n",
                    k,
                    headsShared,
                    headsShared / decode);
            System.out.printf(
                    Locale.ROOT,
                    "%d Medusa heads, own outputs     %8.2f ms  = %.2f decode passes%n",
                    k,
                    headsOwn,
                    headsOwn / decode);
            for (int i = 6; i < args.length; i++) {
                double tau = Double.parseDouble(args[i]);
                System.out.printf(
                        Locale.ROOT,
                        "tau %.3f: implied speedup %.2fx (shared-output heads), %.2fx (own outputs)%n",
                        tau,
                        tau / ((verify + headsShared) / decode),
                        tau / ((verify + headsOwn) / decode));
            }
            Files.deleteIfExists(shared);
            Files.deleteIfExists(own);
            Files.deleteIfExists(dir);
        }
    }
}
