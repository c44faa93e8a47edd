package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.TensorInfo;
import dev.drafthorse.kernels.tensor.WeightMatrix;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The model's tensors, as views of the mapped GGUF file (matrices stay in their file type; norm
 * weights and biases, which are tiny, are widened to float arrays). Every shape is checked against the
 * {@link ModelConfig}: a file whose tensors disagree with its metadata fails here, naming the tensor.
 *
 * <p>Fused tensors are split here, once: Phi-3's {@code attn_qkv} (rows Q, then K, then V) and its
 * {@code ffn_up} of 2F rows (gate rows, then up rows) become the same wq/wk/wv and gate/up matrices a
 * Llama file has, so the forward pass never sees the difference. As llama.cpp does, a file with a tensor
 * the architecture does not use is refused, naming the tensor: it would mean math this engine skips.
 */
public final class ModelWeights {
    public final WeightMatrix tokenEmbedding; // (V, D)
    public final float[] outputNorm; // (D)
    public final WeightMatrix output; // (V, D), the embedding itself when tied
    public final float[] ropeFreqFactors; // (ropeDims/2) or null: Llama 3.1 scaling divides each frequency
    public final Layer[] layers;

    /** One transformer block. Optional parts are null when the architecture has none. */
    public static final class Layer {
        public float[] attnNorm; // (D)
        public WeightMatrix wq; // (H·Hd, D)
        public WeightMatrix wk; // (KvH·Hd, D)
        public WeightMatrix wv; // (KvH·Hd, D)
        public float[] bq; // (H·Hd) or null (qwen2 has q/k/v biases)
        public float[] bk; // (KvH·Hd) or null
        public float[] bv; // (KvH·Hd) or null
        public float[] qNorm; // (Hd) or null: per-head RMSNorm of the queries (qwen3, gemma3)
        public float[] kNorm; // (Hd) or null: per-head RMSNorm of the keys
        public WeightMatrix wo; // (D, H·Hd)
        public float[] postAttnNorm; // (D) or null: RMSNorm of the attention output (gemma)
        public float[] ffnNorm; // (D)
        public WeightMatrix gate; // (F, D)
        public WeightMatrix up; // (F, D)
        public WeightMatrix down; // (D, F)
        public float[] postFfnNorm; // (D) or null: RMSNorm of the FFN output (gemma)
        WeightMatrix[] qkv; // {wq, wk, wv}: one parallel product, built once
        WeightMatrix[] gateUp; // {gate, up}

        /** The fused-product arrays of the forward pass; called once the matrices are set. */
        void fuse() {
            qkv = new WeightMatrix[] {wq, wk, wv};
            gateUp = new WeightMatrix[] {gate, up};
        }
    }

    public ModelWeights(GgufFile f, ModelConfig c) throws GgufException {
        Set<String> used = new HashSet<>();
        Reader r = new Reader(f, used);
        tokenEmbedding = r.matrix("token_embd.weight", c.vocab(), c.dim());
        outputNorm = r.vector("output_norm.weight", c.dim());
        output = f.hasTensor("output.weight") ? r.matrix("output.weight", c.vocab(), c.dim()) : tokenEmbedding;
        ropeFreqFactors = f.hasTensor("rope_freqs.weight") ? r.vector("rope_freqs.weight", c.ropeDims() / 2) : null;
        layers = new Layer[c.layers()];
        boolean biases = c.architecture().equals("qwen2");
        for (int i = 0; i < c.layers(); i++) {
            String p = "blk." + i + ".";
            Layer l = new Layer();
            l.attnNorm = r.vector(p + "attn_norm.weight", c.dim());
            if (f.hasTensor(p + "attn_qkv.weight")) {
                WeightMatrix[] qkv = r.split(p + "attn_qkv.weight", c.dim(), c.qDim(), c.kvDim(), c.kvDim());
                l.wq = qkv[0];
                l.wk = qkv[1];
                l.wv = qkv[2];
            } else {
                l.wq = r.matrix(p + "attn_q.weight", c.qDim(), c.dim());
                l.wk = r.matrix(p + "attn_k.weight", c.kvDim(), c.dim());
                l.wv = r.matrix(p + "attn_v.weight", c.kvDim(), c.dim());
            }
            if (biases || f.hasTensor(p + "attn_q.bias")) {
                l.bq = r.vector(p + "attn_q.bias", c.qDim());
                l.bk = r.vector(p + "attn_k.bias", c.kvDim());
                l.bv = r.vector(p + "attn_v.bias", c.kvDim());
            }
            if (c.qkNorm()) {
                l.qNorm = r.vector(p + "attn_q_norm.weight", c.headDim());
                l.kNorm = r.vector(p + "attn_k_norm.weight", c.headDim());
            }
            l.wo = r.matrix(p + "attn_output.weight", c.dim(), c.qDim());
            l.ffnNorm = r.vector(p + "ffn_norm.weight", c.dim());
            if (!f.hasTensor(p + "ffn_gate.weight") && c.architecture().equals("phi3")) {
                WeightMatrix[] gateUp = r.split(p + "ffn_up.weight", c.dim(), c.ffn(), c.ffn());
                l.gate = gateUp[0];
                l.up = gateUp[1];
            } else {
                l.gate = r.matrix(p + "ffn_gate.weight", c.ffn(), c.dim());
                l.up = r.matrix(p + "ffn_up.weight", c.ffn(), c.dim());
            }
            l.down = r.matrix(p + "ffn_down.weight", c.dim(), c.ffn());
            if (c.postNorms()) {
                l.postAttnNorm = r.vector(p + "post_attention_norm.weight", c.dim());
                l.postFfnNorm = r.vector(p + "post_ffw_norm.weight", c.dim());
            }
            l.fuse();
            layers[i] = l;
        }
        Set<String> unused = new TreeSet<>(f.tensors().keySet());
        unused.removeAll(used);
        if (!unused.isEmpty()) {
            String first = unused.iterator().next();
            String why = first.startsWith("rope_factors") || first.contains(".rope_factors")
                    ? "LongRoPE factors (Phi-3 128k, Phi-3.5) are not supported"
                    : "the " + c.architecture() + " architecture does not use it";
            throw new GgufException(
                    f.path().toString(),
                    "tensor '" + first + "'",
                    why + " (" + unused.size()
                            + " unused tensor" + (unused.size() == 1 ? "" : "s") + ": "
                            + String.join(", ", unused.stream().limit(5).toList())
                            + (unused.size() > 5 ? ", …" : "") + ")");
        }
    }

