package dev.drafthorse.cli;

import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.sampling.Sampler;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tensor.Simd;
import java.util.Arrays;
import java.util.Random;
import org.apache.commons.cli.Options;

/**
 * {@code bench}: prefill and decode throughput of a model, median of repeated runs after a warm-up,
 * like llama.cpp's {@code llama-bench -p P -n G}.
 */
final class BenchCommand implements Command {
    static final String USAGE = "drafthorse bench -m MODEL.gguf [--threads T] [--prompt-tokens P] [--gen-tokens G] [--reps R]"
            + " [--kv-type f32|f16]";

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
        Args a = Args.parse(USAGE, "Measures prefill and decode throughput; prints one result line to stdout.", o, args);
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
            double[] decode = new double[reps];
            for (int r = -1; r < reps; r++) {
                KvCache cache = model.newCache(kv, p + g);
                long t0 = System.nanoTime();
                float[] logits = model.forwardLast(cache, prompt);
                long t1 = System.nanoTime();
                int vocab = model.config().vocab();
                for (int i = 0; i < g; i++) {
                    logits = model.forwardLast(cache, new int[] {Sampler.argmax(logits, 0, vocab)});
                }
                long t2 = System.nanoTime();
                if (r >= 0) {
                    prefill[r] = p * 1e9 / (t1 - t0);
                    decode[r] = g * 1e9 / (t2 - t1);
                }
                System.err.printf("bench: run %d/%d: prefill %.1f tok/s, decode %.1f tok/s%n", r + 1, reps,
                        p * 1e9 / (t1 - t0), g * 1e9 / (t2 - t1));
            }
            double pm = median(prefill);
            double dm = median(decode);
            double gbs = dm * model.weightBytes() / 1e9;
            System.out.printf("model=%s threads=%d simd=%s kv=%s prefill(%d)=%.1f tok/s decode(%d)=%.1f tok/s"
                    + " weights=%.1f MiB decode_bandwidth=%.1f GB/s%n", model.file().path().getFileName(), par.threads(),
                    Simd.describe().replace(' ', '_'), kv.name().toLowerCase(), p, pm, g, dm, model.weightBytes() / 1048576.0, gbs);
        }
        return 0;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
