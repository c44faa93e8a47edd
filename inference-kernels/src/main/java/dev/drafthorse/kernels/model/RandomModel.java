package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufWriter;
import dev.drafthorse.kernels.gguf.MetadataValue;
import dev.drafthorse.kernels.gguf.ValueType;
import dev.drafthorse.kernels.tensor.Quantize;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a Llama-shaped model with random weights and a synthetic SentencePiece vocabulary (the three
 * specials, the 256 byte tokens, then filler pieces): for tests of every tensor type and for
 * benchmarks of shapes no trained file exists for. Random weights give flat logits, so such models are
 * useless for speculative-decoding figures (see the README).
 *
 * @param architecture {@code llama}, {@code qwen2}, {@code qwen3}, {@code gemma2}, {@code gemma3} or {@code phi3}:
 *     each gets its architecture's tensors (q/k norms, post-norms, fused phi3 tensors) and metadata (a
 *     sliding window of 5 on gemma2/gemma3 so short tests cross it, soft-caps on gemma2, local RoPE base
 *     and linear scaling ×4 on gemma3, partial RoPE of 3/4 of each head on phi3)
 * @param dim model width
 * @param layers blocks
 * @param heads query heads
 * @param kvHeads key/value heads
 * @param ffn feed-forward width
 * @param vocab vocabulary size (at least 259)
 * @param context context length
 * @param type type of the matrices (norms stay F32)
 * @param tiedOutput true to reuse the embedding as the output matrix
 * @param seed weight seed
 */
