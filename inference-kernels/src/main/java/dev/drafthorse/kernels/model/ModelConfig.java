package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import java.util.Set;

/**
 * The transformer's hyperparameters, read from GGUF metadata ({@code <arch>.embedding_length} and so
 * on). Architectures Drafthorse runs: {@code llama} (Llama 2/3, TinyLlama, Mistral, SmolLM) and
 * {@code qwen2}; anything else is refused by name.
 *
 * @param architecture {@code llama} or {@code qwen2}
 * @param dim model width D
 * @param layers transformer blocks
 * @param heads query heads H
 * @param kvHeads key/value heads (grouped-query attention when fewer than H)
 * @param headDim per-head width Hd
 * @param ffn feed-forward width F
 * @param vocab vocabulary size V
 * @param contextLength positions the model was trained for
 * @param rmsEps RMSNorm epsilon
 * @param ropeBase RoPE frequency base
 * @param ropeDims how many dimensions of each head are rotated
 * @param ropeNeox true for NeoX-style rotation (pairs i and i + d/2), false for interleaved pairs
 * @param ropeLinearFactor position divisor of linear RoPE scaling (1 for none)
 */
public record ModelConfig(String architecture, int dim, int layers, int heads, int kvHeads, int headDim, int ffn, int vocab,
        int contextLength, float rmsEps, float ropeBase, int ropeDims, boolean ropeNeox, float ropeLinearFactor) {

    /** Architectures with a forward pass here. */
    public static final Set<String> SUPPORTED = Set.of("llama", "qwen2");

    public static ModelConfig from(GgufFile f) throws GgufException {
        String file = f.path().toString();
        String arch = f.getString("general.architecture");
        if (!SUPPORTED.contains(arch)) {
            throw new GgufException(file, "general.architecture", "unsupported architecture '" + arch + "' (supported: llama, qwen2)");
        }
        int dim = f.getInt(arch + ".embedding_length", 1);
        int layers = f.getInt(arch + ".block_count", 1);
        int heads = f.getInt(arch + ".attention.head_count", 1);
        int kvHeads = f.getInt(arch + ".attention.head_count_kv", 1, heads);
        if (heads % kvHeads != 0) {
            throw new GgufException(file, arch + ".attention.head_count_kv", kvHeads + " does not divide head_count " + heads);
        }
        int headDim = f.getInt(arch + ".attention.key_length", 1, dim / heads);
        if (f.has(arch + ".attention.value_length") && f.getInt(arch + ".attention.value_length", 1) != headDim) {
            throw new GgufException(file, arch + ".attention.value_length", "differs from key_length " + headDim);
        }
        int ffn = f.getInt(arch + ".feed_forward_length", 1);
        int vocab = f.getStringArray("tokenizer.ggml.tokens").length;
        int ctx = f.getInt(arch + ".context_length", 1, 2048);
        float eps = f.getFloat(arch + ".attention.layer_norm_rms_epsilon", 1e-5f);
        float base = f.getFloat(arch + ".rope.freq_base", 10000f);
        int ropeDims = f.getInt(arch + ".rope.dimension_count", 2, headDim);
        if (ropeDims > headDim || ropeDims % 2 != 0) {
            throw new GgufException(file, arch + ".rope.dimension_count", ropeDims + " must be even and at most the head size " + headDim);
        }
        float linear = 1f;
        String scaling = f.getString(arch + ".rope.scaling.type", "none");
        switch (scaling) {
            case "none" -> { }
            case "linear" -> linear = f.getFloat(arch + ".rope.scaling.factor", 1f);
            default -> {
                // Llama 3.1's "llama3" scaling arrives as a rope_freqs tensor, read by the weights.
                if (!f.hasTensor("rope_freqs.weight")) {
                    throw new GgufException(file, arch + ".rope.scaling.type", "unsupported RoPE scaling '" + scaling + "'");
                }
            }
        }
        if (!(linear > 0f)) {
            throw new GgufException(file, arch + ".rope.scaling.factor", "must be positive, found " + linear);
        }
        return new ModelConfig(arch, dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, eps, base, ropeDims,
                arch.equals("qwen2"), linear);
    }

    /** Width of the keys (and values) of one position: kvHeads · headDim. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Width of the queries of one position: heads · headDim. */
    public int qDim() {
        return heads * headDim;
    }
}
