package dev.drafthorse.benchmarks;

import dev.drafthorse.kernels.batch.PrefixCache;
import dev.drafthorse.kernels.generate.Scorer;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The warehouse-scale scoring benchmark: rows built from one long template (instructions and examples)
 * plus a short row text, each scored against candidate labels, four ways in one run — prefix cache off
 * or on, one pass per candidate or one tree pass — reporting wall-clock and the tokens the model
 * actually computed. Checks that all four give the same scores. A few rows are scored first, untimed, so that
 * the first timed mode does not also pay for compiling the kernels.
 *
 * <p>{@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.drafthorse.benchmarks.ScoringBench
 * MODEL.gguf [ROWS] [THREADS]}
 */
public final class ScoringBench {
    private ScoringBench() {}

    static final String TEMPLATE =
            "You read a short story and say how it ends. Answer happy, sad or neutral, with one word only.\n"
                    + "Story: Lily found a big red ball in the park and played all day. Answer: happy\n"
                    + "Story: Tom lost his toy boat in the river. He looked everywhere but could not find it, and he cried. Answer: sad\n"
                    + "Story: ";
    static final String[] ROW_TEXTS = {
        "Ben and Mia built a tall tower, and then it fell down and broke.",
        "The cat slept in the sun all day.",
        "Max found his lost kite in a tree and laughed.",
        "It rained and the party was over.",
        "Anna gave her friend a flower and they hugged.",
        "The bird flew away and did not come back."
    };
    static final List<String> LABELS = List.of(" happy", " sad", " neutral");
    /** Rows scored both ways before the timed runs. */
    static final int WARMUP_ROWS = 8;

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ScoringBench MODEL.gguf [ROWS (default 1000)] [THREADS (default 2)]");
            System.exit(2);
        }
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        try (Parallel par = new Parallel(threads)) {
            Model model = Model.load(Path.of(args[0]), par);
            List<String> prompts = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                prompts.add(TEMPLATE + ROW_TEXTS[i % ROW_TEXTS.length] + " (row " + i + ") Answer:");
            }
            int templateTokens = model.tokenizer().encode(TEMPLATE, true, false).length;
            System.out.printf(
                    "scoring bench: %s, %d rows, template %d tokens, %d labels, %d threads, %s, %d processors, load average %.2f%n",
                    model.file().path().getFileName(),
                    rows,
                    templateTokens,
                    LABELS.size(),
                    threads,
                    dev.drafthorse.kernels.tensor.Simd.describe(),
                    Runtime.getRuntime().availableProcessors(),
                    loadAverage());
            // Warm-up (not timed): compile the kernels before the first timed mode, so it does not pay for the JIT.
            Scorer warm = new Scorer(model);
            for (int i = 0; i < Math.min(rows, WARMUP_ROWS); i++) {
                warm.score(prompts.get(i), LABELS);
                warm.scoreSeparately(prompts.get(i), LABELS);
            }
            double[][] reference = null;
            double baseline = 0;
            double baselineCpu = 0;
            for (String mode : new String[] {
                "per-candidate, cache off", "tree, cache off", "per-candidate, cache on", "tree, cache on"
            }) {
                boolean tree = mode.startsWith("tree");
                boolean cacheOn = mode.endsWith("on");
                PrefixCache cache = cacheOn ? new PrefixCache(model, KvType.F32, 256L << 20) : null;
                Scorer scorer = new Scorer(model).withPrefixCache(cache);
                double[][] scores = new double[rows][];
                long t0 = System.nanoTime();
                long c0 = cpuNanos();
                for (int i = 0; i < rows; i++) {
                    List<Scorer.Score> s = tree
                            ? scorer.score(prompts.get(i), LABELS)
                            : scorer.scoreSeparately(prompts.get(i), LABELS);
                    scores[i] = s.stream().mapToDouble(Scorer.Score::logprob).toArray();
                    if ((i + 1) % 100 == 0) {
                        double el = (System.nanoTime() - t0) / 1e9;
                        System.err.printf(
                                "scoring bench: %s: %d/%d rows, %.0f s, about %.0f s left, load average %.2f%n",
                                mode, i + 1, rows, el, el / (i + 1) * (rows - i - 1), loadAverage());
                    }
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                double cpuSecs = (cpuNanos() - c0) / 1e9;
                if (reference == null) {
                    reference = scores;
                    baseline = secs;
                    baselineCpu = cpuSecs;
                }
                double maxDiff = 0;
                for (int i = 0; i < rows; i++) {
                    for (int c = 0; c < LABELS.size(); c++) {
                        maxDiff = Math.max(maxDiff, Math.abs(scores[i][c] - reference[i][c]));
                    }
                }
                System.out.printf(
                        "  %-26s %8.2f s  %6.1f rows/s  cpu %8.2f s  tokens computed %9d  speedup %5.2fx (cpu %5.2fx)"
                                + "  max |dlogprob| %.2e%s%n",
                        mode,
                        secs,
                        rows / secs,
                        cpuSecs,
                        scorer.tokensComputed(),
                        baseline / secs,
                        baselineCpu / cpuSecs,
                        maxDiff,
                        cache != null
                                ? String.format(
                                        "  (cache: %d hits, %d misses, %d tokens saved)",
                                        cache.hits(), cache.misses(), cache.tokensSaved())
                                : "");
            }
            System.out.printf("load average at the end %.2f%n", loadAverage());
        }
    }

    /**
     * CPU time of the whole process (all threads, so with more than one kernel thread it includes the
     * workers' brief spinning between sections). On a machine shared with other work, wall-clock time
     * stretches with the load while CPU time measures the work done.
     */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The system load average over the last minute (other work sharing the cores), or -1 if unknown. */
    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
