package dev.drafthorse.kernels.heads;

import dev.drafthorse.kernels.attention.AttentionMask;
import dev.drafthorse.kernels.attention.F16KvStore;
import dev.drafthorse.kernels.attention.F32KvStore;
import dev.drafthorse.kernels.attention.KvStore;
import dev.drafthorse.kernels.attention.TiledAttention;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.ModelConfig;
import dev.drafthorse.kernels.model.ModelWeights;
import dev.drafthorse.kernels.tensor.FloatOps;
import dev.drafthorse.kernels.tensor.Matmul;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tensor.WeightMatrix;
import java.util.Arrays;
import java.util.List;

/**
 * D sequential multi-token-prediction modules (DeepSeek-V3 style) on a base model, sharing its token
 * embedding and output matrix.
 *
 * <p>Module d (0-based) at position i combines the previous depth's representation h^d_i (h^0 = the base
 * model's final, output-normed hidden state) with the embedding of the token at i + d + 1:
 * x = Proj_d·[RMSNorm(h^d_i; hnorm_d) ; RMSNorm(Emb(t_{i+d+1}); enorm_d)], then one transformer block of
 * the base model's shape (causal attention over the module's own KV cache, RoPE at position i) gives
 * h^{d+1}_i, and logits Out·RMSNorm(h^{d+1}_i; norm_d) predict t_{i+d+2}. Chained from the last verified
 * position, the modules draft D tokens after the target's own next token.
 *
 * <p><b>Keeping the modules' caches in step.</b> Module d's cache entry at position j is exact once the
 * token t_{j+d+1} it reads is committed (j ≤ n − 2 − d for n committed tokens); entries past that read
 * drafted tokens and are provisional. Each {@link #step} computes module d's rows from its first
 * non-exact position up to the last position i = n − 2, keeps the exact ones (their outputs feed module
 * d + 1 later), and rolls the provisional ones back so the next round recomputes them from what the
 * target accepted. So whatever the acceptance, every module attends over exactly the entries training
 * saw for the committed text.
 *
 * <p>Dimension legend: N rows in a step (over all sequences), D model width, F feed-forward width,
 * V vocabulary.
 */
public final class MtpModules implements Heads {
    /**
     * One module's weights.
     *
     * @param hnorm (D) RMSNorm weight of the previous depth's representation
     * @param enorm (D) RMSNorm weight of the token embedding
     * @param proj (D, 2D) projection of [normed h ; normed embedding]
     * @param block the transformer block, shaped as the base model's
     * @param norm (D) final RMSNorm weight before the shared output matrix
     */
    public record Module(float[] hnorm, float[] enorm, WeightMatrix proj, ModelWeights.Layer block, float[] norm) {}

    private final HeadsFile.Header header;
    private final Model model;
    private final ModelConfig c;
    private final Module[] modules;
    private final float[] ropeFreqs; // (ropeDims/2), as the base model's
    private final TiledAttention attention = new TiledAttention();

    MtpModules(HeadsFile.Header header, Model model, Module[] modules) {
        this.header = header;
        this.model = model;
        this.c = model.config();
        this.modules = modules;
        int half = c.ropeDims() / 2;
        ropeFreqs = new float[half];
        float[] factors = model.weights().ropeFreqFactors;
        for (int i = 0; i < half; i++) {
            double f = Math.pow(c.ropeBase(), -2.0 * i / c.ropeDims()) / c.ropeLinearFactor();
            if (factors != null) {
                f /= factors[i];
            }
            ropeFreqs[i] = (float) f;
        }
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
        return modules.length;
    }

    public Module module(int d) {
        return modules[d];
    }

    /** Bytes of weights one module reads per step (its block and projection; the output matrix is shared). */
    public long moduleWeightBytes(int d) {
        ModelWeights.Layer l = modules[d].block();
        return modules[d].proj().bytes()
                + l.wq.bytes()
                + l.wk.bytes()
                + l.wv.bytes()
                + l.wo.bytes()
                + l.gate.bytes()
                + l.up.bytes()
                + l.down.bytes()
                + model.weights().output.bytes();
    }

    /** A new per-sequence state: one KV cache per module and the hidden rows not yet consumed. */
    public State newState(KvType type, int maxPositions) {
        return new State(type, maxPositions);
    }

