package dev.drafthorse.kernels.heads;

import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.speculative.TopK;
import dev.drafthorse.kernels.tensor.Matmul;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tensor.WeightMatrix;

/**
 * K Medusa heads (Cai et al. 2024) on a base model. From the base model's final, output-normed hidden
 * state h at position i (whose own logits predict the token at i + 1), head k computes a residual block
 * h' = h + SiLU(W_k·h + b_k) and logits Out_k·h', predicting the token at i + 2 + k. Out_k is the head's
 * own matrix or the base model's output matrix; heads sharing it are evaluated in one product, so the
 * large matrix is read once for all of them.
 *
 * <p>Dimension legend: n hidden rows, K heads, D model width, V vocabulary.
 */
public final class MedusaHeads implements Heads {
    private final HeadsFile.Header header;
    private final Model model;
    private final WeightMatrix[] w; // (K) each (D, D)
    private final float[][] b; // (K, D)
    private final WeightMatrix[] out; // (K) each (V, D), null: the base model's output matrix

    MedusaHeads(HeadsFile.Header header, Model model, WeightMatrix[] w, float[][] b, WeightMatrix[] out) {
        this.header = header;
        this.model = model;
        this.w = w;
        this.b = b;
        this.out = out;
    }

    @Override
    public HeadsFile.Header header() {
        return header;
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public int count() {
        return w.length;
    }

    /** Whether head k has its own output matrix (else it shares the base model's). */
    public boolean ownOutput(int k) {
        return out[k] != null;
    }

    /** Bytes of weights read to evaluate every head once (the base output matrix counted once). */
    public long weightBytes() {
        long bytes = 0;
        boolean shared = false;
        for (int k = 0; k < w.length; k++) {
            bytes += w[k].bytes() + b[k].length * 4L;
            if (out[k] != null) {
                bytes += out[k].bytes();
            } else {
                shared = true;
            }
        }
        return bytes + (shared ? model.weights().output.bytes() : 0);
    }

    /**
     * The residual block of head k over n rows: {@code result (n, D) = h + SiLU(W_k·h + b_k)}.
     *
     * @param hidden (n, D) final hidden states of the base model
     */
    public float[] residual(int k, float[] hidden, int n) {
        int d = model.config().dim();
        float[] u = new float[n * d]; // (n, D)
        Matmul.matmul(w[k], hidden, n, u, model.parallel());
        float[] bk = b[k];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < d; i++) {
                float x = u[r * d + i] + bk[i];
                u[r * d + i] = hidden[r * d + i] + x / (1f + (float) Math.exp(-x));
            }
        }
        return u;
    }

    /** Logits (n, V) of head k for n hidden rows (n, D). */
    public float[] logits(int k, float[] hidden, int n) {
        float[] h = residual(k, hidden, n);
        float[] logits = new float[n * model.config().vocab()];
        Matmul.matmul(out[k] != null ? out[k] : model.weights().output, h, n, logits, model.parallel());
        return logits;
    }

    /**
     * Logits of every head for n hidden rows: {@code result[k]} is (n, V). Heads sharing the base output
     * matrix go through it in one product.
     */
    public float[][] logitsAll(float[] hidden, int n) {
        return logitsFirst(hidden, n, w.length);
    }

    /** As {@link #logitsAll} for heads 0..heads−1 only (a tree shallower than the heads needs no more). */
    public float[][] logitsFirst(float[] hidden, int n, int heads) {
        if (heads < 1 || heads > w.length) {
            throw new IllegalArgumentException("heads must be in [1, " + w.length + "], got " + heads);
        }
        int d = model.config().dim();
        int v = model.config().vocab();
        float[][] result = new float[heads][];
        int shared = 0;
        for (int k = 0; k < heads; k++) {
            if (out[k] == null) {
                shared++;
            } else {
                result[k] = logits(k, hidden, n);
            }
        }
        if (shared > 0) {
            float[] stacked = new float[shared * n * d]; // (shared·n, D)
            int s = 0;
            for (int k = 0; k < heads; k++) {
                if (out[k] == null) {
                    System.arraycopy(residual(k, hidden, n), 0, stacked, s * n * d, n * d);
                    s++;
                }
            }
            float[] logits = new float[shared * n * v];
            Parallel par = model.parallel();
            Matmul.matmul(model.weights().output, stacked, shared * n, logits, par);
            s = 0;
            for (int k = 0; k < heads; k++) {
                if (out[k] == null) {
                    result[k] = java.util.Arrays.copyOfRange(logits, s * n * v, (s + 1) * n * v);
                    s++;
                }
            }
        }
        return result;
    }

    /**
     * The candidates of every head for every row: {@code result[row][k]} holds the {@code ranks[k]} most
     * likely tokens of head k, best first (ties to the lower id). Heads with {@code ranks[k] == 0} are
     * skipped (their slot is an empty array).
     */
    public int[][][] top(float[] hidden, int n, int[] ranks) {
        if (ranks.length > w.length) {
            throw new IllegalArgumentException(ranks.length + " heads asked for, the file has " + w.length);
        }
        int v = model.config().vocab();
        float[][] logits = logitsFirst(hidden, n, ranks.length);
        int[][][] result = new int[n][ranks.length][];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < ranks.length; k++) {
                result[r][k] = ranks[k] == 0 ? new int[0] : TopK.indices(logits[k], r * v, v, ranks[k]);
            }
        }
        return result;
    }
}