    /** Reads tensors by name and remembers which ones were read. */
    private static final class Reader {
        final GgufFile f;
        final Set<String> used;

        Reader(GgufFile f, Set<String> used) {
            this.f = f;
            this.used = used;
        }

        WeightMatrix matrix(String name, int rows, int cols) throws GgufException {
            used.add(name);
            return ModelWeights.matrix(f, name, rows, cols);
        }

        float[] vector(String name, int n) throws GgufException {
            used.add(name);
            return ModelWeights.vector(f, name, n);
        }

        /** A fused (Σ parts, cols) matrix cut into row blocks of the given heights, in order. */
        WeightMatrix[] split(String name, int cols, int... parts) throws GgufException {
            used.add(name);
            int rows = 0;
            for (int h : parts) {
                rows += h;
            }
            TensorInfo t = checked(f, name, rows, cols);
            long rowBytes = t.type().bytesFor(cols);
            WeightMatrix[] out = new WeightMatrix[parts.length];
            int r0 = 0;
            for (int i = 0; i < parts.length; i++) {
                ByteBuffer slice = f.data(name).position((int) (r0 * rowBytes));
                out[i] = WeightMatrix.of(t.type(), slice, parts[i], cols);
                r0 += parts[i];
            }
            return out;
        }
    }

    /** A (rows, cols) matrix: ggml shape [cols, rows]. */
    static WeightMatrix matrix(GgufFile f, String name, int rows, int cols) throws GgufException {
        TensorInfo t = checked(f, name, rows, cols);
        return WeightMatrix.of(t.type(), f.data(name), rows, cols);
    }

    private static TensorInfo checked(GgufFile f, String name, int rows, int cols) throws GgufException {
        TensorInfo t = f.tensor(name);
        if (t.shape().length != 2 || t.cols() != cols || t.rows() != rows) {
            throw new GgufException(
                    f.path().toString(),
                    "tensor '" + name + "' shape",
                    "expected [" + cols + ", " + rows + "], found " + java.util.Arrays.toString(t.shape()));
        }
        if (!t.type().supported()) {
            throw new GgufException(
                    f.path().toString(),
                    "tensor '" + name + "' type",
                    "unsupported tensor type " + t.type() + " (supported: " + GgmlType.supportedNames() + ")");
        }
        return t;
    }

    /** A 1-D tensor widened to floats. */
    static float[] vector(GgufFile f, String name, int n) throws GgufException {
        TensorInfo t = f.tensor(name);
        if (t.elements() != n || t.shape().length != 1) {
            throw new GgufException(
                    f.path().toString(),
                    "tensor '" + name + "' shape",
                    "expected [" + n + "], found " + java.util.Arrays.toString(t.shape()));
        }
        if (!t.type().supported()) {
            throw new GgufException(
                    f.path().toString(), "tensor '" + name + "' type", "unsupported tensor type " + t.type());
        }
        float[] out = new float[n];
        WeightMatrix.of(t.type(), f.data(name), 1, n).row(0, out, 0);
        return out;
    }

    /** The weight types present, for display ("F16 (57), F32 (17)"). */
    public static String typeSummary(GgufFile f) {
        java.util.Map<GgmlType, Integer> counts = new java.util.TreeMap<>();
        for (TensorInfo t : f.tensors().values()) {
            counts.merge(t.type(), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ")
                .append(k)
                .append(" (")
                .append(v)
                .append(')'));
        return sb.toString();
    }
}
