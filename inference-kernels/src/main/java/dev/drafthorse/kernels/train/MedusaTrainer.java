package dev.drafthorse.kernels.train;

import dev.drafthorse.kernels.tensor.Parallel;
import java.util.ArrayList;
import java.util.List;

/**
 * Medusa heads (Cai et al. 2024): head k maps the base's final hidden state h_i (whose base logits
 * predict token i + 1) to a prediction of token i + 2 + k through one residual block and a vocabulary
 * projection:
 *
 * <pre>
 *   z = W_k·h + b_k          (D)
 *   h' = h + SiLU(z)         (D)
 *   logits = U_k·h'          (V)   U_k = the base output matrix (frozen) or the head's own
 * </pre>
 *
 * <p>W_k and b_k start at zero, so an untrained head is the identity and proposes the base's own
 * next-token guess (Medusa's initialization): training starts from a sensible draft, not from noise.
 * Tensors: {@code medusa.{k}.weight} (D, D), {@code medusa.{k}.bias} (D), and with own projections
 * {@code medusa.{k}.output.weight} (V, D).
 */
public final class MedusaTrainer extends TrainableHeads {
    private static final int CHUNK = 64; // rows per vocabulary projection: bounds the (rows, V) logits buffer

    private final int k;
    private final boolean ownOutput;
    private final Param[] w; // (K) (D, D)
    private final Param[] b; // (K) (D)
    private final Param[] out; // (K) (V, D) or null
    private final List<Param> params = new ArrayList<>();

    /**
     * @param k heads, at least 1
     * @param ownOutput true for a vocabulary projection per head (initialized from the base's), false to
     *     share the base's frozen output matrix
     */
    public MedusaTrainer(Base base, int k, boolean ownOutput) {
        super(base);
        if (k < 1) {
            throw new IllegalArgumentException("heads must be >= 1, got " + k);
        }
        this.k = k;
        this.ownOutput = ownOutput;
        int d = base.dim();
        w = new Param[k];
        b = new Param[k];
        out = new Param[k];
        for (int h = 0; h < k; h++) {
            w[h] = new Param("medusa." + h + ".weight", d, d, true);
            b[h] = new Param("medusa." + h + ".bias", 1, d, false);
            params.add(w[h]);
            params.add(b[h]);
            if (ownOutput) {
                out[h] = new Param("medusa." + h + ".output.weight", base.vocab(), d, true);
                for (int i = 0; i < base.output().length; i++) {
                    out[h].master[i] = (float) base.output()[i];
                }
                params.add(out[h]);
            }
        }
    }

    @Override
    public String kind() {
        return "medusa";
    }

    @Override
    public int count() {
        return k;
    }

    public boolean ownOutput() {
        return ownOutput;
    }

    @Override
    public List<Param> params() {
        return params;
    }

