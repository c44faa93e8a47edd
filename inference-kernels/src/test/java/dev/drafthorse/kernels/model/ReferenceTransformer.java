package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.tensor.WeightMatrix;

/**
 * An independent oracle for the forward pass: the Llama/Qwen2 math written plainly in double precision
 * over dequantized weights, recomputing the whole sequence with full softmax attention (no KV cache, no
 * tiling, no threads). It shares nothing with {@link Model} but the weight views.
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
        }
        for (ModelWeights.Layer l : w.layers) {
            double[][] q = new double[t][];
            double[][] k = new double[t][];
            double[][] v = new double[t][];
            for (int i = 0; i < t; i++) {
                double[] n = rmsnorm(x[i], l.attnNorm);
                q[i] = matvec(l.wq, n, l.bq);
                k[i] = matvec(l.wk, n, l.bk);
                v[i] = matvec(l.wv, n, l.bv);
                rope(q[i], c.heads(), i);
                rope(k[i], c.kvHeads(), i);
            }
            int group = c.heads() / c.kvHeads();
            for (int i = 0; i < t; i++) {
                double[] att = new double[c.qDim()];
                for (int h = 0; h < c.heads(); h++) {
                    int kh = h / group;
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int e = 0; e < hd; e++) {
                            dot += q[i][h * hd + e] * k[j][kh * hd + e];
                        }
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int e = 0; e < hd; e++) {
                            att[h * hd + e] += s[j] / sum * v[j][kh * hd + e];
                        }
                    }
                }
                double[] o = matvec(l.wo, att, null);
                for (int e = 0; e < d; e++) {
                    x[i][e] += o[e];
                }
            }
            for (int i = 0; i < t; i++) {
                double[] n = rmsnorm(x[i], l.ffnNorm);
                double[] g = matvec(l.gate, n, null);
                double[] u = matvec(l.up, n, null);
                for (int e = 0; e < g.length; e++) {
                    g[e] = g[e] / (1 + Math.exp(-g[e])) * u[e];
                }
                double[] o = matvec(l.down, g, null);
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

    private void rope(double[] v, int heads, int pos) {
        int hd = c.headDim();
        int half = c.ropeDims() / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double freq = Math.pow(c.ropeBase(), -2.0 * i / c.ropeDims()) / c.ropeLinearFactor();
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
}