    /**
     * One sequence's module caches and pending hidden rows. Feed it the base model's hidden state of every
     * position as the target computes it ({@link #commit}), then call {@link MtpModules#step} for modules
     * 0, 1, … in order each round.
     */
    public final class State {
        private final KvStore[] kv; // (D modules) each (positions) keys/values of module d's block
        private final int[] length; // (D) exact entries of module d: positions [0, length[d])
        private final int maxPositions;
        // Exact inputs of module e not consumed yet: h^e for positions [bufStart[e], bufStart[e] + bufRows[e]).
        private final float[][] buf; // (D) each (rows, D)
        private final int[] bufStart;
        private final int[] bufRows;
        // This round's provisional outputs of module d: h^{d+1} for positions [provStart[d], provStart[d] +
        // provRows[d]).
        private final float[][] prov;
        private final int[] provStart;
        private final int[] provRows;

        State(KvType type, int maxPositions) {
            int n = modules.length;
            this.maxPositions = maxPositions;
            kv = new KvStore[n];
            for (int d = 0; d < n; d++) {
                int cap = Math.min(maxPositions, 64);
                kv[d] = type == KvType.F16
                        ? new F16KvStore(c.kvHeads(), c.headDim(), cap)
                        : new F32KvStore(c.kvHeads(), c.headDim(), cap);
            }
            length = new int[n];
            buf = new float[n][0];
            bufStart = new int[n];
            bufRows = new int[n];
            prov = new float[n][0];
            provStart = new int[n];
            provRows = new int[n];
        }

        /**
         * Appends the base model's final hidden states of the next {@code rows} positions (after those already
         * committed), from {@code hidden[off·D …]}.
         */
        public void commit(float[] hidden, int off, int rows) {
            int d = c.dim();
            float[] b = Arrays.copyOf(buf[0], (bufRows[0] + rows) * d);
            System.arraycopy(hidden, off * d, b, bufRows[0] * d, rows * d);
            buf[0] = b;
            bufRows[0] += rows;
        }

        /** Positions whose base hidden state is known (the next commit is for this position). */
        public int committedPositions() {
            return bufStart[0] + bufRows[0];
        }

        /** Exact cache entries of module d. */
        public int moduleLength(int d) {
            return length[d];
        }
    }