    @Override
    public Loss pass(List<TrainingSequence> batch, double lossScale, Rounding rd, double[][] grads, Parallel par) {
        int d = base.dim();
        int v = base.vocab();
        // Rows: every trained position i with at least head 0's target (token i + 2).
        int rows = 0;
        for (TrainingSequence s : batch) {
            rows += Math.max(0, s.length() - 1 - s.start() - 1);
        }
        double[] h = new double[rows * d]; // (R, D) base hidden states
        int[][] target = new int[k][rows]; // (K, R) token i + 2 + k, or -1 past the end
        long[] targets = new long[k];
        int r = 0;
        for (TrainingSequence s : batch) {
            for (int i = s.start(); i + 2 < s.length(); i++, r++) {
                for (int j = 0; j < d; j++) {
                    h[r * d + j] = s.hidden()[i * d + j];
                }
                for (int hd = 0; hd < k; hd++) {
                    int t = i + 2 + hd;
                    target[hd][r] = t < s.length() ? s.tokens()[t] : -1;
                    if (t < s.length()) {
                        targets[hd]++;
                    }
                }
            }
        }
        rd.act(h);
        double[] lossSum = new double[k];
        long[] correct = new long[k];
        double[] z = new double[rows * d];
        double[] hp = new double[rows * d];
        for (int hd = 0; hd < k; hd++) {
            double[] wk = w[hd].work;
            double[] uk = ownOutput ? out[hd].work : base.output();
            Ops.linear(h, rows, d, wk, b[hd].work, d, z, par);
            rd.act(z);
            for (int i = 0; i < rows * d; i++) {
                hp[i] = Ops.silu(z[i]);
            }
            rd.act(hp);
            for (int i = 0; i < rows * d; i++) {
                hp[i] += h[i];
            }
            rd.act(hp);
            double g = targets[hd] == 0 ? 0 : lossScale / ((double) k * targets[hd]);
            double[] dhp = grads == null ? null : new double[rows * d];
            double[] dOut = grads == null || !ownOutput ? null : new double[v * d];
            for (int c0 = 0; c0 < rows; c0 += CHUNK) {
                int n = Math.min(CHUNK, rows - c0);
                double[] x = java.util.Arrays.copyOfRange(hp, c0 * d, (c0 + n) * d);
                double[] logits = new double[n * v];
                Ops.linear(x, n, d, uk, null, v, logits, par);
                rd.act(logits);
                double[] dl = grads == null ? null : new double[n * v];
                for (int i = 0; i < n; i++) {
                    int t = target[hd][c0 + i];
                    if (t >= 0) {
                        lossSum[hd] += Ops.crossEntropy(logits, i * v, v, t, g, dl, i * v);
                        if (Ops.argmax(logits, i * v, v) == t) {
                            correct[hd]++;
                        }
                    }
                }
                if (grads != null) {
                    rd.grad(dl);
                    double[] dx = new double[n * d];
                    Ops.linearBackward(x, dl, n, d, v, uk, dx, dOut, null, par);
                    System.arraycopy(dx, 0, dhp, c0 * d, n * d);
                }
            }
            if (grads == null) {
                continue;
            }
            rd.grad(dhp);
            // h' = h + SiLU(z): dz = dh' ⊙ SiLU'(z); h is the frozen base's, so dh is not needed.
            double[] dz = dhp;
            for (int i = 0; i < rows * d; i++) {
                dz[i] = dhp[i] * Ops.siluGrad(z[i]);
            }
            rd.grad(dz);
            double[] dw = grads[params.indexOf(w[hd])];
            double[] db = grads[params.indexOf(b[hd])];
            double[] dwk = new double[d * d];
            double[] dbk = new double[d];
            Ops.linearBackward(h, dz, rows, d, d, wk, null, dwk, dbk, par);
            rd.grad(dwk);
            rd.grad(dbk);
            add(dw, dwk);
            add(db, dbk);
            if (dOut != null) {
                rd.grad(dOut);
                add(grads[params.indexOf(out[hd])], dOut);
            }
        }
        return loss(lossSum, targets, correct);
    }

    static void add(double[] acc, double[] x) {
        for (int i = 0; i < x.length; i++) {
            acc[i] += x[i];
        }
    }

    /** Head k's logits for one hidden state h (D) at the working weights: for evaluation. */
    public double[] logits(int head, float[] hidden, int off) {
        int d = base.dim();
        double[] h = new double[d];
        for (int j = 0; j < d; j++) {
            h[j] = hidden[off + j];
        }
        double[] z = new double[d];
        Ops.linear(h, 1, d, w[head].work, b[head].work, d, z, SERIAL);
        for (int j = 0; j < d; j++) {
            z[j] = h[j] + Ops.silu(z[j]);
        }
        double[] logits = new double[base.vocab()];
        Ops.linear(z, 1, d, ownOutput ? out[head].work : base.output(), null, base.vocab(), logits, SERIAL);
        return logits;
    }

    static final Parallel SERIAL = new Parallel(1);
}
