package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import java.util.Set;

/**
 * The transformer's hyperparameters and named features, read from GGUF metadata ({@code
 * <arch>.embedding_length} and so on) the way llama.cpp's loader reads them. This is the one place that
 * knows architecture names: it turns each into features (q/k norm, post-norms, soft-capping, sliding
 * window, …) with llama.cpp's defaults, and the forward pass branches on those features only.
 *
 * <p>Architectures: {@code llama} (Llama 2/3, TinyLlama, Mistral, SmolLM), {@code qwen2}, {@code qwen3}
 * (per-head q/k RMSNorm), {@code gemma2} and {@code gemma3} (embedding × √D, GELU-tanh FFN, post-attention
 * and post-FFN norms, soft-capping, interleaved sliding-window layers, local/global RoPE bases) and
 * {@code phi3} (fused qkv and gate/up tensors, partial RoPE). Anything else is refused by name, and so are
 * keys llama.cpp reads that would change the math in a way not implemented here (mixtures of experts,
 * YaRN or LongRoPE scaling, an attention factor).
 *
 * @param architecture {@code general.architecture}
 * @param dim model width D
 * @param layers transformer blocks
 * @param heads query heads H
 * @param kvHeads key/value heads (grouped-query attention when fewer than H)
 * @param headDim per-head width Hd
 * @param ffn feed-forward width F
 * @param vocab vocabulary size V
 * @param contextLength positions the model was trained for
 * @param rmsEps RMSNorm epsilon
 * @param ropeBase RoPE frequency base (of the global layers when some layers slide)
 * @param ropeDims how many dimensions of each head are rotated (partial RoPE when below Hd)
 * @param ropeNeox true for NeoX-style rotation (pairs i and i + d/2), false for interleaved pairs
 * @param ropeLinearFactor position divisor of linear RoPE scaling (1 for none), global layers
 * @param embedScale factor on the token embeddings (√D for Gemma, else 1)
 * @param qkNorm RMSNorm of each query and key head before RoPE ({@code attn_q_norm}, {@code attn_k_norm})
 * @param postNorms RMSNorm of the attention and FFN outputs before they join the residual stream
 * @param activation the FFN gate's activation
 * @param attnScale factor on the attention scores q·k (1/√Hd, or Gemma's query scaling)
 * @param attnSoftcap attention scores become c·tanh(s/c) with this c; 0 for none
 * @param finalSoftcap logits become c·tanh(l/c) with this c; 0 for none
 * @param slidingWindow keys at distance ≥ this from the query are masked on sliding layers; 0 for none
 * @param slidingPattern layer l slides when {@code l % slidingPattern < slidingPattern − 1}
 * @param ropeBaseSwa RoPE base of the sliding layers
 * @param ropeLinearFactorSwa linear RoPE scaling of the sliding layers
 */