    /**
     * Runs module {@code d} for every state, over its rows from its first non-exact position to the last
     * position i = n − 2 of each sequence, and returns each sequence's logits (V) at i, which predict the
     * token at n + d. Modules 0..d−1 must have run in this round for these states.
     *
     * @param states the sequences' states
     * @param tokens each sequence's committed tokens, [0, totals[s]) valid; the last is the target's own
     *     next token (not yet fed to the target)
     * @param totals n per sequence (at least 2: a prompt token and the next token)
     * @param drafts each sequence's drafted tokens so far: drafts[s][j] is the token at position n + j (j < d)
     */
    public float[][] step(int d, List<State> states, List<int[]> tokens, int[] totals, List<int[]> drafts) {
        int dim = c.dim();
        int ns = states.size();
        int[] first = new int[ns]; // (S) first position computed
        int[] rows = new int[ns]; // (S)
        int total = 0;
        for (int s = 0; s < ns; s++) {
            State st = states.get(s);
            int n = totals[s];
            int last = n - 2;
            first[s] = st.length[d];
            rows[s] = last - first[s] + 1;
            if (rows[s] < 1) {
                throw new IllegalStateException(
                        "module " + d + " has nothing to compute (length " + st.length[d] + ", n " + n + ")");
            }
            if (last + 1 > st.maxPositions) {
                throw new IllegalStateException(
                        "sequence of " + (last + 1) + " positions exceeds the MTP cache limit of " + st.maxPositions);
            }
            total += rows[s];
        }
        final int nRows = total;
        // Inputs: [RMSNorm(h; hnorm) ; RMSNorm(emb; enorm)] per row.
        Module m = modules[d];
        float[] in = new float[nRows * 2 * dim]; // (N, 2D)
        int[] pos = new int[nRows]; // (N) RoPE position of each row
        float[] emb = new float[dim];
        int r = 0;
        for (int s = 0; s < ns; s++) {
            State st = states.get(s);
            int n = totals[s];
            int[] ctx = tokens.get(s);
            for (int j = first[s]; j < first[s] + rows[s]; j++, r++) {
                pos[r] = j;
                float[] src;
                int srcRow;
                if (j < st.bufStart[d] + st.bufRows[d]) {
                    if (j < st.bufStart[d]) {
                        throw new IllegalStateException(
                                "module " + d + ": hidden state of position " + j + " was dropped");
                    }
                    src = st.buf[d];
                    srcRow = j - st.bufStart[d];
                } else if (d > 0 && j >= st.provStart[d - 1] && j < st.provStart[d - 1] + st.provRows[d - 1]) {
                    src = st.prov[d - 1];
                    srcRow = j - st.provStart[d - 1];
                } else {
                    throw new IllegalStateException("module " + d + ": no input for position " + j
                            + (d == 0
                                    ? " (the base model's hidden state was not committed)"
                                    : " (module " + (d - 1) + " did not run)"));
                }
                rmsnorm(src, srcRow * dim, m.hnorm(), in, r * 2 * dim, dim);
                int ti = j + d + 1;
                int tok = ti < n ? ctx[ti] : drafts.get(s)[ti - n];
                model.weights().tokenEmbedding.row(tok, emb, 0);
                rmsnorm(emb, 0, m.enorm(), in, r * 2 * dim + dim, dim);
            }
        }
        float[] x = new float[nRows * dim]; // (N, D) residual stream
        Matmul.matmul(m.proj(), in, nRows, x, model.parallel());
        List<KvStore> stores = new java.util.ArrayList<>();
        for (State st : states) {
            stores.add(st.kv[d]);
        }
        block(m.block(), x, nRows, pos, stores, first, rows);

        // Logits at each sequence's last row; bookkeeping of exact and provisional rows.
        int v = c.vocab();
        float[] sel = new float[ns * dim]; // (S, D)
        r = 0;
        for (int s = 0; s < ns; s++) {
            State st = states.get(s);
            int n = totals[s];
            int lastRow = r + rows[s] - 1;
            rmsnorm(x, lastRow * dim, m.norm(), sel, s * dim, dim);
            int oldLen = st.length[d];
            int newLen = Math.max(oldLen, Math.min(first[s] + rows[s], n - 1 - d));
            int exact = newLen - oldLen;
            st.length[d] = newLen;
            if (d + 1 < modules.length && exact > 0) {
                int e = d + 1;
                if (st.bufRows[e] == 0) {
                    st.bufStart[e] = oldLen;
                } else if (st.bufStart[e] + st.bufRows[e] != oldLen) {
                    throw new IllegalStateException("module " + e + " inputs out of step: have up to "
                            + (st.bufStart[e] + st.bufRows[e]) + ", next is " + oldLen);
                }
                float[] b = Arrays.copyOf(st.buf[e], (st.bufRows[e] + exact) * dim);
                System.arraycopy(x, r * dim, b, st.bufRows[e] * dim, exact * dim);
                st.buf[e] = b;
                st.bufRows[e] += exact;
            }
            st.prov[d] = Arrays.copyOfRange(x, (r + exact) * dim, (r + rows[s]) * dim);
            st.provStart[d] = newLen;
            st.provRows[d] = rows[s] - exact;
            // Module d has consumed its exact inputs below newLen.
            int drop = Math.max(0, Math.min(st.bufRows[d], newLen - st.bufStart[d]));
            if (drop > 0) {
                st.buf[d] = Arrays.copyOfRange(st.buf[d], drop * dim, st.bufRows[d] * dim);
                st.bufStart[d] += drop;
                st.bufRows[d] -= drop;
            }
            r += rows[s];
        }
        float[] logits = new float[ns * v];
        Matmul.matmul(model.weights().output, sel, ns, logits, model.parallel());
        float[][] out = new float[ns][];
        for (int s = 0; s < ns; s++) {
            out[s] = Arrays.copyOfRange(logits, s * v, (s + 1) * v);
        }
        return out;
    }

