package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.attention.AttentionMask;
import dev.drafthorse.kernels.attention.TiledAttention;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.tensor.Matmul;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tensor.WeightMatrix;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A Llama-family decoder-only transformer (llama, qwen2) and its one forward pass.
 *
 * <p>Dimension legend: B sequences in a pass, N new positions over all of them (Σ T_b), D model width,
 * H query heads, KvH key/value heads, Hd head width, F feed-forward width, V vocabulary.
 *
 * <p>The pass is written once, for B sequences × T_b new positions each, and serves prefill (T prompt
 * tokens), decode (T = 1), batched decode (B sequences), draft verification (T = k + 1) and tree
 * verification (a tree mask and depth positions). All matrix products run over the N rows together, so
 * every weight is read once per pass whatever B and T are; attention runs per sequence over its own KV
 * cache. Each row's arithmetic is the same whatever else is in the pass, so a sequence gets the same
 * bits alone or in a batch.
 *
 * <p>Block: x += Wo·attn(rope(Wq·n), rope(Wk·n), Wv·n) with n = rmsnorm(x); x += Wdown·(silu(Wgate·m) ⊙
 * Wup·m) with m = rmsnorm(x); logits = Wout·rmsnorm(x).
 *
 * <p>Not thread-safe: one pass at a time (each pass is itself parallel).
 */
public final class Model {
    private final GgufFile file;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Tokenizer tokenizer;
    private final Parallel par;
    private final TiledAttention attention = new TiledAttention();
    private final float[] ropeFreqs; // (ropeDims/2) angular frequency of each rotated pair
    private Scratch scratch; // grown on demand

    private Model(GgufFile file, Parallel par) throws IOException {
        this.file = file;
        this.config = ModelConfig.from(file);
        this.weights = new ModelWeights(file, config);
        this.tokenizer = Tokenizer.fromGguf(file);
        this.par = par;
        int half = config.ropeDims() / 2;
        ropeFreqs = new float[half];
        for (int i = 0; i < half; i++) {
            double f = Math.pow(config.ropeBase(), -2.0 * i / config.ropeDims()) / config.ropeLinearFactor();
            if (weights.ropeFreqFactors != null) {
                f /= weights.ropeFreqFactors[i];
            }
            ropeFreqs[i] = (float) f;
        }
    }

    /** Loads a GGUF model; the pass uses {@code par}'s threads (the caller closes it). */
    public static Model load(Path path, Parallel par) throws IOException {
        return new Model(GgufFile.open(path), par);
    }

    public static Model load(GgufFile file, Parallel par) throws IOException {
        return new Model(file, par);
    }

    public ModelConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public GgufFile file() {
        return file;
    }

    public ModelWeights weights() {
        return weights;
    }

    public Parallel parallel() {
        return par;
    }

    /**
     * A new KV cache for one sequence of at most {@code maxPositions}. The trained context length is not a
     * cap here (RoPE extends past it, and llama.cpp lets users go beyond it too); callers decide.
     */
    public KvCache newCache(KvType type, int maxPositions) {
        return new KvCache(config, type, maxPositions, Math.min(maxPositions, 256));
    }

