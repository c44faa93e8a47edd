package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.tensor.Float16;
import dev.drafthorse.kernels.tensor.FloatOps;

/**
 * The gate activation of the gated feed-forward block, {@code down · (act(gate·m) ⊙ up·m)}.
 *
 * <p>{@link #GELU_TANH} reproduces llama.cpp's CPU GELU, which is not the formula itself but a lookup
 * table indexed by the input rounded to F16 ({@code GGML_GELU_FP16}): for −10 < x < 10,
 * {@code gelu(x) = f16(geluTanh(f16(x)))}; below −10 it is 0 and from 10 on it is x. Using the same
 * table keeps Gemma's logits within a few 1e-3 of llama.cpp's (see ArchReferenceTest) instead of 1–4e-2.
 */
public enum Activation {
    /** x·sigmoid(x), e^x by a polynomial as ggml's ({@link FloatOps#siluGated}): Llama, Qwen, Phi-3. */
    SILU,
    /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), through llama.cpp's F16 table: Gemma. */
    GELU_TANH;

    /** gate ← act(gate) ⊙ up over [from, to). */
    void gated(float[] gate, float[] up, int from, int to) {
        if (this == SILU) {
            FloatOps.siluGated(gate, up, from, to);
        } else {
            for (int i = from; i < to; i++) {
                gate[i] = gelu(gate[i]) * up[i];
            }
        }
    }

    /** llama.cpp's GELU of one value (see the class comment). */
    static float gelu(float x) {
        if (x <= -10f) {
            return 0f;
        }
        if (x >= 10f) {
            return x;
        }
        return GeluTable.TABLE[Float16.fromFloat(x) & 0xffff];
    }

    /**
     * The tanh approximation of GELU in float, as ggml's compiled {@code ggml_gelu_f32} evaluates it to fill
     * its table: the compiler contracts {@code 1 + a·x·x} into one fused multiply-add. With the fusion this
     * table equals llama.cpp's entry for entry (read from its CPU library); without it one entry of the
     * 65,536 differs (x = −1.999, by one F16 ulp).
     */
    static float geluTanh(float x) {
        final float sqrt2OverPi = 0.79788456080286535587989211986876f;
        final float coefA = 0.044715f;
        return 0.5f * x * (1f + (float) Math.tanh(sqrt2OverPi * x * Math.fma(coefA * x, x, 1f)));
    }

    /** Built on first use: 65,536 F16 inputs, each output rounded to F16 and widened back. */
    private static final class GeluTable {
        static final float[] TABLE = build(); // (65536) indexed by the F16 bits of the input

        private static float[] build() {
            float[] t = new float[1 << 16];
            for (int i = 0; i < t.length; i++) {
                float x = Float16.toFloat((short) i);
                t[i] = Float16.toFloat(Float16.fromFloat(geluTanh(x)));
            }
            return t;
        }
    }
}