public record RandomModel(
        String architecture,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int ffn,
        int vocab,
        int context,
        GgmlType type,
        boolean tiedOutput,
        long seed) {

    public RandomModel {
        if (vocab < 259) {
            throw new IllegalArgumentException("vocab must be >= 259 (specials and byte tokens), got " + vocab);
        }
        if (dim % heads != 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException(
                    "dim must divide into heads and heads into kv-heads: " + dim + "/" + heads + "/" + kvHeads);
        }
    }

    /** The 110M-parameter Llama shape of the benchmarks (dim 768, 12 layers, 12 heads, FFN 2048, vocab 32000). */
    public static RandomModel llama110M(GgmlType type) {
        return new RandomModel("llama", 768, 12, 12, 12, 2048, 32000, 2048, type, false, 110);
    }

    public RandomModel withType(GgmlType t) {
        return new RandomModel(architecture, dim, layers, heads, kvHeads, ffn, vocab, context, t, tiedOutput, seed);
    }

    public void write(Path path) throws IOException {
        Random rnd = new Random(seed);
        String a = architecture;
        int headDim = dim / heads;
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", a);
        w.putString("general.name", "random " + a + " " + dim + "x" + layers + " " + type);
        w.putUint32(a + ".context_length", context);
        w.putUint32(a + ".embedding_length", dim);
        w.putUint32(a + ".block_count", layers);
        w.putUint32(a + ".feed_forward_length", ffn);
        w.putUint32(a + ".attention.head_count", heads);
        w.putUint32(a + ".attention.head_count_kv", kvHeads);
        boolean gemma = a.equals("gemma2") || a.equals("gemma3");
        int ropeDims = a.equals("phi3") ? headDim * 3 / 4 / 2 * 2 : headDim;
        w.putUint32(a + ".rope.dimension_count", ropeDims);
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", 1e-5f);
        w.putFloat32(a + ".rope.freq_base", a.equals("gemma3") ? 1e6f : 10000f);
        if (gemma) {
            w.putUint32(a + ".attention.sliding_window", 5);
        }
        if (a.equals("gemma2")) {
            w.putFloat32(a + ".attn_logit_softcapping", 2f);
            w.putFloat32(a + ".final_logit_softcapping", 30f);
        }
        if (a.equals("gemma3")) {
            w.putFloat32(a + ".rope.freq_base_swa", 10000f);
            w.putString(a + ".rope.scaling.type", "linear");
            w.putFloat32(a + ".rope.scaling.factor", 4f);
        }
        putVocabulary(w, vocab);

        float std = (float) (1.0 / Math.sqrt(dim));
        w.tensor(
                "token_embd.weight",
                type,
                new long[] {dim, vocab},
                Quantize.encode(type, gaussian(rnd, vocab * dim, 1f), dim));
        w.tensor(
                "output_norm.weight",
                GgmlType.F32,
                new long[] {dim},
                Quantize.encode(GgmlType.F32, norm(rnd, dim), dim));
        if (!tiedOutput) {
            w.tensor(
                    "output.weight",
                    type,
                    new long[] {dim, vocab},
                    Quantize.encode(type, gaussian(rnd, vocab * dim, std), dim));
        }
        int kvDim = kvHeads * headDim;
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            w.tensor(
                    p + "attn_norm.weight",
                    GgmlType.F32,
                    new long[] {dim},
                    Quantize.encode(GgmlType.F32, norm(rnd, dim), dim));
            if (a.equals("phi3")) {
                matrix(w, rnd, p + "attn_qkv.weight", dim + 2 * kvDim, dim, std);
            } else {
                matrix(w, rnd, p + "attn_q.weight", dim, dim, std);
                matrix(w, rnd, p + "attn_k.weight", kvDim, dim, std);
                matrix(w, rnd, p + "attn_v.weight", kvDim, dim, std);
            }
            if (a.equals("qwen3") || a.equals("gemma3")) {
                vector(w, rnd, p + "attn_q_norm.weight", headDim);
                vector(w, rnd, p + "attn_k_norm.weight", headDim);
            }
            if (a.equals("qwen2")) {
                w.tensor(
                        p + "attn_q.bias",
                        GgmlType.F32,
                        new long[] {dim},
                        Quantize.encode(GgmlType.F32, gaussian(rnd, dim, 0.1f), dim));
                w.tensor(
                        p + "attn_k.bias",
                        GgmlType.F32,
                        new long[] {kvDim},
                        Quantize.encode(GgmlType.F32, gaussian(rnd, kvDim, 0.1f), kvDim));
                w.tensor(
                        p + "attn_v.bias",
                        GgmlType.F32,
                        new long[] {kvDim},
                        Quantize.encode(GgmlType.F32, gaussian(rnd, kvDim, 0.1f), kvDim));
            }
            matrix(w, rnd, p + "attn_output.weight", dim, dim, std);
            if (gemma) {
                vector(w, rnd, p + "post_attention_norm.weight", dim);
            }
            w.tensor(
                    p + "ffn_norm.weight",
                    GgmlType.F32,
                    new long[] {dim},
                    Quantize.encode(GgmlType.F32, norm(rnd, dim), dim));
            if (a.equals("phi3")) {
                matrix(w, rnd, p + "ffn_up.weight", 2 * ffn, dim, std); // gate rows, then up rows
            } else {
                matrix(w, rnd, p + "ffn_gate.weight", ffn, dim, std);
                matrix(w, rnd, p + "ffn_up.weight", ffn, dim, std);
            }
            matrix(w, rnd, p + "ffn_down.weight", dim, ffn, (float) (1.0 / Math.sqrt(ffn)));
            if (gemma) {
                vector(w, rnd, p + "post_ffw_norm.weight", dim);
            }
        }
        w.write(path);
    }

    /** A norm weight near 1, kept in F32 as converters keep them. */
    private static void vector(GgufWriter w, Random rnd, String name, int n) {
        w.tensor(name, GgmlType.F32, new long[] {n}, Quantize.encode(GgmlType.F32, norm(rnd, n), n));
    }

    private void matrix(GgufWriter w, Random rnd, String name, int rows, int cols, float std) {
        w.tensor(name, type, new long[] {cols, rows}, Quantize.encode(type, gaussian(rnd, rows * cols, std), cols));
    }

    private static float[] gaussian(Random rnd, int n, float std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian() * std;
        }
        return v;
    }

    private static float[] norm(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 1f + 0.1f * (float) rnd.nextGaussian();
        }
        return v;
    }

    /** A SentencePiece vocabulary: unk, bos, eos, 256 byte tokens, then pieces of letters. */
    static void putVocabulary(GgufWriter w, int vocab) {
        String[] tokens = new String[vocab];
        float[] scores = new float[vocab];
        int[] types = new int[vocab];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        types[0] = 2;
        types[1] = 3;
        types[2] = 3;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = 6;
        }
        String letters = "etaoinshrdlucmfwypvbgkjqxz";
        java.util.LinkedHashSet<String> pieces = new java.util.LinkedHashSet<>();
        pieces.add("\u2581");
        for (char c : letters.toCharArray()) {
            pieces.add(String.valueOf(c));
            pieces.add("\u2581" + c);
        }
        outer:
        for (int len = 2; ; len++) {
            for (String prev : pieces.toArray(new String[0])) {
                for (char c : letters.toCharArray()) {
                    if (pieces.size() >= vocab - 259) {
                        break outer;
                    }
                    if (prev.length() == len - 1 || prev.length() == len && prev.charAt(0) == '\u2581') {
                        pieces.add(prev + c);
                    }
                }
            }
        }
        int i = 259;
        for (String p : pieces) {
            if (i >= vocab) {
                break;
            }
            tokens[i] = p;
            scores[i] = -(i - 259);
            types[i] = 1;
            i++;
        }
        w.putString("tokenizer.ggml.model", "llama");
        w.put("tokenizer.ggml.tokens", MetadataValue.array(ValueType.STRING, tokens));
        w.put("tokenizer.ggml.scores", MetadataValue.array(ValueType.FLOAT32, scores));
        w.put("tokenizer.ggml.token_type", MetadataValue.array(ValueType.INT32, types));
        w.putUint32("tokenizer.ggml.bos_token_id", 1);
        w.putUint32("tokenizer.ggml.eos_token_id", 2);
        w.putUint32("tokenizer.ggml.unknown_token_id", 0);
    }
}