    /**
     * A fingerprint of this model's tensors: SHA-256 (hex) over the architecture, then every tensor's name,
     * type, shape and its first and last 4 KiB of data, in name order. Files that heads or caches are tied
     * to carry it, so heads trained for one model are refused by another.
     */
    public String fingerprint() {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update(config.architecture().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (String name : new java.util.TreeSet<>(file.tensors().keySet())) {
                var info = file.tensors().get(name);
                md.update((name + "|" + info.type() + "|" + java.util.Arrays.toString(info.shape()) + "\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                java.nio.ByteBuffer data = file.data(name);
                int n = data.remaining();
                int head = Math.min(n, 4096);
                byte[] buf = new byte[head];
                data.duplicate().get(buf);
                md.update(buf);
                if (n > 4096) {
                    int tail = Math.min(n - 4096, 4096);
                    byte[] end = new byte[tail];
                    data.duplicate().position(n - tail).get(end);
                    md.update(end);
                }
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException | IOException e) {
            throw new IllegalStateException("cannot fingerprint " + file.path(), e);
        }
    }

    /** Bytes of weights read by one pass (the memory traffic that bounds decoding). */
    public long weightBytes() {
        long b = weights.output.bytes();
        for (ModelWeights.Layer l : weights.layers) {
            b += l.wq.bytes() + l.wk.bytes() + l.wv.bytes() + l.wo.bytes() + l.gate.bytes() + l.up.bytes() + l.down.bytes();
        }
        return b;
    }

    /** One sequence, causal, logits of the last position: the common case of prefill and decode. */
    public float[] forwardLast(KvCache cache, int[] tokens) {
        return forward(List.of(Step.causal(cache, tokens, Step.Logits.LAST)))[0];
    }

    /**
     * Runs one pass over the steps' new tokens, writing their keys and values into each step's cache and
     * committing them (each cache's length grows by its T).
     *
     * @return per step, its logits (rows, V) flattened, or null for {@link Step.Logits#NONE}
     */
    public float[][] forward(List<Step> steps) {
        return forward(steps, null);
    }

    /**
     * As {@link #forward(List)}, and when {@code hidden} is not null (one slot per step) also returns, per
     * step, the final hidden states of its logit rows (rows, D) flattened: the output-normed vectors the
     * output matrix multiplies, which Medusa heads and multi-token-prediction modules read.
     */
    public float[][] forward(List<Step> steps, float[][] hidden) {
        ModelConfig c = config;
        if (hidden != null && hidden.length != steps.size()) {
            throw new IllegalArgumentException("hidden has " + hidden.length + " slots for " + steps.size() + " steps");
        }
        int n = 0;
        for (Step s : steps) {
            if (s.tokens().length == 0) {
                throw new IllegalArgumentException("a step needs at least one token");
            }
            for (int t : s.tokens()) {
                if (t < 0 || t >= c.vocab()) {
                    throw new IllegalArgumentException("token id " + t + " out of range [0, " + c.vocab() + ")");
                }
            }
            s.cache().reserve(s.tokens().length);
            n += s.tokens().length;
        }
        Scratch w = scratch(n);
        final int rows = n;
        int d = c.dim();

        // Embeddings and RoPE angles of every new row.
        int[] tokenOf = new int[n];
        int[] posOf = new int[n];
        int r = 0;
        for (Step s : steps) {
            int base = s.cache().length();
            for (int i = 0; i < s.tokens().length; i++, r++) {
                tokenOf[r] = s.tokens()[i];
                posOf[r] = s.positions() != null ? s.positions()[i] : base + i;
            }
        }
        par.forRange(rows, 16, (a, b) -> {
            for (int i = a; i < b; i++) {
                weights.tokenEmbedding.row(tokenOf[i], w.x, i * d);
                ropeAngles(posOf[i], w.cos, w.sin, i * ropeFreqs.length);
            }
        });

        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        for (int l = 0; l < c.layers(); l++) {
            ModelWeights.Layer lw = weights.layers[l];
            rmsnormRows(w.x, lw.attnNorm, w.xb, rows);
            Matmul.matmul(new WeightMatrix[] {lw.wq, lw.wk, lw.wv}, w.xb, rows, new float[][] {w.q, w.k, w.v}, par);
            final int layer = l;
            par.forRange(rows, 16, (a, b) -> {
                for (int i = a; i < b; i++) {
                    if (lw.bq != null) {
                        addBias(w.q, i * c.qDim(), lw.bq);
                        addBias(w.k, i * c.kvDim(), lw.bk);
                        addBias(w.v, i * c.kvDim(), lw.bv);
                    }
                    rope(w.q, i * c.qDim(), c.heads(), w.cos, w.sin, i * ropeFreqs.length);
                    rope(w.k, i * c.kvDim(), c.kvHeads(), w.cos, w.sin, i * ropeFreqs.length);
                }
            });
            // Keys and values into each cache, then attention per sequence.
            int row0 = 0;
            for (Step s : steps) {
                int t = s.tokens().length;
                int slot0 = s.cache().length();
                var store = s.cache().layer(layer);
                for (int i = 0; i < t; i++) {
                    store.put(slot0 + i, w.k, (row0 + i) * c.kvDim(), w.v, (row0 + i) * c.kvDim());
                }
                AttentionMask mask = s.mask() != null ? s.mask() : AttentionMask.causal(slot0);
                if (steps.size() == 1) {
                    attention.attend(w.q, t, c.heads(), store, mask, scale, w.att, par);
                } else {
                    float[] qs = new float[t * c.qDim()];
                    float[] os = new float[t * c.qDim()];
                    System.arraycopy(w.q, row0 * c.qDim(), qs, 0, qs.length);
                    attention.attend(qs, t, c.heads(), store, mask, scale, os, par);
                    System.arraycopy(os, 0, w.att, row0 * c.qDim(), os.length);
                }
                row0 += t;
            }
            Matmul.matmul(lw.wo, w.att, rows, w.xb, par);
            add(w.x, w.xb, rows * d);

            rmsnormRows(w.x, lw.ffnNorm, w.xb, rows);
            Matmul.matmul(new WeightMatrix[] {lw.gate, lw.up}, w.xb, rows, new float[][] {w.gate, w.up}, par);
            int ff = rows * c.ffn();
            par.forRange(ff, 4096, (a, b) -> {
                for (int i = a; i < b; i++) {
                    float g = w.gate[i];
                    w.gate[i] = g / (1f + (float) Math.exp(-g)) * w.up[i];
                }
            });
            Matmul.matmul(lw.down, w.gate, rows, w.xb, par);
            add(w.x, w.xb, rows * d);
        }

        // Logits for the requested rows only: the output matrix is the largest one.
        float[][] result = new float[steps.size()][];
        int want = 0;
        for (Step s : steps) {
            want += s.logitRows();
        }
        if (want > 0) {
            float[] sel = new float[want * d];
            int k = 0;
            int row0 = 0;
            for (Step s : steps) {
                int t = s.tokens().length;
                int first = s.logits() == Step.Logits.LAST ? t - 1 : 0;
                for (int i = first; i < first + s.logitRows(); i++) {
                    rmsnorm(w.x, (row0 + i) * d, weights.outputNorm, sel, k * d, d, c.rmsEps());
                    k++;
                }
                row0 += t;
            }
            float[] logits = new float[want * c.vocab()];
            Matmul.matmul(weights.output, sel, want, logits, par);
            k = 0;
            for (int si = 0; si < steps.size(); si++) {
                int m = steps.get(si).logitRows();
                if (m > 0) {
                    result[si] = java.util.Arrays.copyOfRange(logits, k * c.vocab(), (k + m) * c.vocab());
                    if (hidden != null) {
                        hidden[si] = java.util.Arrays.copyOfRange(sel, k * d, (k + m) * d);
                    }
                    k += m;
                }
            }
        }
        for (Step s : steps) {
            s.cache().advance(s.tokens().length);
        }
        return result;
    }

    private void ropeAngles(int pos, float[] cos, float[] sin, int off) {
        for (int i = 0; i < ropeFreqs.length; i++) {
            double theta = pos * (double) ropeFreqs[i];
            cos[off + i] = (float) Math.cos(theta);
            sin[off + i] = (float) Math.sin(theta);
        }
    }

    /** Rotates the first ropeDims of each head: pairs (2i, 2i+1), or (i, i + ropeDims/2) for NeoX. */
    private void rope(float[] v, int off, int nHeads, float[] cos, float[] sin, int angleOff) {
        int hd = config.headDim();
        int half = ropeFreqs.length;
        boolean neox = config.ropeNeox();
        for (int h = 0; h < nHeads; h++) {
            int base = off + h * hd;
            for (int i = 0; i < half; i++) {
                int a = neox ? base + i : base + 2 * i;
                int b = neox ? base + i + half : base + 2 * i + 1;
                float c = cos[angleOff + i];
                float s = sin[angleOff + i];
                float x0 = v[a];
                float x1 = v[b];
                v[a] = x0 * c - x1 * s;
                v[b] = x0 * s + x1 * c;
            }
        }
    }

    private void rmsnormRows(float[] x, float[] weight, float[] out, int rows) {
        int d = config.dim();
        float eps = config.rmsEps();
        par.forRange(rows, 16, (a, b) -> {
            for (int i = a; i < b; i++) {
                rmsnorm(x, i * d, weight, out, i * d, d, eps);
            }
        });
    }

    /** out = x / sqrt(mean(x²) + eps) ⊙ weight; the sum of squares in double, as ggml does. */
    static void rmsnorm(float[] x, int xOff, float[] weight, float[] out, int outOff, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) x[xOff + i] * x[xOff + i];
        }
        float s = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * s * weight[i];
        }
    }