public record ModelConfig(
        String architecture,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffn,
        int vocab,
        int contextLength,
        float rmsEps,
        float ropeBase,
        int ropeDims,
        boolean ropeNeox,
        float ropeLinearFactor,
        float embedScale,
        boolean qkNorm,
        boolean postNorms,
        Activation activation,
        float attnScale,
        float attnSoftcap,
        float finalSoftcap,
        int slidingWindow,
        int slidingPattern,
        float ropeBaseSwa,
        float ropeLinearFactorSwa) {

    /** Architectures with a forward pass here. */
    public static final Set<String> SUPPORTED = Set.of("llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3");

    /** A Llama-style block (no extra features): the shape of {@link RandomModel}s and of tests. */
    public ModelConfig(
            String architecture,
            int dim,
            int layers,
            int heads,
            int kvHeads,
            int headDim,
            int ffn,
            int vocab,
            int contextLength,
            float rmsEps,
            float ropeBase,
            int ropeDims,
            boolean ropeNeox,
            float ropeLinearFactor) {
        this(
                architecture,
                dim,
                layers,
                heads,
                kvHeads,
                headDim,
                ffn,
                vocab,
                contextLength,
                rmsEps,
                ropeBase,
                ropeDims,
                ropeNeox,
                ropeLinearFactor,
                1f,
                false,
                false,
                Activation.SILU,
                (float) (1.0 / Math.sqrt(headDim)),
                0f,
                0f,
                0,
                1,
                ropeBase,
                ropeLinearFactor);
    }

    public static ModelConfig from(GgufFile f) throws GgufException {
        String file = f.path().toString();
        String arch = f.getString("general.architecture");
        if (!SUPPORTED.contains(arch)) {
            throw new GgufException(
                    file,
                    "general.architecture",
                    "unsupported architecture '" + arch + "' (supported: "
                            + String.join(", ", new java.util.TreeSet<>(SUPPORTED)) + ")");
        }
        String p = arch + ".";
        int dim = f.getInt(p + "embedding_length", 1);
        int layers = f.getInt(p + "block_count", 1);
        if (f.has(p + "expert_count") && f.getLong(p + "expert_count") > 0) {
            throw new GgufException(
                    file,
                    p + "expert_count",
                    "mixture-of-experts models are not supported (found " + f.getLong(p + "expert_count")
                            + " experts)");
        }
        int heads = f.getInt(p + "attention.head_count", 1);
        int kvHeads = f.getInt(p + "attention.head_count_kv", 1, heads);
        if (heads % kvHeads != 0) {
            throw new GgufException(
                    file, p + "attention.head_count_kv", kvHeads + " does not divide head_count " + heads);
        }
        if (dim % heads != 0 && !f.has(p + "attention.key_length")) {
            throw new GgufException(
                    file,
                    p + "attention.head_count",
                    heads + " does not divide embedding_length " + dim + " and no key_length is given");
        }
        int headDim = f.getInt(p + "attention.key_length", 1, dim / heads);
        if (f.has(p + "attention.value_length") && f.getInt(p + "attention.value_length", 1) != headDim) {
            throw new GgufException(file, p + "attention.value_length", "differs from key_length " + headDim);
        }
        int ffn = f.getInt(p + "feed_forward_length", 1);
        int vocab = f.getStringArray("tokenizer.ggml.tokens").length;
        int ctx = f.getInt(p + "context_length", 1, 2048);
        float eps = f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        // NaN, 0 or a negative epsilon runs and prints nothing but zeros (or NaN): refuse it by name instead.
        requirePositiveFinite(file, p + "attention.layer_norm_rms_epsilon", eps);
        checkLayersStored(f, file, p + "block_count", layers);

        // RoPE, as llama.cpp reads it for every architecture: the scaling type defaults to linear, and a
        // factor (rope.scaling.factor, or the older rope.scale_linear) divides the positions.
        float base = f.getFloat(p + "rope.freq_base", 10000f);
        requirePositiveFinite(file, p + "rope.freq_base", base);
        int ropeDims = f.getInt(p + "rope.dimension_count", 2, headDim);
        if (ropeDims > headDim || ropeDims % 2 != 0) {
            throw new GgufException(
                    file, p + "rope.dimension_count", ropeDims + " must be even and at most the head size " + headDim);
        }
        if (arch.equals("llama") && ropeDims != headDim) {
            throw new GgufException(
                    file,
                    p + "rope.dimension_count",
                    ropeDims + " differs from the head size " + headDim + " (llama rotates whole heads)");
        }
        float linear = 1f;
        String scaling = f.getString(p + "rope.scaling.type", "linear");
        float factor = f.has(p + "rope.scaling.factor")
                ? f.getFloat(p + "rope.scaling.factor")
                : f.getFloat(p + "rope.scale_linear", 0f);
        switch (scaling) {
            case "none" -> {}
            case "linear" -> linear = factor == 0f ? 1f : factor;
            default -> {
                // Llama 3.1's "llama3" scaling arrives as a rope_freqs tensor, read by the weights.
                if (!f.hasTensor("rope_freqs.weight")) {
                    throw new GgufException(
                            file, p + "rope.scaling.type", "unsupported RoPE scaling '" + scaling + "'");
                }
            }
        }
        if (!(linear > 0f) || Float.isInfinite(linear)) {
            throw new GgufException(file, p + "rope.scaling.factor", "must be positive and finite, found " + linear);
        }
        if (f.has(p + "rope.scaling.attn_factor") && f.getFloat(p + "rope.scaling.attn_factor") != 1f) {
            throw new GgufException(
                    file,
                    p + "rope.scaling.attn_factor",
                    "RoPE attention factor " + f.getFloat(p + "rope.scaling.attn_factor") + " is not supported");
        }

        // Features by architecture, with llama.cpp's defaults; the keys that set them are read the same way.
        float embedScale = 1f;
        boolean qkNorm = false;
        boolean postNorms = false;
        Activation act = Activation.SILU;
        float attnScale = (float) (1.0 / Math.sqrt(headDim));
        float attnSoftcap = 0f;
        float finalSoftcap = 0f;
        int window = 0;
        int pattern = 1;
        float baseSwa = base;
        float linearSwa = linear;
        switch (arch) {
            case "qwen3" -> qkNorm = true;
            case "phi3" -> {
                // phi3.attention.sliding_window is read and then ignored by llama.cpp ("Phi SWA is disabled").
                if (heads * headDim != dim) {
                    throw new GgufException(
                            file,
                            p + "attention.head_count",
                            "phi3 needs head_count × head size = embedding_length, found " + heads + " × " + headDim
                                    + " ≠ " + dim);
                }
            }
            case "gemma2", "gemma3" -> {
                embedScale = (float) Math.sqrt(dim);
                postNorms = true;
                act = Activation.GELU_TANH;
                boolean largest = arch.equals("gemma2") ? layers == 46 : layers == 62; // the 27B models
                if (largest) {
                    attnScale = (float) (1.0 / Math.sqrt(dim / heads));
                }
                if (arch.equals("gemma2")) {
                    window = f.getInt(p + "attention.sliding_window", 0, 4096);
                    pattern = 2;
                    attnSoftcap = f.getFloat(p + "attn_logit_softcapping", 50f);
                    finalSoftcap = f.getFloat(p + "final_logit_softcapping", 30f);
                    checkSoftcap(file, p + "attn_logit_softcapping", attnSoftcap);
                    checkSoftcap(file, p + "final_logit_softcapping", finalSoftcap);
                } else {
                    qkNorm = true;
                    window = f.getInt(p + "attention.sliding_window", 0, 0);
                    if (window > 0) {
                        pattern = 6;
                        baseSwa = f.getFloat(p + "rope.freq_base_swa", 10000f);
                        linearSwa = 1f; // RoPE scaling applies to the global layers only
                        if (f.has(p + "final_logit_softcapping")) {
                            throw new GgufException(
                                    file,
                                    p + "final_logit_softcapping",
                                    "a final soft-cap on a gemma3 model with sliding-window layers is not supported");
                        }
                    } else {
                        finalSoftcap = f.getFloat(p + "final_logit_softcapping", 0f);
                        checkSoftcap(file, p + "final_logit_softcapping", finalSoftcap);
                    }
                }
            }
            default -> {}
        }
        requirePositiveFinite(file, p + "rope.freq_base_swa", baseSwa);
        return new ModelConfig(
                arch,
                dim,
                layers,
                heads,
                kvHeads,
                headDim,
                ffn,
                vocab,
                ctx,
                eps,
                base,
                ropeDims,
                !arch.equals("llama"),
                linear,
                embedScale,
                qkNorm,
                postNorms,
                act,
                attnScale,
                attnSoftcap,
                finalSoftcap,
                window,
                pattern,
                baseSwa,
                linearSwa);
    }

    private static void requirePositiveFinite(String file, String key, float v) throws GgufException {
        if (!(v > 0f) || Float.isInfinite(v)) {
            throw new GgufException(file, key, "must be a positive finite number, found " + v);
        }
    }

    /**
     * {@code block_count} must be the number of blocks the file stores ({@code blk.0.*} … {@code blk.N-1.*}): a
     * smaller count would silently drop layers, a larger one would allocate for layers that are not there. Files
     * without tensors (vocabulary-only) have nothing to compare.
     */
    private static void checkLayersStored(GgufFile f, String file, String key, int layers) throws GgufException {
        if (f.tensors().isEmpty()) {
            return;
        }
        int stored = 0;
        for (String name : f.tensors().keySet()) {
            if (name.startsWith("blk.")) {
                int dot = name.indexOf('.', 4);
                if (dot > 4) {
                    try {
                        stored = Math.max(stored, Integer.parseInt(name.substring(4, dot)) + 1);
                    } catch (NumberFormatException e) {
                        throw new GgufException(file, "tensor '" + name + "'", "block index is not a number");
                    }
                }
            }
        }
        if (stored != layers) {
            throw new GgufException(
                    file,
                    key,
                    layers + " blocks declared, but the file stores " + stored
                            + (stored == 0 ? "" : " (blk.0 … blk." + (stored - 1) + ")"));
        }
    }

    private static void checkSoftcap(String file, String key, float cap) throws GgufException {
        if (!(cap >= 0f) || Float.isInfinite(cap)) {
            throw new GgufException(file, key, "must be a finite value >= 0, found " + cap);
        }
    }

    /** Width of the keys (and values) of one position: kvHeads · headDim. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Width of the queries of one position: heads · headDim. */
    public int qDim() {
        return heads * headDim;
    }

    /** Whether layer {@code layer} attends through a sliding window (and uses the local RoPE). */
    public boolean slides(int layer) {
        return slidingWindow > 0 && layer % slidingPattern < slidingPattern - 1;
    }

    /** The features beyond a Llama block, for display ("none" for a Llama block). */
    public String features() {
        java.util.List<String> f = new java.util.ArrayList<>();
        if (embedScale != 1f) {
            f.add("embedding × " + embedScale);
        }
        if (qkNorm) {
            f.add("q/k norm");
        }
        if (postNorms) {
            f.add("post-norms");
        }
        if (activation != Activation.SILU) {
            f.add("GELU-tanh FFN");
        }
        if (attnScale != (float) (1.0 / Math.sqrt(headDim))) {
            f.add("attention scale " + attnScale);
        }
        if (attnSoftcap != 0f) {
            f.add("attention soft-cap " + attnSoftcap);
        }
        if (finalSoftcap != 0f) {
            f.add("final soft-cap " + finalSoftcap);
        }
        if (slidingWindow > 0) {
            int n = 0;
            for (int l = 0; l < layers; l++) {
                n += slides(l) ? 1 : 0;
            }
            f.add("sliding window " + slidingWindow + " on " + n + " of " + layers + " layers (RoPE base " + ropeBaseSwa
                    + (ropeLinearFactorSwa != 1f ? ", linear ×" + ropeLinearFactorSwa : "") + ")");
        }
        if (ropeLinearFactor != 1f) {
            f.add("linear RoPE ×" + ropeLinearFactor + (slidingWindow > 0 ? " on global layers" : ""));
        }
        if (ropeDims < headDim) {
            f.add("partial RoPE " + ropeDims + "/" + headDim);
        }
        return f.isEmpty() ? "none" : String.join(", ", f);
    }

    /**
     * True for a plain Llama block (pre-norms only, SiLU, no soft-capping, no window, no q/k norm, unscaled
     * embeddings): the block that MTP modules copy and the head trainer reproduces.
     */
    public boolean llamaBlock() {
        return embedScale == 1f
                && !qkNorm
                && !postNorms
                && activation == Activation.SILU
                && attnSoftcap == 0f
                && finalSoftcap == 0f
                && slidingWindow == 0;
    }
}
