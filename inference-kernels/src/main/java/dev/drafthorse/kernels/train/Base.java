package dev.drafthorse.kernels.train;

import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.ModelConfig;
import dev.drafthorse.kernels.tensor.WeightMatrix;

/**
 * What the heads read from the frozen base model: its output matrix and token embedding (widened to
 * double once), and the block shape and RoPE of its layers (which MTP modules copy).
 *
 * @param architecture the base's {@code general.architecture}
 * @param dim D
 * @param vocab V
 * @param heads H query heads
 * @param kvHeads KvH key/value heads
 * @param headDim Hd
 * @param ffn F
 * @param rmsEps RMSNorm epsilon
 * @param ropeFreqs (ropeDims/2) angular frequency of each rotated pair, as the base's forward pass computes them
 * @param ropeNeox NeoX pairing (i, i + ropeDims/2) rather than (2i, 2i + 1)
 * @param output (V, D) the base's output matrix
 * @param embedding (V, D) the base's token embedding
 */
public record Base(
        String architecture,
        int dim,
        int vocab,
        int heads,
        int kvHeads,
        int headDim,
        int ffn,
        double rmsEps,
        double[] ropeFreqs,
        boolean ropeNeox,
        double[] output,
        double[] embedding) {

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    /** The frozen parts of a loaded model. */
    public static Base of(Model model) {
        ModelConfig c = model.config();
        int half = c.ropeDims() / 2;
        double[] freqs = new double[half];
        float[] factors = model.weights().ropeFreqFactors;
        for (int i = 0; i < half; i++) {
            // Model computes the frequency in double and keeps it as a float; so do we.
            double f = Math.pow(c.ropeBase(), -2.0 * i / c.ropeDims()) / c.ropeLinearFactor();
            if (factors != null) {
                f /= factors[i];
            }
            freqs[i] = (float) f;
        }
        return new Base(
                c.architecture(),
                c.dim(),
                c.vocab(),
                c.heads(),
                c.kvHeads(),
                c.headDim(),
                c.ffn(),
                c.rmsEps(),
                freqs,
                c.ropeNeox(),
                widen(model.weights().output),
                widen(model.weights().tokenEmbedding));
    }

    private static double[] widen(WeightMatrix m) {
        double[] out = new double[m.rows() * m.cols()];
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.row(r, row, 0);
            for (int i = 0; i < row.length; i++) {
                out[r * row.length + i] = row[i];
            }
        }
        return out;
    }
}
