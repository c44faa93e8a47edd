package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.TensorInfo;
import dev.drafthorse.kernels.tensor.WeightMatrix;

/**
 * The model's tensors, as views of the mapped GGUF file (matrices stay in their file type; norm
 * weights and biases, which are tiny, are widened to float arrays). Every shape is checked against the
 * {@link ModelConfig}: a file whose tensors disagree with its metadata fails here, naming the tensor.
 */
public final class ModelWeights {
    public final WeightMatrix tokenEmbedding; // (V, D)
    public final float[] outputNorm;          // (D)
    public final WeightMatrix output;         // (V, D), the embedding itself when tied
    public final float[] ropeFreqFactors;     // (ropeDims/2) or null: Llama 3.1 scaling divides each frequency
    public final Layer[] layers;

    /** One transformer block. */
    public static final class Layer {
        public float[] attnNorm;  // (D)
        public WeightMatrix wq;   // (H·Hd, D)
        public WeightMatrix wk;   // (KvH·Hd, D)
        public WeightMatrix wv;   // (KvH·Hd, D)
        public float[] bq;        // (H·Hd) or null (qwen2 has q/k/v biases)
        public float[] bk;        // (KvH·Hd) or null
        public float[] bv;        // (KvH·Hd) or null
        public WeightMatrix wo;   // (D, H·Hd)
        public float[] ffnNorm;   // (D)
        public WeightMatrix gate; // (F, D)
        public WeightMatrix up;   // (F, D)
        public WeightMatrix down; // (D, F)
    }

    public ModelWeights(GgufFile f, ModelConfig c) throws GgufException {
        tokenEmbedding = matrix(f, "token_embd.weight", c.vocab(), c.dim());
        outputNorm = vector(f, "output_norm.weight", c.dim());
        output = f.hasTensor("output.weight") ? matrix(f, "output.weight", c.vocab(), c.dim()) : tokenEmbedding;
        ropeFreqFactors = f.hasTensor("rope_freqs.weight") ? vector(f, "rope_freqs.weight", c.ropeDims() / 2) : null;
        layers = new Layer[c.layers()];
        boolean biases = c.architecture().equals("qwen2");
        for (int i = 0; i < c.layers(); i++) {
            String p = "blk." + i + ".";
            Layer l = new Layer();
            l.attnNorm = vector(f, p + "attn_norm.weight", c.dim());
            l.wq = matrix(f, p + "attn_q.weight", c.qDim(), c.dim());
            l.wk = matrix(f, p + "attn_k.weight", c.kvDim(), c.dim());
            l.wv = matrix(f, p + "attn_v.weight", c.kvDim(), c.dim());
            if (biases || f.hasTensor(p + "attn_q.bias")) {
                l.bq = vector(f, p + "attn_q.bias", c.qDim());
                l.bk = vector(f, p + "attn_k.bias", c.kvDim());
                l.bv = vector(f, p + "attn_v.bias", c.kvDim());
            }
            l.wo = matrix(f, p + "attn_output.weight", c.dim(), c.qDim());
            l.ffnNorm = vector(f, p + "ffn_norm.weight", c.dim());
            l.gate = matrix(f, p + "ffn_gate.weight", c.ffn(), c.dim());
            l.up = matrix(f, p + "ffn_up.weight", c.ffn(), c.dim());
            l.down = matrix(f, p + "ffn_down.weight", c.dim(), c.ffn());
            layers[i] = l;
        }
    }

    /** A (rows, cols) matrix: ggml shape [cols, rows]. */
    static WeightMatrix matrix(GgufFile f, String name, int rows, int cols) throws GgufException {
        TensorInfo t = f.tensor(name);
        if (t.shape().length != 2 || t.cols() != cols || t.rows() != rows) {
            throw new GgufException(f.path().toString(), "tensor '" + name + "' shape", "expected [" + cols + ", " + rows
                    + "], found " + java.util.Arrays.toString(t.shape()));
        }
        if (!t.type().supported()) {
            throw new GgufException(f.path().toString(), "tensor '" + name + "' type", "unsupported tensor type " + t.type()
                    + " (supported: " + GgmlType.supportedNames() + ")");
        }
        return WeightMatrix.of(t.type(), f.data(name), rows, cols);
    }

    /** A 1-D tensor widened to floats. */
    static float[] vector(GgufFile f, String name, int n) throws GgufException {
        TensorInfo t = f.tensor(name);
        if (t.elements() != n || t.shape().length != 1) {
            throw new GgufException(f.path().toString(), "tensor '" + name + "' shape", "expected [" + n + "], found "
                    + java.util.Arrays.toString(t.shape()));
        }
        if (!t.type().supported()) {
            throw new GgufException(f.path().toString(), "tensor '" + name + "' type", "unsupported tensor type " + t.type());
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
        counts.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(" (").append(v).append(')'));
        return sb.toString();
    }
}
