package dev.drafthorse.kernels.heads;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.model.Model;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes Medusa heads or MTP modules with random weights for a model: for tests, for the docs, and as
 * the untrained baseline (their accepted length is about 1). Weights are Gaussian with 1/√fan-in scale,
 * norm weights 1 + 0.1·N(0, 1), biases 0.01·N(0, 1), from one seed.
 */
public final class RandomHeads {
    private RandomHeads() {}

    /**
     * @param kind Medusa heads or MTP modules
     * @param count K heads or D modules, in [1, 64]
     * @param type matrix type: F32, F16 or BF16
     * @param ownOutput Medusa only: give every head its own output matrix (else heads share the model's)
     * @param seed weight seed
     */
    public static void write(
            Model base, HeadsFile.Kind kind, int count, GgmlType type, boolean ownOutput, long seed, Path out)
            throws IOException {
        if (ownOutput && kind != HeadsFile.Kind.MEDUSA) {
            throw new IllegalArgumentException(
                    "own output matrices are for Medusa heads only (MTP modules share the model's)");
        }
        Random rnd = new Random(seed);
        String precision = type == GgmlType.F32 ? "f32" : type == GgmlType.F16 ? "f16" : "bf16";
        HeadsFile.Writer w = HeadsFile.writer(kind, base, count, precision);
        for (HeadsFile.Expected e : HeadsFile.layout(kind, count, base.config())) {
            if (e.optional() && !ownOutput) {
                continue;
            }
            if (e.vector()) {
                boolean bias = e.name().endsWith(".bias");
                float[] v = new float[e.cols()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = bias ? 0.01f * (float) rnd.nextGaussian() : 1f + 0.1f * (float) rnd.nextGaussian();
                }
                w.vector(e.name(), v);
            } else {
                float std = (float) (1.0 / Math.sqrt(e.cols()));
                float[] m = new float[e.rows() * e.cols()];
                for (int i = 0; i < m.length; i++) {
                    m[i] = std * (float) rnd.nextGaussian();
                }
                w.matrix(e.name(), type, m);
            }
        }
        w.write(out);
    }
}
