package dev.drafthorse.kernels.train;

import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.tensor.Parallel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Scratch experiment (not a test). */
public class Experiment {
    public static void main(String[] a) throws Exception {
        Parallel par = new Parallel(2);
        Model m = Model.load(Path.of("/work/shared/models/stories260K.gguf"), par);
        float temp = Float.parseFloat(a[0]);
        int samples = Integer.parseInt(a[1]);
        int steps = Integer.parseInt(a[2]);
        String prec = a[3];
        double scale = Double.parseDouble(a[4]);
        List<int[]> prompts = new ArrayList<>();
        int bos = m.tokenizer().bos();
        prompts.add(new int[] {bos});
        long t0 = System.nanoTime();
        List<Sequence> data = SelfDistillation.generate(m, prompts, samples, 96, new SamplerOptions(temp, 0, 1f, 0f, 0), 1, 16, n -> { });
        List<Sequence> held = SelfDistillation.generate(m, List.of(m.tokenizer().encode("Tom and Lily", true, true), m.tokenizer().encode("The sun was hot", true, true), new int[]{bos}), 4, 96, new SamplerOptions(0.9f,0,1f,0f,0), 777, 16, n -> { });
        // greedy held-out continuations of the held-out sampled prompts' first 8 tokens
        List<int[]> hp = new ArrayList<>();
        for (Sequence s : held) hp.add(java.util.Arrays.copyOf(s.tokens(), Math.min(s.length(), 8)));
        List<Sequence> greedy = SelfDistillation.generate(m, hp, 1, 96, SamplerOptions.GREEDY, 5, 16, n -> { });
        System.err.printf("data %d seqs in %.1fs%n", data.size(), (System.nanoTime() - t0) / 1e9);
        MedusaHeads h = new MedusaHeads(Base.of(m), 4, a[6].equals("own"));
        Precision p = Precision.parse(prec, "p");
        TrainOptions o = TrainOptions.defaults(steps, p, 1).withLossScale(scale, scale > 1).withLr(Double.parseDouble(a[5]));
        Trainer tr = new Trainer(h, o, par);
        System.err.println("untrained " + Acceptance.medusa(h, greedy, 1).meanAccepted());
        Batches b = new Batches(data, 8, 1);
        t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            var g = tr.gradients(b.next());
            var r = tr.apply(g);
            if (s % 20 == 0 || s == steps - 1) System.err.printf("%d loss %.4f heads %s scale %.0f skip %b flushed %.4f%n", s, r.loss().loss(), java.util.Arrays.toString(r.loss().headLoss()), r.lossScale(), r.skipped(), r.flushedFraction());
        }
        System.err.printf("train %.1fs%n", (System.nanoTime() - t0) / 1e9);
        System.err.println("trained chain " + Acceptance.medusa(h, greedy, 1).meanAccepted() + " hits " + java.util.Arrays.toString(Acceptance.medusa(h, greedy, 1).headHits()));
        System.err.println("trained top3 " + Acceptance.medusa(h, greedy, 3).meanAccepted());
        par.close();
    }
}
