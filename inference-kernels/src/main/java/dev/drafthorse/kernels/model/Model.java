package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.attention.AttentionMask;
import dev.drafthorse.kernels.attention.TiledAttention;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.tensor.Matmul;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A decoder-only transformer (llama, qwen2, qwen3, gemma2, gemma3, phi3) and its one forward pass.
 *
 * <p>Dimension legend: B sequences in a pass, N new positions over all of them (Σ T_b), D model width,
 * H query heads, KvH key/value heads, Hd head width, F feed-forward width, V vocabulary.
 *
 * <p>The pass is written once, for B sequences × T_b new positions each, and serves prefill (T prompt
 * tokens), decode (T = 1), batched decode (B sequences), draft verification (T = k + 1) and tree
 * verification (a tree mask and depth positions). All matrix products run over the N rows together, so
 * every weight is read once per pass whatever B and T are; attention runs per sequence over its own KV
 * cache. Each row's arithmetic is the same whatever else is in the pass, so a sequence gets the same
 * bits alone or in a batch. Buffers live in a {@link Scratch} that grows and is reused, so a decode
 * step allocates no array but its result (fused products use arrays built once per layer; each
 * sequence's attention reads and writes its rows of the shared q and output buffers in place).
 *
 * <p>Block, with the optional steps of {@link ModelConfig}'s features in brackets:
 * <pre>
 *   x = embed(token) [· √D]
 *   per layer:  n = rmsnorm(x)
 *               q, k, v = Wq·n, Wk·n, Wv·n  [+ biases]
 *               q, k = [rmsnorm per head] then rope (local base on sliding layers)
 *               a = Wo·attn(q, K, V)   scores · attnScale, [soft-capped], [window on sliding layers]
 *               x = x + [rmsnorm](a)                                    [post-attention norm]
 *               m = rmsnorm(x)
 *               x = x + [rmsnorm](Wdown·(act(Wgate·m) ⊙ Wup·m))          [post-FFN norm]
 *   logits = Wout·rmsnorm(x)  [then c·tanh(logits/c)]
 * </pre>
 * Fused tensors (Phi-3's qkv and gate/up) are split when the weights load, so they need no branch here.
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
    private final float[] ropeFreqs; // (ropeDims/2) angular frequency of each rotated pair, global layers
    private final float[] ropeFreqsSwa; // (ropeDims/2) the same for sliding layers; ropeFreqs itself when equal
    private Scratch scratch; // grown on demand

    private Model(GgufFile file, Parallel par) throws IOException {
        this.file = file;
        this.config = ModelConfig.from(file);
        this.weights = new ModelWeights(file, config);
        this.tokenizer = Tokenizer.fromGguf(file);
        this.par = par;
        ropeFreqs = ropeFreqs(config.ropeBase(), config.ropeLinearFactor());
        boolean local = config.slidingWindow() > 0
                && (config.ropeBaseSwa() != config.ropeBase()
                        || config.ropeLinearFactorSwa() != config.ropeLinearFactor());
        ropeFreqsSwa = local ? ropeFreqs(config.ropeBaseSwa(), config.ropeLinearFactorSwa()) : ropeFreqs;
    }

    private float[] ropeFreqs(float base, float linearFactor) {
        int half = config.ropeDims() / 2;
        float[] freqs = new float[half];
        for (int i = 0; i < half; i++) {
            double f = Math.pow(base, -2.0 * i / config.ropeDims()) / linearFactor;
            if (weights.ropeFreqFactors != null) {
                f /= weights.ropeFreqFactors[i];
            }
            freqs[i] = (float) f;
        }
        return freqs;
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
            b += l.wq.bytes()
                    + l.wk.bytes()
                    + l.wv.bytes()
                    + l.wo.bytes()
                    + l.gate.bytes()
                    + l.up.bytes()
                    + l.down.bytes();
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
        if (hidden != null && hidden.length != steps.size()) {
            throw new IllegalArgumentException("hidden has " + hidden.length + " slots for " + steps.size() + " steps");
        }
        Scratch w = pass(steps);

        // 4. Logits of the requested rows only: the output matrix is the largest one.
        float[][] result = logits(steps, w, hidden);
        for (Step s : steps) {
            s.cache().advance(s.tokens().length);
        }
        return result;
    }

    /**
     * As {@link #forward(List)} without the output matrix: per step, the final hidden states (rows, D) flattened
     * of the rows its {@link Step.Logits} names (null for NONE), output-normed as the output matrix would read
     * them (llama.cpp's {@code t_embd}, before any soft-cap). Sentence embeddings pool these.
     */
    public float[][] forwardHidden(List<Step> steps) {
        Scratch w = pass(steps);
        int d = config.dim();
        float[][] result = new float[steps.size()][];
        for (int si = 0; si < steps.size(); si++) {
            Step s = steps.get(si);
            int m = s.logitRows();
            if (m > 0) {
                int first = w.rowOf[si] + (s.logits() == Step.Logits.LAST ? s.tokens().length - 1 : 0);
                float[] h = new float[m * d];
                par.forRange(m, 16, (a, b) -> {
                    for (int i = a; i < b; i++) {
                        rmsnorm(w.x, (first + i) * d, weights.outputNorm, h, i * d, d, config.rmsEps());
                    }
                });
                result[si] = h;
            }
        }
        for (Step s : steps) {
            s.cache().advance(s.tokens().length);
        }
        return result;
    }

    /** Steps 1 to 3 of a pass: every new row's residual stream through all blocks, left in the scratch's x. */
    private Scratch pass(List<Step> steps) {
        ModelConfig c = config;
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
        final int rows = n;
        Scratch w = scratch(rows, steps.size());

        // 1. Token and position of every new row, the steps one after the other; each step's masks.
        int r = 0;
        for (int si = 0; si < steps.size(); si++) {
            Step s = steps.get(si);
            int t = s.tokens().length;
            int slot0 = s.cache().length();
            for (int i = 0; i < t; i++) {
                w.tokenOf[r + i] = s.tokens()[i];
                w.posOf[r + i] = s.positions() != null ? s.positions()[i] : slot0 + i;
            }
            w.rowOf[si] = r;
            w.masks[si] = s.mask() != null ? s.mask() : AttentionMask.causal(slot0);
            w.windowMasks[si] = c.slidingWindow() > 0
                    ? AttentionMask.slidingWindow(w.masks[si], c.slidingWindow(), w.posOf, r, t, slot0)
                    : null;
            r += t;
        }

        // 2. Embeddings and the RoPE angles of every row.
        embed(w, rows);

        // 3. The blocks.
        for (int l = 0; l < c.layers(); l++) {
            block(l, steps, w, rows);
        }
        return w;
    }

    /** Step si's keys and values of this layer into its cache, then its attention: att rows = attn(q rows). */
    private void attendStep(List<Step> steps, int si, int layer, boolean slides, Scratch w, Parallel p) {
        ModelConfig c = config;
        Step s = steps.get(si);
        int t = s.tokens().length;
        int row0 = w.rowOf[si];
        int slot0 = s.cache().length();
        var store = s.cache().layer(layer);
        for (int i = 0; i < t; i++) {
            store.put(slot0 + i, w.k, (row0 + i) * c.kvDim(), w.v, (row0 + i) * c.kvDim());
        }
        AttentionMask mask = slides ? w.windowMasks[si] : w.masks[si];
        attention.attend(w.q, row0, t, c.heads(), store, mask, c.attnScale(), c.attnSoftcap(), w.att, row0, p);
    }

    /** x (N, D) = embedding of each row's token [· embedScale]; cos/sin (N, ropeDims/2) of each row's position. */
    private void embed(Scratch w, int rows) {
        int d = config.dim();
        float scale = config.embedScale();
        boolean local = ropeFreqsSwa != ropeFreqs;
        par.forRange(rows, 16, (a, b) -> {
            for (int i = a; i < b; i++) {
                weights.tokenEmbedding.row(w.tokenOf[i], w.x, i * d);
                if (scale != 1f) {
                    for (int e = i * d; e < (i + 1) * d; e++) {
                        w.x[e] *= scale;
                    }
                }
                ropeAngles(w.posOf[i], ropeFreqs, w.cos, w.sin, i * ropeFreqs.length);
                if (local) {
                    ropeAngles(w.posOf[i], ropeFreqsSwa, w.cosSwa, w.sinSwa, i * ropeFreqs.length);
                }
            }
        });
    }

    /** One transformer block over the N rows of the pass (see the class comment for the formula). */
    private void block(int layer, List<Step> steps, Scratch w, int rows) {
        ModelConfig c = config;
        ModelWeights.Layer lw = weights.layers[layer];
        int d = c.dim();
        boolean slides = c.slides(layer);
        float[] cos = slides && ropeFreqsSwa != ropeFreqs ? w.cosSwa : w.cos;
        float[] sin = slides && ropeFreqsSwa != ropeFreqs ? w.sinSwa : w.sin;
        int half = ropeFreqs.length;

        // Attention: q, k, v of every row, normed and rotated.
        rmsnormRows(w.x, lw.attnNorm, w.xb, rows);
        Matmul.matmul(lw.qkv, w.xb, rows, w.qkvOut, par);
        par.forRange(rows, 16, (a, b) -> {
            for (int i = a; i < b; i++) {
                if (lw.bq != null) {
                    addBias(w.q, i * c.qDim(), lw.bq);
                    addBias(w.k, i * c.kvDim(), lw.bk);
                    addBias(w.v, i * c.kvDim(), lw.bv);
                }
                if (c.qkNorm()) {
                    headNorm(w.q, i * c.qDim(), c.heads(), lw.qNorm);
                    headNorm(w.k, i * c.kvDim(), c.kvHeads(), lw.kNorm);
                }
                rope(w.q, i * c.qDim(), c.heads(), cos, sin, i * half);
                rope(w.k, i * c.kvDim(), c.kvHeads(), cos, sin, i * half);
            }
        });
        // Keys and values into each cache, then attention per sequence over its own rows of q and att. Several
        // sequences share one parallel section (each sequence's attention then runs whole on one thread: the
        // pool runs nested sections inline, and attention's results do not depend on its schedule).
        if (steps.size() == 1) {
            attendStep(steps, 0, layer, slides, w, par);
        } else {
            par.forEachChunk(steps.size(), si -> attendStep(steps, si, layer, slides, w, par));
        }
        Matmul.matmul(lw.wo, w.att, rows, w.xb, par);
        if (c.postNorms()) {
            rmsnormRows(w.xb, lw.postAttnNorm, w.xb, rows);
        }
        add(w.x, w.xb, rows * d);

        // Feed-forward.
        rmsnormRows(w.x, lw.ffnNorm, w.xb, rows);
        Matmul.matmul(lw.gateUp, w.xb, rows, w.gateUpOut, par);
        Activation act = c.activation();
        par.forRange(rows * c.ffn(), 4096, (a, b) -> act.gated(w.gate, w.up, a, b));
        Matmul.matmul(lw.down, w.gate, rows, w.xb, par);
        if (c.postNorms()) {
            rmsnormRows(w.xb, lw.postFfnNorm, w.xb, rows);
        }
        add(w.x, w.xb, rows * d);
    }

    /**
     * Per step, the logits (rows, V) of its requested rows [soft-capped], and into {@code hidden} their
     * final hidden states (rows, D). Only these escape the pass, so only these are new arrays.
     */
    private float[][] logits(List<Step> steps, Scratch w, float[][] hidden) {
        ModelConfig c = config;
        int d = c.dim();
        int v = c.vocab();
        float[][] result = new float[steps.size()][];
        int want = 0;
        int stepsWithLogits = 0;
        for (Step s : steps) {
            want += s.logitRows();
            stepsWithLogits += s.logitRows() > 0 ? 1 : 0;
        }
        if (want == 0) {
            return result;
        }
        int k = 0;
        int row0 = 0;
        for (Step s : steps) {
            int t = s.tokens().length;
            int first = s.logits() == Step.Logits.LAST ? t - 1 : 0;
            for (int i = first; i < first + s.logitRows(); i++) {
                rmsnorm(w.x, (row0 + i) * d, weights.outputNorm, w.sel, k * d, d, c.rmsEps());
                k++;
            }
            row0 += t;
        }
        // One step (decode, prefill): the product goes straight into its result; several share a buffer.
        float[] logits = stepsWithLogits == 1 ? new float[want * v] : w.logits(want * v);
        Matmul.matmul(weights.output, w.sel, want, logits, par);
        k = 0;
        for (int si = 0; si < steps.size(); si++) {
            int m = steps.get(si).logitRows();
            if (m > 0) {
                result[si] = stepsWithLogits == 1 ? logits : java.util.Arrays.copyOfRange(logits, k * v, (k + m) * v);
                if (c.finalSoftcap() != 0f) {
                    softcap(result[si], c.finalSoftcap());
                }
                if (hidden != null) {
                    hidden[si] = java.util.Arrays.copyOfRange(w.sel, k * d, (k + m) * d);
                }
                k += m;
            }
        }
        return result;
    }

    /** x = cap·tanh(x/cap), in float as ggml computes it. */
    private void softcap(float[] x, float cap) {
        float inv = 1f / cap;
        par.forRange(x.length, 1 << 14, (a, b) -> {
            for (int i = a; i < b; i++) {
                x[i] = (float) Math.tanh(x[i] * inv) * cap;
            }
        });
    }

    /** RMSNorm of each of {@code nHeads} heads of width Hd from {@code off}, in place. */
    private void headNorm(float[] x, int off, int nHeads, float[] weight) {
        int hd = config.headDim();
        for (int h = 0; h < nHeads; h++) {
            rmsnorm(x, off + h * hd, weight, x, off + h * hd, hd, config.rmsEps());
        }
    }

    private static void ropeAngles(int pos, float[] freqs, float[] cos, float[] sin, int off) {
        for (int i = 0; i < freqs.length; i++) {
            double theta = pos * (double) freqs[i];
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

    /**
     * out = x / sqrt(mean(x²) + eps) ⊙ weight, rounded as ggml's {@code rms_norm} rounds: each square in
     * float, their sum in double, the mean, the root and the reciprocal in float.
     */
    static void rmsnorm(float[] x, int xOff, float[] weight, float[] out, int outOff, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += x[xOff + i] * x[xOff + i];
        }
        float mean = (float) (ss / n);
        float s = 1f / (float) Math.sqrt(mean + eps);
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

    private Scratch scratch(int rows, int steps) {
        if (scratch == null || scratch.rows < rows || scratch.masks.length < steps) {
            int grown = scratch == null ? 1 : scratch.rows * 2;
            int stepsGrown = scratch == null ? 1 : scratch.masks.length * 2;
            scratch = new Scratch(Math.max(rows, grown), Math.max(steps, stepsGrown));
        }
        return scratch;
    }

    /** Activation buffers for up to {@code rows} new positions, reused across passes. */
    private final class Scratch {
        final int rows;
        final int[] tokenOf; // (N) token of each row
        final int[] posOf; // (N) RoPE position of each row
        final int[] rowOf; // (B) first row of each step
        final AttentionMask[] masks; // (B) each step's mask
        final AttentionMask[] windowMasks; // (B) the same within the sliding window, or null
        final float[] x; // (N, D) residual stream
        final float[] xb; // (N, D) normalized input / block output
        final float[] q; // (N, H·Hd)
        final float[] k; // (N, KvH·Hd)
        final float[] v; // (N, KvH·Hd)
        final float[][] qkvOut; // {q, k, v}, the outputs of one fused product
        final float[] att; // (N, H·Hd)
        final float[] gate; // (N, F)
        final float[] up; // (N, F)
        final float[][] gateUpOut; // {gate, up}
        final float[] cos; // (N, ropeDims/2)
        final float[] sin; // (N, ropeDims/2)
        final float[] cosSwa; // (N, ropeDims/2) of the sliding layers' RoPE, or null when it is the same
        final float[] sinSwa; // (N, ropeDims/2) or null
        final float[] sel; // (N, D) output-normed rows that get logits
        private float[] logits = new float[0]; // (rows, V) logits of several steps, grown on demand

        Scratch(int rows, int steps) {
            ModelConfig c = config;
            this.rows = rows;
            tokenOf = new int[rows];
            posOf = new int[rows];
            rowOf = new int[steps];
            masks = new AttentionMask[steps];
            windowMasks = new AttentionMask[steps];
            x = new float[rows * c.dim()];
            xb = new float[rows * c.dim()];
            q = new float[rows * c.qDim()];
            k = new float[rows * c.kvDim()];
            v = new float[rows * c.kvDim()];
            qkvOut = new float[][] {q, k, v};
            att = new float[rows * c.qDim()];
            gate = new float[rows * c.ffn()];
            up = new float[rows * c.ffn()];
            gateUpOut = new float[][] {gate, up};
            cos = new float[rows * c.ropeDims() / 2];
            sin = new float[rows * c.ropeDims() / 2];
            boolean local = ropeFreqsSwa != ropeFreqs;
            cosSwa = local ? new float[rows * c.ropeDims() / 2] : null;
            sinSwa = local ? new float[rows * c.ropeDims() / 2] : null;
            sel = new float[rows * c.dim()];
        }

        float[] logits(int n) {
            if (logits.length < n) {
                logits = new float[n];
            }
            return logits;
        }
    }
}
