package dev.drafthorse.kernels.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.heads.HeadsFile;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.sampling.SamplerOptions;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on stories260K's own generations: the data's hidden states reproduce the model's logits, the
 * loss falls, and the written heads, read back by the decoder's {@link HeadsFile} loader, compute the
 * same logits as the trainer (an independent float implementation).
 */
class TrainedHeadsTest {
    static Parallel par;
    static Model model;
    static List<TrainingSequence> data;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        par = new Parallel(2);
        model = Model.load(stories(), par);
        int bos = model.tokenizer().bos();
        data = SelfDistillation.generate(
                model,
                List.of(new int[] {bos}, model.tokenizer().encode("Tom had a", true, true)),
                6,
                40,
                new SamplerOptions(0.8f, 0, 1f, 0f, 0),
                1,
                16,
                n -> {});
    }

    @AfterAll
    static void close() {
        par.close();
    }

    static Path stories() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path m = p.resolveSibling("shared").resolve("models").resolve("stories260K.gguf");
            if (Files.exists(m)) {
                return m;
            }
        }
        throw new IllegalStateException("../shared/models/stories260K.gguf not found");
    }

    @Test
    void hiddenStatesReproduceTheModelsLogits() {
        Base b = Base.of(model);
        TrainingSequence s = data.get(3);
        assertEquals(12, data.size());
        for (int i : new int[] {0, s.start(), s.length() - 1}) {
            // Oracle: a fresh causal pass over the prefix, logits of its last position.
            float[] want =
                    model.forwardLast(model.newCache(KvType.F32, i + 1), java.util.Arrays.copyOf(s.tokens(), i + 1));
            for (int v = 0; v < b.vocab(); v += 37) {
                double got = 0;
                for (int j = 0; j < b.dim(); j++) {
                    got += b.output()[v * b.dim() + j] * s.hidden()[i * b.dim() + j];
                }
                assertEquals(want[v], got, 1e-3, "position " + i + " token " + v);
            }
        }
    }

    @Test
    void medusaTrainsAndTheDecoderReadsTheSameHeads() throws IOException {
        MedusaTrainer heads = new MedusaTrainer(Base.of(model), 2, false);
        Trainer tr =
                new Trainer(heads, TrainOptions.defaults(30, Precision.F16, 1).withLr(1e-2), par);
        Batches batches = new Batches(data, 4, 1);
        double first = tr.loss(data).loss();
        for (int s = 0; s < 30; s++) {
            tr.apply(tr.gradients(batches.next()));
        }
        double last = tr.loss(data).loss();
        assertTrue(last < first - 1, "loss " + first + " -> " + last);

        Path f = dir.resolve("m.gguf");
        HeadsWriter.write(heads, Precision.F16, model, f);
        var loaded = HeadsFile.loadMedusa(f, model);
        assertEquals("f16", loaded.header().precision());
        TrainingSequence s = data.get(0);
        int d = model.config().dim();
        for (int k = 0; k < 2; k++) {
            float[] theirs = loaded.logits(k, java.util.Arrays.copyOfRange(s.hidden(), 5 * d, 6 * d), 1);
            double[] mine = heads.logits(k, s.hidden(), 5 * d);
            for (int v = 0; v < mine.length; v++) {
                assertEquals(mine[v], theirs[v], 2e-3 * (1 + Math.abs(mine[v])), "head " + k + " token " + v);
            }
        }
    }

    @Test
    void mtpTrainsAndTheDecoderComputesTheSameModule() throws IOException {
        MtpTrainer heads = new MtpTrainer(Base.of(model), 2, 3);
        Trainer tr =
                new Trainer(heads, TrainOptions.defaults(12, Precision.BF16, 1).withLr(3e-3), par);
        Batches batches = new Batches(data, 4, 1);
        double first = tr.loss(data).loss();
        for (int s = 0; s < 12; s++) {
            tr.apply(tr.gradients(batches.next()));
        }
        double last = tr.loss(data).loss();
        assertTrue(last < first, "loss " + first + " -> " + last);

        Path f = dir.resolve("t.gguf");
        HeadsWriter.write(heads, Precision.BF16, model, f);
        var loaded = HeadsFile.loadMtp(f, model);
        assertEquals(2, loaded.count());
        // Module 0 at position i = n − 2 of the first n = T − 1 tokens (its target, token n, the sequence's
        // last), through the decoder's module chain.
        TrainingSequence s = data.get(1);
        int n = s.length() - 1;
        var st = loaded.newState(KvType.F32, n + 4);
        st.commit(s.hidden(), 0, n - 1);
        float[] theirs = loaded.step(0, List.of(st), List.of(s.tokens()), new int[] {n}, List.of(new int[0]))[0];
        double[][] mine = heads.logits(s, 0);
        double[] row = mine[n - 2];
        for (int v = 0; v < row.length; v++) {
            assertEquals(row[v], theirs[v], 2e-3 * (1 + Math.abs(row[v])), "token " + v);
        }
    }
}
