package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.tensor.Float16;
import dev.drafthorse.kernels.tensor.NativeKernels;
import dev.drafthorse.kernels.tensor.WeightMatrix;

/**
 * An independent oracle for the forward pass: the math of every supported architecture written plainly
 * in double precision over dequantized weights, recomputing the whole sequence with full softmax
 * attention (no KV cache, no tiling, no threads, positions = indices). It shares nothing with
 * {@link Model} but the weight views and, for Gemma's GELU, llama.cpp's F16 table
 * ({@link Activation#gelu}), which is part of the definition being reproduced.
 */
final class ReferenceTransformer {
    private final ModelConfig c;
    private final ModelWeights w;

    ReferenceTransformer(Model model) {
        this.c = model.config();
        this.w = model.weights();
    }

    /** Logits (T, V) for every position of {@code tokens}. */
    double[][] logits(int[] tokens) {
        double[][] h = hidden(tokens);
        double[][] out = new double[h.length][];
        for (int i = 0; i < h.length; i++) {
            out[i] = matvec(w.output, h[i], null);
            if (c.finalSoftcap() != 0) {
                for (int j = 0; j < out[i].length; j++) {
                    out[i][j] = c.finalSoftcap() * Math.tanh(out[i][j] / c.finalSoftcap());
                }
            }
        }
        return out;
    }

    /** Final output-normed hidden states (T, D) for every position of {@code tokens}. */
    double[][] hidden(int[] tokens) {
        int t = tokens.length;
        int d = c.dim();
        int hd = c.headDim();
        double[][] x = new double[t][];
        for (int i = 0; i < t; i++) {
            x[i] = row(w.tokenEmbedding, tokens[i]);
            for (int e = 0; e < d; e++) {
                x[i][e] *= c.embedScale();
            }
        }
        for (int layer = 0; layer < c.layers(); layer++) {
            ModelWeights.Layer l = w.layers[layer];
            boolean slides = c.slides(layer);
            double base = slides ? c.ropeBaseSwa() : c.ropeBase();
            double linear = slides ? c.ropeLinearFactorSwa() : c.ropeLinearFactor();
            double[][] q = new double[t][];
            double[][] k = new double[t][];
            double[][] v = new double[t][];
            for (int i = 0; i < t; i++) {
                double[] n = rmsnorm(x[i], l.attnNorm);
                q[i] = matvec(l.wq, n, l.bq);
                k[i] = matvec(l.wk, n, l.bk);
                v[i] = matvec(l.wv, n, l.bv);
                if (l.qNorm != null) {
                    headNorm(q[i], c.heads(), l.qNorm);
                    headNorm(k[i], c.kvHeads(), l.kNorm);
                }
                rope(q[i], c.heads(), i, base, linear);
                rope(k[i], c.kvHeads(), i, base, linear);
            }
            int group = c.heads() / c.kvHeads();
            for (int i = 0; i < t; i++) {
                double[] att = new double[c.qDim()];
                for (int h = 0; h < c.heads(); h++) {
                    int kh = h / group;
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    int first = slides ? Math.max(0, i - c.slidingWindow() + 1) : 0; // keys at distance < window
                    for (int j = first; j <= i; j++) {
                        double dot = 0;
                        for (int e = 0; e < hd; e++) {
                            dot += q[i][h * hd + e] * k[j][kh * hd + e];
                        }
                        s[j] = dot * c.attnScale();
                        if (c.attnSoftcap() != 0) {
                            s[j] = c.attnSoftcap() * Math.tanh(s[j] / c.attnSoftcap());
                        }
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = first; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = first; j <= i; j++) {
                        for (int e = 0; e < hd; e++) {
                            att[h * hd + e] += s[j] / sum * v[j][kh * hd + e];
                        }
                    }
                }
                double[] o = matvec(l.wo, att, null);
                if (l.postAttnNorm != null) {
                    o = rmsnorm(o, l.postAttnNorm);
                }
                for (int e = 0; e < d; e++) {
                    x[i][e] += o[e];
                }
            }
            for (int i = 0; i < t; i++) {
                double[] n = rmsnorm(x[i], l.ffnNorm);
                double[] g = matvec(l.gate, n, null);
                double[] u = matvec(l.up, n, null);
                for (int e = 0; e < g.length; e++) {
                    double act = c.activation() == Activation.SILU
                            ? g[e] / (1 + Math.exp(-g[e]))
                            : Activation.gelu((float) g[e]);
                    g[e] = act * u[e];
                }
                double[] o = matvec(l.down, g, null);
                if (l.postFfnNorm != null) {
                    o = rmsnorm(o, l.postFfnNorm);
                }
                for (int e = 0; e < d; e++) {
                    x[i][e] += o[e];
                }
            }
        }
        double[][] out = new double[t][];
        for (int i = 0; i < t; i++) {
            out[i] = rmsnorm(x[i], w.outputNorm);
        }
        return out;
    }

