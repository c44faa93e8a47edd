package dev.drafthorse.cli;

import dev.drafthorse.kernels.generate.GenerationResult;
import dev.drafthorse.kernels.generate.Generator;
import dev.drafthorse.kernels.grammar.Grammar;
import dev.drafthorse.kernels.grammar.GrammarConstraint;
import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.Step;
import dev.drafthorse.kernels.options.GenerationOptions;
import dev.drafthorse.kernels.sampling.Rng;
import dev.drafthorse.kernels.sampling.Sampler;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.speculative.Speculation;
import dev.drafthorse.kernels.tensor.NativeKernels;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tensor.Simd;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.commons.cli.Options;

/**
 * {@code bench}: prefill and decode throughput of a model, median of repeated runs after warm-up ({@link Warmup}),
 * like llama.cpp's {@code llama-bench -p P -n G}: prefill of P tokens into an empty cache, decode of G tokens from an
 * empty cache (llama-bench's tg figure). Decode after the prompt (attention over P more keys) is printed beside it.
 */
final class BenchCommand implements Command {
    static final String USAGE =
            "drafthorse bench -m MODEL.gguf [--threads T] [--prompt-tokens P] [--gen-tokens G] [--reps R]"
                    + " [--kv-type f32|f16] [--batch B]"
                    + " [--draft DRAFT.gguf | --lookup | --medusa HEADS.gguf [--tree SPEC] [--typical EPS,DELTA]"
                    + " | --mtp HEADS.gguf] [--draft-max K] [--fixed] [--prompts FILE] [--grammar FILE.gbnf | --json-schema FILE.json]";

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "prefill and decode tok/s of a model (median of repeated runs)";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        ModelArgs.add(o);
        o.addOption(Args.opt(null, "prompt-tokens", "P", "prompt length for the prefill figure (default 128)"));
        o.addOption(Args.opt(null, "gen-tokens", "G", "tokens decoded for the decode figure (default 64)"));
        o.addOption(Args.opt(null, "reps", "R", "measured repetitions after one warm-up (default 5)"));
        o.addOption(Args.opt(null, "kv-type", "f32|f16", "KV cache element type (default f32)"));
        o.addOption(Args.opt("b", "batch", "B", "also measure aggregate decode tok/s of B sequences decoded together"));
        o.addOption(Args.opt(
                null, "prompts", "FILE", "prompts for the speculation figure, one per line (default: BOS only)"));
        GenerateCommand.addSpeculationOptions(o);
        o.addOption(Args.flag("fixed", "speculation always drafts --draft-max tokens (no adaptive length)"));
        GenerateCommand.addGrammarOptions(o, "also measure decoding when the output");
        Args a = Args.parse(
                USAGE,
                "Measures prefill and decode throughput; prints result lines to stdout. With --batch or"
                        + " --draft/--lookup it also prints the speedup over plain single-sequence decoding measured in the same run.",
                o,
                args);
        if (a == null) {
            return 0;
        }
        int p = a.getInt("prompt-tokens", 128, 1, 1 << 20);
        int g = a.getInt("gen-tokens", 64, 1, 1 << 20);
        int reps = a.getInt("reps", 5, 1, 1000);
        KvType kv = KvType.parse("--kv-type", a.get("kv-type", "f32"));
        try (Parallel par = new Parallel(ModelArgs.threads(a))) {
            Model model = ModelArgs.load(a, par);
            if (p + g > model.config().contextLength()) {
                throw new UsageException("--prompt-tokens + --gen-tokens (" + (p + g) + ") exceed the context length "
                        + model.config().contextLength());
            }
            Random rnd = new Random(1);
            int[] prompt = new int[p];
            for (int i = 0; i < p; i++) {
                prompt[i] = 3 + rnd.nextInt(model.config().vocab() - 3);
            }
            double[] prefill = new double[reps];
            double[] decode = new double[reps]; // from an empty cache, as llama-bench's tg figure
            double[] decodeAfter = new double[reps]; // after the prompt: attention over p more keys
            Warmup warmup = new Warmup();
            for (int r = 0; r < reps; ) {
                warmup.start();
                KvCache cache = model.newCache(kv, p + g);
                long t0 = System.nanoTime();
                float[] logits = model.forwardLast(cache, prompt);
                long t1 = System.nanoTime();
                decodeGreedy(model, cache, logits, g);
                long t2 = System.nanoTime();
                KvCache empty = model.newCache(kv, g);
                long t3 = System.nanoTime();
                decodeGreedy(model, empty, null, g);
                long t4 = System.nanoTime();
                boolean counts = warmup.counts();
                if (counts) {
                    prefill[r] = p * 1e9 / (t1 - t0);
                    decodeAfter[r] = g * 1e9 / (t2 - t1);
                    decode[r] = g * 1e9 / (t4 - t3);
                    r++;
                }
                System.err.printf(
                        "bench: %s: prefill %.1f tok/s, decode %.1f tok/s, decode after the prompt %.1f tok/s%n",
                        counts ? "run " + r + "/" + reps : warmup,
                        p * 1e9 / (t1 - t0),
                        g * 1e9 / (t4 - t3),
                        g * 1e9 / (t2 - t1));
            }
            double pm = median(prefill);
            double dm = median(decode);
            double gbs = dm * model.weightBytes() / 1e9;
            System.out.printf(
                    "model=%s threads=%d simd=%s native=%s kv=%s prefill(%d)=%.1f tok/s decode(%d)=%.1f tok/s"
                            + " decode_after_prompt(%d)=%.1f tok/s weights=%.1f MiB decode_bandwidth=%.1f GB/s%n",
                    model.file().path().getFileName(),
                    par.threads(),
                    Simd.describe().replace(' ', '_'),
                    NativeKernels.ENABLED ? "int8" : "off",
                    kv.name().toLowerCase(),
                    p,
                    pm,
                    g,
                    dm,
                    g,
                    median(decodeAfter),
                    model.weightBytes() / 1048576.0,
                    gbs);
            if (a.has("batch")) {
                int b = a.getInt("batch", 1, 1, 4096);
                double agg = batchedDecode(model, kv, prompt, g, b, reps);
                double one = batchedDecode(model, kv, prompt, g, 1, reps);
                System.out.printf(
                        "batch=%d aggregate_decode=%.1f tok/s batch=1 decode=%.1f tok/s speedup=%.2fx%n",
                        b, agg, one, agg / one);
            }
            dev.drafthorse.kernels.heads.Heads heads = GenerateCommand.heads(a, model);
            Speculation spec = GenerateCommand.speculation(a, heads);
            if (spec.enabled()) {
                speculation(
                        a,
                        model,
                        GenerateCommand.draftModel(a, par),
                        heads,
                        a.has("fixed") ? spec.fixed() : spec,
                        g,
                        reps);
            }
            Grammar grammar = GenerateCommand.grammar(a);
            if (grammar != null) {
                String name = a.has("grammar") ? a.require("grammar") : a.require("json-schema");
                for (SamplerOptions so :
                        new SamplerOptions[] {SamplerOptions.GREEDY, new SamplerOptions(1f, 0, 1f, 0f, 0)}) {
                    constrained(model, grammar, name, so, g, reps);
                }
            }
        }
        return 0;
    }

    /**
     * Decode tok/s of generation from "Once upon a time" with and without the grammar, alternating in each
     * repetition (medians over reps x 4 prompts' seeds), so both see the same machine state.
     */
    static void constrained(Model model, Grammar grammar, String name, SamplerOptions so, int g, int reps) {
        Generator gen = new Generator(model);
        int[] prompt = gen.promptTokens("Once upon a time");
        GenerationOptions opts = GenerationOptions.greedy(g).withSampler(so);
        double[] plain = new double[reps];
        double[] constrained = new double[reps];
        long tokens = 0;
        Warmup warmup = new Warmup();
        for (int rep = 0; rep < reps; ) {
            warmup.start();
            long pn = 0;
            long pt = 0;
            long cn = 0;
            long ct = 0;
            for (int seed = 0; seed < 4; seed++) {
                GenerationResult p = gen.generate(prompt, opts, new Rng(seed), t -> {}, null);
                GenerationResult c = gen.generate(
                        prompt, opts, new Rng(seed), t -> {}, new GrammarConstraint(grammar, model.tokenizer()));
                pn += p.decodeNanos();
                pt += p.tokens().length;
                cn += c.decodeNanos();
                ct += c.tokens().length;
            }
            boolean counts = warmup.counts();
            if (counts) {
                plain[rep] = pt * 1e9 / pn;
                constrained[rep] = ct * 1e9 / cn;
                tokens += ct;
                rep++;
            }
            System.err.printf(
                    "bench: grammar %s (%s): plain %.1f tok/s, constrained %.1f tok/s%n",
                    counts ? "run " + rep + "/" + reps : warmup,
                    so.greedy() ? "greedy" : "t=" + so.temperature(),
                    pt * 1e9 / pn,
                    ct * 1e9 / cn);
        }
        double pm = median(plain);
        double cm = median(constrained);
        System.out.printf(
                "grammar=%s sampling=%s plain_decode=%.1f tok/s constrained_decode=%.1f tok/s overhead=%.1f%%"
                        + " constrained_tokens_per_run=%.1f%n",
                Path.of(name).getFileName(),
                so.greedy() ? "greedy" : "temperature_" + so.temperature(),
                pm,
                cm,
                100 * (pm / cm - 1),
                tokens / (4.0 * reps));
    }

    /**
     * Aggregate decode tok/s of b sequences (each prefilled with the prompt) decoded in one pass per step. The b caches
     * are allocated once and cleared between runs, as llama-batched-bench clears its one KV buffer: fresh caches per
     * run were still in the young generation when the run's first collection came, which then copied them all (tens
     * of MB, 15-90 ms pauses inside a one-second run).
     */
    static double batchedDecode(Model model, KvType kv, int[] prompt, int g, int b, int reps) {
        double[] r = new double[reps];
        int vocab = model.config().vocab();
        Warmup warmup = new Warmup();
        List<KvCache> caches = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            caches.add(model.newCache(kv, prompt.length + g + 1));
        }
        for (int rep = 0; rep < reps; ) {
            warmup.start();
            int[] next = new int[b];
            for (int i = 0; i < b; i++) {
                KvCache c = caches.get(i);
                c.truncate(0);
                int[] pr = prompt.clone();
                pr[pr.length - 1] = 3 + (pr[pr.length - 1] + i) % (vocab - 3); // distinct sequences
                next[i] = Sampler.argmax(model.forwardLast(c, pr), 0, vocab);
            }
            long t0 = System.nanoTime();
            for (int step = 0; step < g; step++) {
                List<Step> steps = new ArrayList<>();
                for (int i = 0; i < b; i++) {
                    steps.add(Step.causal(caches.get(i), new int[] {next[i]}, Step.Logits.LAST));
                }
                float[][] logits = model.forward(steps);
                for (int i = 0; i < b; i++) {
                    next[i] = Sampler.argmax(logits[i], 0, vocab);
                }
            }
            long t1 = System.nanoTime();
            boolean counts = warmup.counts();
            if (counts) {
                r[rep] = (double) b * g * 1e9 / (t1 - t0);
                rep++;
            }
            System.err.printf(
                    "bench: batch %d %s: %.1f tok/s%n",
                    b, counts ? "run " + rep + "/" + reps : warmup, (double) b * g * 1e9 / (t1 - t0));
        }
        return median(r);
    }

    /** Greedy generation of g tokens per prompt, plain and speculative, in the same run. */
    static void speculation(
            Args a,
            Model model,
            Model draft,
            dev.drafthorse.kernels.heads.Heads heads,
            Speculation spec,
            int g,
            int reps)
            throws java.io.IOException {
        List<String> prompts = a.has("prompts")
                ? java.nio.file.Files.readAllLines(ModelArgs.localPath(a.require("prompts"))).stream()
                        .filter(l -> !l.isBlank())
                        .toList()
                : List.of("");
        GenerationOptions go = new GenerationOptions(g, SamplerOptions.GREEDY, List.of(), KvType.F32, 256, 0);
        Generator plain = new Generator(model);
        Generator fast = new Generator(model, draft, spec, heads);
        double[] plainRate = new double[reps];
        double[] specRate = new double[reps];
        long proposed = 0;
        long accepted = 0;
        long passes = 0;
        long tokens = 0;
        boolean identical = true;
        long plainNanosAll = 0;
        long plainTokensAll = 0;
        long specNanosAll = 0;
        Warmup warmup = new Warmup();
        for (int rep = 0; rep < reps; ) {
            warmup.start();
            long plainNanos = 0;
            long specNanos = 0;
            long plainTokens = 0;
            long specTokens = 0;
            long runProposed = 0;
            long runAccepted = 0;
            long runPasses = 0;
            for (String pr : prompts) {
                int[] ids = plain.promptTokens(pr);
                GenerationResult x = plain.generate(ids, go, new Rng(0), t -> {});
                GenerationResult y = fast.generate(ids, go, new Rng(0), t -> {});
                identical &= java.util.Arrays.equals(x.tokens(), y.tokens());
                plainNanos += x.decodeNanos();
                specNanos += y.decodeNanos();
                plainTokens += x.tokens().length;
                specTokens += y.tokens().length;
                runProposed += y.draftProposed();
                runAccepted += y.draftAccepted();
                runPasses += y.targetPasses();
            }
            boolean counts = warmup.counts();
            if (counts) {
                proposed += runProposed;
                accepted += runAccepted;
                passes += runPasses;
                tokens += specTokens;
                plainNanosAll += plainNanos;
                plainTokensAll += plainTokens;
                specNanosAll += specNanos;
                plainRate[rep] = plainTokens * 1e9 / plainNanos;
                specRate[rep] = specTokens * 1e9 / specNanos;
                rep++;
            }
            System.err.printf(
                    "bench: speculation %s: plain %.1f tok/s, speculative %.1f tok/s%n",
                    counts ? "run " + rep + "/" + reps : warmup,
                    plainTokens * 1e9 / plainNanos,
                    specTokens * 1e9 / specNanos);
        }
        double pm = median(plainRate);
        double sm = median(specRate);
        // One speculative step (drafting + verification pass) in plain decoding steps: the mean accepted length
        // at which speculation breaks even on this model and machine.
        double stepCost = passes == 0 || plainTokensAll == 0
                ? 0
                : ((double) specNanosAll / passes) / ((double) plainNanosAll / plainTokensAll);
        String source = draft != null
                ? "(" + draft.file().path().getFileName() + ")"
                : heads != null
                        ? "(" + heads.header().path().getFileName()
                                + (spec.tree() != null
                                        ? ", tree " + spec.tree().name() + " of "
                                                + spec.tree().size() + " nodes"
                                        : "")
                                + ")"
                        : "";
        System.out.printf(
                "speculation=%s%s draft_max=%d%s prompts=%d plain_decode=%.1f tok/s speculative_decode=%.1f tok/s"
                        + " speedup=%.2fx accepted=%d/%d (%.1f%%) target_passes=%d mean_accepted_length=%.3f tokens_per_target_pass=%.2f"
                        + " step_cost=%.2f identical_outputs=%s%s%n",
                spec.mode().name().toLowerCase(),
                source,
                spec.draftMax(),
                spec.adaptive() ? " adaptive" : " fixed",
                prompts.size(),
                pm,
                sm,
                sm / pm,
                accepted,
                proposed,
                proposed == 0 ? 0 : 100.0 * accepted / proposed,
                passes,
                GenerateCommand.meanAcceptedLength(accepted, passes),
                passes == 0 ? 0 : (double) tokens / passes,
                stepCost,
                identical,
                sm < pm ? " (speculation LOSES here)" : "");
    }

    /**
     * Decodes g tokens greedily into cache, one forward pass each: from logits (the prompt's last), or from an empty
     * cache starting at token 1 (llama-bench's tg starts at BOS, 1 in the llama vocabularies).
     */
    private static void decodeGreedy(Model model, KvCache cache, float[] logits, int g) {
        int vocab = model.config().vocab();
        float[] last = logits;
        for (int i = 0; i < g; i++) {
            int token = last == null ? 1 : Sampler.argmax(last, 0, vocab);
            last = model.forwardLast(cache, new int[] {token});
        }
    }

    /**
     * Warm-up until the JIT has settled: the first run never counts, nor does a run during which the JIT compiled for
     * more than 2% of the run's time (20 ms at least), up to {@link #MAX_UNCOUNTED} uncounted runs. One warm-up run was
     * too few: on 2 cores the compiler took one core for a third of a second in the third run (C2 compiling
     * {@code Model.block}, called once per layer and token), and that run decoded at half speed.
     */
    static final class Warmup {
        static final int MAX_UNCOUNTED = 6;
        private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        private int uncounted;
        private long before;
        private long started;
        private long compiled;

        /** Marks the start of a run. */
        void start() {
            before = compileMillis();
            started = System.nanoTime();
        }

        /** Whether the run just finished counts. */
        boolean counts() {
            compiled = compileMillis() - before;
            long settled = Math.max(20, (System.nanoTime() - started) / 50_000_000); // 2% of the run, in ms
            if (uncounted >= MAX_UNCOUNTED || (uncounted > 0 && compiled <= settled)) {
                return true;
            }
            uncounted++;
            return false;
        }

        private long compileMillis() {
            return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
        }

        /** Describes the last uncounted run. */
        @Override
        public String toString() {
            return "not counted (" + (uncounted == 1 ? "warm-up" : "JIT compiled " + compiled + " ms") + ")";
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