    /**
     * One transformer block over N rows of several sequences, in place on {@code x}: x += Wo·attn(…),
     * x += Wdown·(SiLU(Wgate·m) ⊙ Wup·m). Sequence s's rows are positions [first[s], first[s] + rows[s]) of
     * its own store, which receives their keys and values.
     */
    private void block(
            ModelWeights.Layer lw, float[] x, int n, int[] pos, List<KvStore> stores, int[] first, int[] rows) {
        int d = c.dim();
        Parallel par = model.parallel();
        float[] xb = new float[n * d]; // (N, D)
        float[] q = new float[n * c.qDim()]; // (N, H·Hd)
        float[] k = new float[n * c.kvDim()]; // (N, KvH·Hd)
        float[] v = new float[n * c.kvDim()]; // (N, KvH·Hd)
        float[] att = new float[n * c.qDim()]; // (N, H·Hd)
        for (int i = 0; i < n; i++) {
            rmsnorm(x, i * d, lw.attnNorm, xb, i * d, d);
        }
        Matmul.matmul(lw.wq, xb, n, q, par);
        Matmul.matmul(lw.wk, xb, n, k, par);
        Matmul.matmul(lw.wv, xb, n, v, par);
        float[] cos = new float[ropeFreqs.length];
        float[] sin = new float[ropeFreqs.length];
        for (int i = 0; i < n; i++) {
            if (lw.bq != null) {
                addBias(q, i * c.qDim(), lw.bq);
                addBias(k, i * c.kvDim(), lw.bk);
                addBias(v, i * c.kvDim(), lw.bv);
            }
            for (int f = 0; f < ropeFreqs.length; f++) {
                double theta = pos[i] * (double) ropeFreqs[f];
                cos[f] = (float) Math.cos(theta);
                sin[f] = (float) Math.sin(theta);
            }
            rope(q, i * c.qDim(), c.heads(), cos, sin);
            rope(k, i * c.kvDim(), c.kvHeads(), cos, sin);
        }
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        int row0 = 0;
        for (int s = 0; s < stores.size(); s++) {
            KvStore store = stores.get(s);
            int t = rows[s];
            int need = first[s] + t;
            if (store.capacity() < need) {
                store.ensureCapacity(Math.max(need, store.capacity() * 2));
            }
            for (int i = 0; i < t; i++) {
                store.put(first[s] + i, k, (row0 + i) * c.kvDim(), v, (row0 + i) * c.kvDim());
            }
            float[] qs = Arrays.copyOfRange(q, row0 * c.qDim(), (row0 + t) * c.qDim());
            float[] os = new float[t * c.qDim()];
            attention.attend(qs, t, c.heads(), store, AttentionMask.causal(first[s]), scale, os, par);
            System.arraycopy(os, 0, att, row0 * c.qDim(), os.length);
            row0 += t;
        }
        Matmul.matmul(lw.wo, att, n, xb, par);
        add(x, xb, n * d);
        for (int i = 0; i < n; i++) {
            rmsnorm(x, i * d, lw.ffnNorm, xb, i * d, d);
        }
        float[] gate = new float[n * c.ffn()]; // (N, F)
        float[] up = new float[n * c.ffn()]; // (N, F)
        Matmul.matmul(lw.gate, xb, n, gate, par);
        Matmul.matmul(lw.up, xb, n, up, par);
        FloatOps.siluGated(gate, up, 0, gate.length);
        Matmul.matmul(lw.down, gate, n, xb, par);
        add(x, xb, n * d);
    }

    /** Rotates the first ropeDims of each head, as the base model does (interleaved, or NeoX halves). */
    private void rope(float[] vec, int off, int nHeads, float[] cos, float[] sin) {
        int hd = c.headDim();
        int half = ropeFreqs.length;
        boolean neox = c.ropeNeox();
        for (int h = 0; h < nHeads; h++) {
            int base = off + h * hd;
            for (int i = 0; i < half; i++) {
                int a = neox ? base + i : base + 2 * i;
                int b = neox ? base + i + half : base + 2 * i + 1;
                float x0 = vec[a];
                float x1 = vec[b];
                vec[a] = x0 * cos[i] - x1 * sin[i];
                vec[b] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }

    /** out = x / sqrt(mean(x²) + eps) ⊙ weight; the sum of squares in double, as the base model does. */
    private void rmsnorm(float[] x, int xOff, float[] weight, float[] out, int outOff, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) x[xOff + i] * x[xOff + i];
        }
        float s = (float) (1.0 / Math.sqrt(ss / n + c.rmsEps()));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * s * weight[i];
        }
    }

    private static void addBias(float[] vec, int off, float[] bias) {
        for (int i = 0; i < bias.length; i++) {
            vec[off + i] += bias[i];
        }
    }

    private static void add(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += y[i];
        }
    }
}
