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
 * (TREE a {@link TreeSpec#parse} spec, e.g. mc_sim_7b_63 or 1,1,1,1 for a chain; several separated by {@code /},
 * e.g. {@code 1/1,1/1,1,1/3,2,1}, are measured one after the other in the same JVM, each against its own decode
 * passes, so a table of verification cost against tree size comes from one run).
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
        int prefix = Integer.parseInt(args[3]);
        int reps = Integer.parseInt(args[4]);
        try (Parallel par = new Parallel(Integer.parseInt(args[5]))) {
            Model model = Model.load(modelPath, par);
            for (String one : args[2].split("/")) {
                measure(model, modelPath, k, TreeSpec.parse(one), prefix, reps, par, args);
            }
        }
    }

    private static void measure(
            Model model, Path modelPath, int k, TreeSpec spec, int prefix, int reps, Parallel par, String[] args)
            throws java.io.IOException {
        {
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

            // Medians over the repetitions, not means: on a shared 2-core machine one descheduled pass would
            // otherwise move the figures more than the shapes do.
            double[] decodes = new double[reps];
            double[] verifies = new double[reps];
            double[] shareds = new double[reps];
            double[] owns = new double[reps];
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
                    decodes[r - 1] = (t1 - t0) / 1e6;
                    verifies[r - 1] = (t2 - t1) / 1e6;
                    shareds[r - 1] = (t3 - t2) / 1e6;
                    owns[r - 1] = (t4 - t3) / 1e6;
                }
            }
            double decode = median(decodes);
            double verify = median(verifies);
            double headsShared = median(shareds);
            double headsOwn = median(owns);
            System.out.printf(
                    Locale.ROOT,
                    "model %s, prefix %d, %d threads, median of %d reps%n",
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

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
