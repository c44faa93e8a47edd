package dev.drafthorse.kernels.train;

import dev.drafthorse.kernels.tensor.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Multi-token-prediction modules (Gloeckle et al. 2024; DeepSeek-V3): D sequential modules sharing the
 * base's embedding and output matrix. Module d (0-based) at position i combines the previous depth's
 * representation h^{d−1}_i (h^{−1} = the base's final hidden state h_i) with the embedding of token
 * t_{i+d+1}, and predicts t_{i+d+2}:
 *
 * <pre>
 *   c   = [RMSNorm(h^{d−1}_i; hnorm) ; RMSNorm(Emb(t_{i+d+1}); enorm)]     (2D)
 *   x   = P·c                                                              (D)
 *   h^d = Block(x)   one llama block over the positions of the sequence,   (D)
 *                    causal attention, RoPE at position i
 *   logits = Out · RMSNorm(h^d; norm)                                      (V)
 * </pre>
 *
 * Block(x): x1 = x + Wo·attn(rope(Wq·a), rope(Wk·a), Wv·a) with a = RMSNorm(x; attn_norm);
 * h = x1 + Wdown·(SiLU(Wgate·m) ⊙ Wup·m) with m = RMSNorm(x1; ffn_norm). Shapes are the base's blocks'.
 *
 * <p>Initialization: P = [I | small noise], so module 0 starts from the base's own hidden state (its
 * argmax is the base's next-token guess); the block's output projections start small, so the residual
 * stream passes through. The gradient flows from each module back into the previous one.
 */
public final class MtpTrainer extends TrainableHeads {
    private static final int CHUNK = 64;

    private final int depth;
    private final Module[] modules;
    private final List<Param> params = new ArrayList<>();

    /** One module's tensors, named as in the heads file. */
    private final class Module {
        final Param hnorm, enorm, proj, attnNorm, wq, wk, wv, wo, ffnNorm, gate, up, down, norm;

        Module(int d) {
            int dim = base.dim();
            String p = "mtp." + d + ".";
            hnorm = add(new Param(p + "hnorm.weight", 1, dim, false));
            enorm = add(new Param(p + "enorm.weight", 1, dim, false));
            proj = add(new Param(p + "proj.weight", dim, 2 * dim, true));
            attnNorm = add(new Param(p + "attn_norm.weight", 1, dim, false));
            wq = add(new Param(p + "attn_q.weight", base.qDim(), dim, true));
            wk = add(new Param(p + "attn_k.weight", base.kvDim(), dim, true));
            wv = add(new Param(p + "attn_v.weight", base.kvDim(), dim, true));
            wo = add(new Param(p + "attn_output.weight", dim, base.qDim(), true));
            ffnNorm = add(new Param(p + "ffn_norm.weight", 1, dim, false));
            gate = add(new Param(p + "ffn_gate.weight", base.ffn(), dim, true));
            up = add(new Param(p + "ffn_up.weight", base.ffn(), dim, true));
            down = add(new Param(p + "ffn_down.weight", dim, base.ffn(), true));
            norm = add(new Param(p + "norm.weight", 1, dim, false));
        }

        private Param add(Param q) {
            params.add(q);
            return q;
        }
    }

    /** @param depth modules D, at least 1 */
    public MtpTrainer(Base base, int depth, long seed) {
        super(base);
        if (depth < 1) {
            throw new IllegalArgumentException("heads (MTP depth) must be >= 1, got " + depth);
        }
        this.depth = depth;
        modules = new Module[depth];
        for (int d = 0; d < depth; d++) {
            modules[d] = new Module(d);
        }
        Random rnd = new Random(seed);
        int dim = base.dim();
        for (Module m : modules) {
            for (Param n : List.of(m.hnorm, m.enorm, m.attnNorm, m.ffnNorm, m.norm)) {
                java.util.Arrays.fill(n.master, 1f);
            }
            for (int r = 0; r < dim; r++) {
                m.proj.master[r * 2 * dim + r] = 1f;
                for (int c = dim; c < 2 * dim; c++) {
                    m.proj.master[r * 2 * dim + c] = (float) (rnd.nextGaussian() * 0.1 / Math.sqrt(dim));
                }
            }
            gaussian(m.wq, rnd, 1 / Math.sqrt(dim));
            gaussian(m.wk, rnd, 1 / Math.sqrt(dim));
            gaussian(m.wv, rnd, 1 / Math.sqrt(dim));
            gaussian(m.gate, rnd, 1 / Math.sqrt(dim));
            gaussian(m.up, rnd, 1 / Math.sqrt(dim));
            gaussian(m.wo, rnd, 0.1 / Math.sqrt(base.qDim()));
            gaussian(m.down, rnd, 0.1 / Math.sqrt(base.ffn()));
        }
    }

    private static void gaussian(Param p, Random rnd, double std) {
        for (int i = 0; i < p.master.length; i++) {
            p.master[i] = (float) (rnd.nextGaussian() * std);
        }
    }

    @Override
    public String kind() {
        return "mtp";
    }

    @Override
    public int count() {
        return depth;
    }

    @Override
    public List<Param> params() {
        return params;
    }

    /** One module's activations over one sequence (L rows), kept for the backward. */
    private static final class Act {
        int rows;
        double[] hin, sH, hn, e, sE, en, c, x, sA, a, q, k, v, p, o, x1, sM, mm, g, u, zf, x2;
        double[] dx2; // (L, D) gradient arriving at h^d
        double[] sY, dyNorm; // the output norm's scales and the loss gradient at its output
    }

    @Override
    public Loss pass(List<TrainingSequence> batch, double lossScale, Rounding rd, double[][] grads, Parallel par) {
        long[] targets = new long[depth];
        for (TrainingSequence s : batch) {
            for (int d = 0; d < depth; d++) {
                targets[d] += Math.max(0, s.length() - d - 2 - s.start());
            }
        }
        double[] lossSum = new double[depth];
        long[] correct = new long[depth];
        double[][] acc = grads == null ? null : new double[params.size()][];
        if (acc != null) {
            for (int i = 0; i < acc.length; i++) {
                acc[i] = new double[params.get(i).size()];
            }
        }
        for (TrainingSequence s : batch) {
            Act[] acts = new Act[depth];
            double[] prev = null;
            for (int d = 0; d < depth; d++) {
                int rows = s.length() - d - 2;
                if (rows <= 0) {
                    break;
                }
                double g = targets[d] == 0 ? 0 : lossScale / ((double) depth * targets[d]);
                acts[d] = forward(d, s, prev, rows, rd, g, lossSum, correct, grads != null, par);
                prev = acts[d].x2;
            }
            if (grads == null) {
                continue;
            }
            for (int d = depth - 1; d >= 0; d--) {
                if (acts[d] == null) {
                    continue;
                }
                double[] dhin = backward(d, acts[d], rd, acc, par);
                if (d > 0) {
                    // h^{d−1} has one more row than module d reads.
                    double[] dPrev = acts[d - 1].dx2;
                    for (int i = 0; i < dhin.length; i++) {
                        dPrev[i] += dhin[i];
                    }
                    rd.grad(dPrev);
                }
            }
        }
        if (grads != null) {
            for (int i = 0; i < acc.length; i++) {
                rd.grad(acc[i]);
                MedusaTrainer.add(grads[i], acc[i]);
            }
        }
        return loss(lossSum, targets, correct);
    }

    private Act forward(
            int d,
            TrainingSequence s,
            double[] prev,
            int rows,
            Rounding rd,
            double g,
            double[] lossSum,
            long[] correct,
            boolean backward,
            Parallel par) {
        Module m = modules[d];
        int dim = base.dim();
        int v = base.vocab();
        double eps = base.rmsEps();
        Act a = new Act();
        a.rows = rows;
        a.hin = new double[rows * dim];
        a.e = new double[rows * dim];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < dim; j++) {
                a.hin[i * dim + j] = prev == null ? s.hidden()[i * dim + j] : prev[i * dim + j];
            }
            System.arraycopy(base.embedding(), s.tokens()[i + d + 1] * dim, a.e, i * dim, dim);
        }
        rd.act(a.hin);
        rd.act(a.e);
        a.hn = new double[rows * dim];
        a.en = new double[rows * dim];
        a.sH = Ops.rmsnorm(a.hin, m.hnorm.work, a.hn, rows, dim, eps);
        a.sE = Ops.rmsnorm(a.e, m.enorm.work, a.en, rows, dim, eps);
        rd.act(a.hn);
        rd.act(a.en);
        a.c = new double[rows * 2 * dim];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(a.hn, i * dim, a.c, i * 2 * dim, dim);
            System.arraycopy(a.en, i * dim, a.c, i * 2 * dim + dim, dim);
        }
        a.x = new double[rows * dim];
        Ops.linear(a.c, rows, 2 * dim, m.proj.work, null, dim, a.x, par);
        rd.act(a.x);

        // Attention sub-block.
        int qd = base.qDim();
        int kvd = base.kvDim();
        a.a = new double[rows * dim];
        a.sA = Ops.rmsnorm(a.x, m.attnNorm.work, a.a, rows, dim, eps);
        rd.act(a.a);
        a.q = new double[rows * qd];
        a.k = new double[rows * kvd];
        a.v = new double[rows * kvd];
        Ops.linear(a.a, rows, dim, m.wq.work, null, qd, a.q, par);
        Ops.linear(a.a, rows, dim, m.wk.work, null, kvd, a.k, par);
        Ops.linear(a.a, rows, dim, m.wv.work, null, kvd, a.v, par);
        for (int i = 0; i < rows; i++) {
            rope(a.q, i * qd, base.heads(), i, false);
            rope(a.k, i * kvd, base.kvHeads(), i, false);
        }
        rd.act(a.q);
        rd.act(a.k);
        rd.act(a.v);
        a.p = new double[base.heads() * rows * rows];
        a.o = new double[rows * qd];
        attention(a, rows);
        rd.act(a.p);
        rd.act(a.o);
        a.x1 = new double[rows * dim];
        Ops.linear(a.o, rows, qd, m.wo.work, null, dim, a.x1, par);
        for (int i = 0; i < rows * dim; i++) {
            a.x1[i] += a.x[i];
        }
        rd.act(a.x1);

        // Feed-forward sub-block.
        int f = base.ffn();
        a.mm = new double[rows * dim];
        a.sM = Ops.rmsnorm(a.x1, m.ffnNorm.work, a.mm, rows, dim, eps);
        rd.act(a.mm);
        a.g = new double[rows * f];
        a.u = new double[rows * f];
        Ops.linear(a.mm, rows, dim, m.gate.work, null, f, a.g, par);
        Ops.linear(a.mm, rows, dim, m.up.work, null, f, a.u, par);
        rd.act(a.g);
        rd.act(a.u);
        a.zf = new double[rows * f];
        for (int i = 0; i < rows * f; i++) {
            a.zf[i] = Ops.silu(a.g[i]) * a.u[i];
        }
        rd.act(a.zf);
        a.x2 = new double[rows * dim];
        Ops.linear(a.zf, rows, f, m.down.work, null, dim, a.x2, par);
        for (int i = 0; i < rows * dim; i++) {
            a.x2[i] += a.x1[i];
        }
        rd.act(a.x2);

        // Loss: logits = Out · RMSNorm(h^d; norm) for rows i >= start, target t_{i+d+2}; its gradient
        // with respect to h^d is ready now, since nothing later reads these logits.
        double[] y = new double[rows * dim];
        double[] sY = Ops.rmsnorm(a.x2, m.norm.work, y, rows, dim, eps);
        rd.act(y);
        double[] dy = backward ? new double[rows * dim] : null;
        for (int c0 = s.start(); c0 < rows; c0 += CHUNK) {
            int n = Math.min(CHUNK, rows - c0);
            double[] yc = java.util.Arrays.copyOfRange(y, c0 * dim, (c0 + n) * dim);
            double[] logits = new double[n * v];
            Ops.linear(yc, n, dim, base.output(), null, v, logits, par);
            rd.act(logits);
            double[] dl = backward ? new double[n * v] : null;
            for (int i = 0; i < n; i++) {
                int t = s.tokens()[c0 + i + d + 2];
                lossSum[d] += Ops.crossEntropy(logits, i * v, v, t, g, dl, i * v);
                if (Ops.argmax(logits, i * v, v) == t) {
                    correct[d]++;
                }
            }
            if (backward) {
                rd.grad(dl);
                double[] dyc = new double[n * dim];
                Ops.linearBackward(yc, dl, n, dim, v, base.output(), dyc, null, null, par);
                System.arraycopy(dyc, 0, dy, c0 * dim, n * dim);
            }
        }
        if (backward) {
            rd.grad(dy);
            a.dx2 = new double[rows * dim];
            a.sY = sY;
            a.dyNorm = dy;
        }
        return a;
    }

    /** Causal softmax attention per query head over the sequence's rows; P (H, L, L) kept for the backward. */
    private void attention(Act a, int rows) {
        int hd = base.headDim();
        int qd = base.qDim();
        int kvd = base.kvDim();
        int group = base.heads() / base.kvHeads();
        double scale = 1 / Math.sqrt(hd);
        for (int h = 0; h < base.heads(); h++) {
            int kh = h / group;
            for (int i = 0; i < rows; i++) {
                int pOff = (h * rows + i) * rows;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double sc = 0;
                    for (int c = 0; c < hd; c++) {
                        sc += a.q[i * qd + h * hd + c] * a.k[j * kvd + kh * hd + c];
                    }
                    a.p[pOff + j] = sc * scale;
                    max = Math.max(max, sc * scale);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    a.p[pOff + j] = Math.exp(a.p[pOff + j] - max);
                    sum += a.p[pOff + j];
                }
                for (int j = 0; j <= i; j++) {
                    a.p[pOff + j] /= sum;
                    for (int c = 0; c < hd; c++) {
                        a.o[i * qd + h * hd + c] += a.p[pOff + j] * a.v[j * kvd + kh * hd + c];
                    }
                }
            }
        }
    }

    /** Rotates each head's pairs by position·freq (the base's RoPE), or back for the backward. */
    private void rope(double[] x, int off, int nHeads, int pos, boolean inverse) {
        int hd = base.headDim();
        double[] freqs = base.ropeFreqs();
        int half = freqs.length;
        for (int h = 0; h < nHeads; h++) {
            int b0 = off + h * hd;
            for (int i = 0; i < half; i++) {
                int ia = base.ropeNeox() ? b0 + i : b0 + 2 * i;
                int ib = base.ropeNeox() ? b0 + i + half : b0 + 2 * i + 1;
                // The base computes the angle in double and rounds cos/sin to float; so do we.
                double theta = pos * freqs[i];
                double c = (float) Math.cos(theta);
                double s = inverse ? -(float) Math.sin(theta) : (float) Math.sin(theta);
                double x0 = x[ia];
                double x1 = x[ib];
                x[ia] = x0 * c - x1 * s;
                x[ib] = x0 * s + x1 * c;
            }
        }
    }

    /**
     * Backpropagates module d over one sequence, adding its parameter gradients into acc (unrounded
     * accumulators, one per param), and returns the gradient at its input h^{d−1} (L, D).
     */
    private double[] backward(int d, Act a, Rounding rd, double[][] acc, Parallel par) {
        Module m = modules[d];
        int rows = a.rows;
        int dim = base.dim();
        int qd = base.qDim();
        int kvd = base.kvDim();
        int f = base.ffn();
        // Output norm: the loss's gradient joins the one from module d + 1.
        Ops.rmsnormBackward(a.x2, m.norm.work, a.sY, a.dyNorm, rows, dim, a.dx2, acc(acc, m.norm));
        rd.grad(a.dx2);
        double[] dx1 = a.dx2.clone(); // residual

        // Feed-forward: x2 = x1 + Wdown·zf, zf = SiLU(g) ⊙ u.
        double[] dzf = new double[rows * f];
        Ops.linearBackward(a.zf, a.dx2, rows, f, dim, m.down.work, dzf, acc(acc, m.down), null, par);
        rd.grad(dzf);
        double[] dg = new double[rows * f];
        double[] du = new double[rows * f];
        for (int i = 0; i < rows * f; i++) {
            dg[i] = dzf[i] * a.u[i] * Ops.siluGrad(a.g[i]);
            du[i] = dzf[i] * Ops.silu(a.g[i]);
        }
        rd.grad(dg);
        rd.grad(du);
        double[] dmm = new double[rows * dim];
        Ops.linearBackward(a.mm, dg, rows, dim, f, m.gate.work, dmm, acc(acc, m.gate), null, par);
        Ops.linearBackward(a.mm, du, rows, dim, f, m.up.work, dmm, acc(acc, m.up), null, par);
        rd.grad(dmm);
        Ops.rmsnormBackward(a.x1, m.ffnNorm.work, a.sM, dmm, rows, dim, dx1, acc(acc, m.ffnNorm));
        rd.grad(dx1);

        // Attention: x1 = x + Wo·o.
        double[] dx = dx1.clone(); // residual
        double[] dout = new double[rows * qd];
        Ops.linearBackward(a.o, dx1, rows, qd, dim, m.wo.work, dout, acc(acc, m.wo), null, par);
        rd.grad(dout);
        double[] dq = new double[rows * qd];
        double[] dk = new double[rows * kvd];
        double[] dv = new double[rows * kvd];
        attentionBackward(a, rows, dout, dq, dk, dv);
        for (int i = 0; i < rows; i++) {
            rope(dq, i * qd, base.heads(), i, true);
            rope(dk, i * kvd, base.kvHeads(), i, true);
        }
        rd.grad(dq);
        rd.grad(dk);
        rd.grad(dv);
        double[] da = new double[rows * dim];
        Ops.linearBackward(a.a, dq, rows, dim, qd, m.wq.work, da, acc(acc, m.wq), null, par);
        Ops.linearBackward(a.a, dk, rows, dim, kvd, m.wk.work, da, acc(acc, m.wk), null, par);
        Ops.linearBackward(a.a, dv, rows, dim, kvd, m.wv.work, da, acc(acc, m.wv), null, par);
        rd.grad(da);
        Ops.rmsnormBackward(a.x, m.attnNorm.work, a.sA, da, rows, dim, dx, acc(acc, m.attnNorm));
        rd.grad(dx);

        // Projection of [hn ; en].
        double[] dc = new double[rows * 2 * dim];
        Ops.linearBackward(a.c, dx, rows, 2 * dim, dim, m.proj.work, dc, acc(acc, m.proj), null, par);
        rd.grad(dc);
        double[] dhn = new double[rows * dim];
        double[] den = new double[rows * dim];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(dc, i * 2 * dim, dhn, i * dim, dim);
            System.arraycopy(dc, i * 2 * dim + dim, den, i * dim, dim);
        }
        Ops.rmsnormBackward(a.e, m.enorm.work, a.sE, den, rows, dim, null, acc(acc, m.enorm)); // embedding frozen
        double[] dhin = d > 0 ? new double[rows * dim] : null; // the base's hidden state is frozen
        Ops.rmsnormBackward(a.hin, m.hnorm.work, a.sH, dhn, rows, dim, dhin, acc(acc, m.hnorm));
        return dhin;
    }

    private double[] acc(double[][] acc, Param p) {
        return acc[params.indexOf(p)];
    }

    private void attentionBackward(Act a, int rows, double[] dout, double[] dq, double[] dk, double[] dv) {
        int hd = base.headDim();
        int qd = base.qDim();
        int kvd = base.kvDim();
        int group = base.heads() / base.kvHeads();
        double scale = 1 / Math.sqrt(hd);
        double[] dp = new double[rows];
        for (int h = 0; h < base.heads(); h++) {
            int kh = h / group;
            for (int i = 0; i < rows; i++) {
                int pOff = (h * rows + i) * rows;
                double dot = 0;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int c = 0; c < hd; c++) {
                        s += dout[i * qd + h * hd + c] * a.v[j * kvd + kh * hd + c];
                        dv[j * kvd + kh * hd + c] += a.p[pOff + j] * dout[i * qd + h * hd + c];
                    }
                    dp[j] = s;
                    dot += a.p[pOff + j] * s;
                }
                for (int j = 0; j <= i; j++) {
                    double ds = a.p[pOff + j] * (dp[j] - dot) * scale;
                    for (int c = 0; c < hd; c++) {
                        dq[i * qd + h * hd + c] += ds * a.k[j * kvd + kh * hd + c];
                        dk[j * kvd + kh * hd + c] += ds * a.q[i * qd + h * hd + c];
                    }
                }
            }
        }
    }

    /**
     * Module d's logits (V) at every position of one sequence, teacher-forced: row i predicts token
     * t_{i+d+2}. For evaluation and checks against the decoder.
     */
    public double[][] logits(TrainingSequence s, int d) {
        double[] prev = null;
        Act a = null;
        double[] sum = new double[depth];
        long[] correct = new long[depth];
        Rounding rd = new Rounding(Precision.F64);
        for (int e = 0; e <= d; e++) {
            int rows = s.length() - e - 2;
            if (rows <= 0) {
                return new double[0][];
            }
            a = forward(
                    e,
                    new TrainingSequence(s.tokens(), s.hidden(), s.length() - 1),
                    prev,
                    rows,
                    rd,
                    0,
                    sum,
                    correct,
                    false,
                    MedusaTrainer.SERIAL);
            prev = a.x2;
        }
        int dim = base.dim();
        double[] y = new double[a.rows * dim];
        Ops.rmsnorm(a.x2, modules[d].norm.work, y, a.rows, dim, base.rmsEps());
        double[][] out = new double[a.rows][base.vocab()];
        for (int i = 0; i < a.rows; i++) {
            Ops.linear(
                    java.util.Arrays.copyOfRange(y, i * dim, (i + 1) * dim),
                    1,
                    dim,
                    base.output(),
                    null,
                    base.vocab(),
                    out[i],
                    MedusaTrainer.SERIAL);
        }
        return out;
    }

    /**
     * Teacher-forced argmax predictions over one sequence: pred[d][i] is module d's guess of token
     * t_{i+d+2} at position i (−1 where the sequence is too short). For evaluation.
     */
    public int[][] predict(TrainingSequence s) {
        int[][] pred = new int[depth][];
        double[] prev = null;
        Rounding rd = new Rounding(Precision.F64);
        double[] sum = new double[depth];
        long[] correct = new long[depth];
        for (int d = 0; d < depth; d++) {
            int rows = s.length() - d - 2;
            pred[d] = new int[Math.max(0, rows)];
            if (rows <= 0) {
                continue;
            }
            Act a = forward(
                    d,
                    new TrainingSequence(s.tokens(), s.hidden(), 0),
                    prev,
                    rows,
                    rd,
                    0,
                    sum,
                    correct,
                    false,
                    MedusaTrainer.SERIAL);
            prev = a.x2;
            int dim = base.dim();
            double[] y = new double[rows * dim];
            Ops.rmsnorm(a.x2, modules[d].norm.work, y, rows, dim, base.rmsEps());
            double[] logits = new double[base.vocab()];
            for (int i = 0; i < rows; i++) {
                Ops.linear(
                        java.util.Arrays.copyOfRange(y, i * dim, (i + 1) * dim),
                        1,
                        dim,
                        base.output(),
                        null,
                        base.vocab(),
                        logits,
                        MedusaTrainer.SERIAL);
                pred[d][i] = Ops.argmax(logits, 0, base.vocab());
            }
        }
        return pred;
    }
}