    private static void addBias(float[] v, int off, float[] bias) {
        for (int i = 0; i < bias.length; i++) {
            v[off + i] += bias[i];
        }
    }

    private void add(float[] x, float[] y, int n) {
        par.forRange(n, 1 << 14, (a, b) -> {
            for (int i = a; i < b; i++) {
                x[i] += y[i];
            }
        });
    }

    private Scratch scratch(int rows) {
        if (scratch == null || scratch.rows < rows) {
            scratch = new Scratch(Math.max(rows, scratch == null ? 1 : scratch.rows * 2));
        }
        return scratch;
    }

    /** Activation buffers for up to {@code rows} new positions, reused across passes. */
    private final class Scratch {
        final int rows;
        final float[] x;    // (N, D) residual stream
        final float[] xb;   // (N, D) normalized input / block output
        final float[] q;    // (N, H·Hd)
        final float[] k;    // (N, KvH·Hd)
        final float[] v;    // (N, KvH·Hd)
        final float[] att;  // (N, H·Hd)
        final float[] gate; // (N, F)
        final float[] up;   // (N, F)
        final float[] cos;  // (N, ropeDims/2)
        final float[] sin;  // (N, ropeDims/2)

        Scratch(int rows) {
            ModelConfig c = config;
            this.rows = rows;
            x = new float[rows * c.dim()];
            xb = new float[rows * c.dim()];
            q = new float[rows * c.qDim()];
            k = new float[rows * c.kvDim()];
            v = new float[rows * c.kvDim()];
            att = new float[rows * c.qDim()];
            gate = new float[rows * c.ffn()];
            up = new float[rows * c.ffn()];
            cos = new float[rows * c.ropeDims() / 2];
            sin = new float[rows * c.ropeDims() / 2];
        }
    }
}