    private void headNorm(double[] v, int heads, float[] weight) {
        int hd = c.headDim();
        for (int h = 0; h < heads; h++) {
            double[] head = rmsnorm(java.util.Arrays.copyOfRange(v, h * hd, (h + 1) * hd), weight);
            System.arraycopy(head, 0, v, h * hd, hd);
        }
    }

    private void rope(double[] v, int heads, int pos, double base, double linear) {
        int hd = c.headDim();
        int half = c.ropeDims() / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double freq = Math.pow(base, -2.0 * i / c.ropeDims()) / linear;
                if (w.ropeFreqFactors != null) {
                    freq /= w.ropeFreqFactors[i];
                }
                double th = pos * freq;
                int a = c.ropeNeox() ? h * hd + i : h * hd + 2 * i;
                int b = c.ropeNeox() ? h * hd + i + half : h * hd + 2 * i + 1;
                double x0 = v[a];
                double x1 = v[b];
                v[a] = x0 * Math.cos(th) - x1 * Math.sin(th);
                v[b] = x0 * Math.sin(th) + x1 * Math.cos(th);
            }
        }
    }

    private double[] rmsnorm(double[] x, float[] weight) {
        double ss = 0;
        for (double e : x) {
            ss += e * e;
        }
        double s = 1 / Math.sqrt(ss / x.length + c.rmsEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * s * weight[i];
        }
        return out;
    }

    private static double[] row(WeightMatrix m, int r) {
        float[] f = new float[m.cols()];
        m.row(r, f, 0);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static double[] matvec(WeightMatrix m, double[] x, float[] bias) {
        x = quantizedAsTheEngineDoes(m, x);
        double[] out = new double[m.rows()];
        float[] f = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.row(r, f, 0);
            double s = bias == null ? 0 : bias[r];
            for (int i = 0; i < f.length; i++) {
                s += f[i] * x[i];
            }
            out[r] = s;
        }
        return out;
    }

    /**
     * With the native integer kernels (NativeKernels), Q8_0 and Q4_0 products take their input quantized to Q8_0
     * blocks, as llama.cpp's do: ggml's quantize_row_q8_0_ref, written out here (d = amax / 127 kept as F16,
     * q = roundf(x / d)).
     */
    private static double[] quantizedAsTheEngineDoes(WeightMatrix m, double[] x) {
        if (!NativeKernels.ENABLED || (m.type() != GgmlType.Q8_0 && m.type() != GgmlType.Q4_0)) {
            return x;
        }
        double[] q = new double[x.length];
        for (int b = 0; b < x.length; b += 32) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs((float) x[b + j]));
            }
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            double d16 = Float16.toFloat(Float16.fromFloat(d));
            for (int j = 0; j < 32; j++) {
                float v = (float) x[b + j] * id;
                q[b + j] = d16 * Math.signum(v) * Math.floor(Math.abs((double) v) + 0.5);
            }
        }
        return q;
    }
}
