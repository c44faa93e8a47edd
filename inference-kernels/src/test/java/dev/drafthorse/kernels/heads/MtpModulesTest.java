package dev.drafthorse.kernels.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.model.KvCache;
import dev.drafthorse.kernels.model.KvType;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.ModelConfig;
import dev.drafthorse.kernels.model.ModelWeights;
import dev.drafthorse.kernels.model.Step;
import dev.drafthorse.kernels.sampling.Sampler;
import dev.drafthorse.kernels.tensor.Parallel;
import dev.drafthorse.kernels.tensor.WeightMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MTP modules against an independent oracle: the DeepSeek-V3 module chain written plainly in double
 * precision over the whole sequence (full causal attention recomputed at every position, no KV cache),
 * compared with {@link MtpModules#step} driven through rounds of drafting and verification in which some
 * drafts are wrong. A stale provisional cache entry (computed from a rejected draft) or a lost hidden row
 * would change a later round's logits.
 */
class MtpModulesTest {
    @TempDir
    static Path dir;

    static Parallel par;
    static Model stories;
    static MtpModules mtp;

    @BeforeAll
    static void load() throws IOException {
        par = new Parallel(2);
        stories = Model.load(SharedFiles.model("stories260K.gguf"), par);
        RandomHeads.write(stories, HeadsFile.Kind.MTP, 3, GgmlType.F16, false, 4, dir.resolve("mtp.gguf"));
        mtp = HeadsFile.loadMtp(dir.resolve("mtp.gguf"), stories);
    }

    @AfterAll
    static void close() {
        par.close();
    }

    // ---------------------------------------------------------------- the oracle, in double precision

    /** logits[d][j] (V) of module d at position j, for every j whose input token t_{j+d+1} is in {@code tokens}. */
    static double[][][] oracle(int[] tokens, float[] h0) {
        ModelConfig c = stories.config();
        int dim = c.dim();
        int len = tokens.length;
        double[][] h = new double[len][dim]; // h^d of each position
        for (int j = 0; j < len; j++) {
            for (int i = 0; i < dim; i++) {
                h[j][i] = h0[j * dim + i];
            }
        }
        double[][][] logits = new double[mtp.count()][][];
        for (int d = 0; d < mtp.count(); d++) {
            MtpModules.Module m = mtp.module(d);
            int rows = len - d - 1; // positions j with t_{j+d+1} known
            double[][] x = new double[rows][];
            for (int j = 0; j < rows; j++) {
                double[] in = new double[2 * dim];
                System.arraycopy(rmsnorm(h[j], m.hnorm(), c.rmsEps()), 0, in, 0, dim);
                System.arraycopy(
                        rmsnorm(row(stories.weights().tokenEmbedding, tokens[j + d + 1]), m.enorm(), c.rmsEps()),
                        0,
                        in,
                        dim,
                        dim);
                x[j] = matvec(m.proj(), in);
            }
            x = block(m.block(), x, c);
            logits[d] = new double[rows][];
            double[][] next = new double[rows][];
            for (int j = 0; j < rows; j++) {
                logits[d][j] = matvec(stories.weights().output, rmsnorm(x[j], m.norm(), c.rmsEps()));
                next[j] = x[j];
            }
            h = next;
        }
        return logits;
    }

    private static double[][] block(ModelWeights.Layer l, double[][] x, ModelConfig c) {
        int t = x.length;
        int hd = c.headDim();
        double[][] q = new double[t][];
        double[][] k = new double[t][];
        double[][] v = new double[t][];
        for (int i = 0; i < t; i++) {
            double[] n = rmsnorm(x[i], l.attnNorm, c.rmsEps());
            q[i] = matvec(l.wq, n);
            k[i] = matvec(l.wk, n);
            v[i] = matvec(l.wv, n);
            rope(q[i], c.heads(), i, c);
            rope(k[i], c.kvHeads(), i, c);
        }
        int group = c.heads() / c.kvHeads();
        double[][] out = new double[t][];
        for (int i = 0; i < t; i++) {
            double[] att = new double[c.qDim()];
            for (int head = 0; head < c.heads(); head++) {
                int kh = head / group;
                double[] s = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += q[i][head * hd + e] * k[j][kh * hd + e];
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
                        att[head * hd + e] += s[j] / sum * v[j][kh * hd + e];
                    }
                }
            }
            double[] y = x[i].clone();
            double[] o = matvec(l.wo, att);
            for (int e = 0; e < y.length; e++) {
                y[e] += o[e];
            }
            double[] m = rmsnorm(y, l.ffnNorm, c.rmsEps());
            double[] g = matvec(l.gate, m);
            double[] u = matvec(l.up, m);
            for (int e = 0; e < g.length; e++) {
                g[e] = g[e] / (1 + Math.exp(-g[e])) * u[e];
            }
            double[] dn = matvec(l.down, g);
            for (int e = 0; e < y.length; e++) {
                y[e] += dn[e];
            }
            out[i] = y;
        }
        return out;
    }

    /** Interleaved-pair RoPE (stories260K is a llama model), base^(−2i/d) frequencies. */
    private static void rope(double[] vec, int heads, int pos, ModelConfig c) {
        int hd = c.headDim();
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < c.ropeDims() / 2; i++) {
                double theta = pos * Math.pow(c.ropeBase(), -2.0 * i / c.ropeDims());
                int a = h * hd + 2 * i;
                double x0 = vec[a];
                double x1 = vec[a + 1];
                vec[a] = x0 * Math.cos(theta) - x1 * Math.sin(theta);
                vec[a + 1] = x0 * Math.sin(theta) + x1 * Math.cos(theta);
            }
        }
    }

    private static double[] rmsnorm(double[] x, float[] w, float eps) {
        double ss = 0;
        for (double e : x) {
            ss += e * e;
        }
        double s = 1 / Math.sqrt(ss / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * s * w[i];
        }
        return out;
    }

    private static double[] row(WeightMatrix m, int r) {
        float[] f = new float[m.cols()];
        m.row(r, f, 0);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    private static double[] matvec(WeightMatrix m, double[] x) {
        double[] out = new double[m.rows()];
        float[] r = new float[m.cols()];
        for (int i = 0; i < m.rows(); i++) {
            m.row(i, r, 0);
            double s = 0;
            for (int j = 0; j < r.length; j++) {
                s += r[j] * x[j];
            }
            out[i] = s;
        }
        return out;
    }

    // ---------------------------------------------------------------- the test

    /** One simulated sequence: its true tokens, its target hidden states, its module state and n. */
    private static final class Sim {
        final int[] tokens;
        final float[] h0;
        final double[][][] want;
        final MtpModules.State state;
        int n;
        int[] drafts;

        Sim(int[] tokens, int prompt) {
            this.tokens = tokens;
            KvCache cache = stories.newCache(KvType.F32, tokens.length);
            float[][] hidden = new float[1][];
            stories.forward(List.of(Step.causal(cache, tokens, Step.Logits.ALL)), hidden);
            h0 = hidden[0];
            want = oracle(tokens, h0);
            state = mtp.newState(KvType.F32, tokens.length + 4);
            state.commit(h0, 0, prompt); // prefill: the prompt's positions
            n = prompt + 1; // the first generated token is pending
        }
    }

    @Test
    void roundsOfDraftingAndVerificationMatchTheDoubleOracle() {
        Random rnd = new Random(7);
        int v = stories.config().vocab();
        List<Sim> sims = new ArrayList<>();
        String[] texts = {"Once upon a time", "Tom and Lily went to the park and"};
        int[] lens = {44, 37};
        for (int s = 0; s < texts.length; s++) {
            int[] p = stories.tokenizer().encode(texts[s], true, false);
            // The true continuation: the base model's greedy tokens (any tokens would do).
            KvCache c = stories.newCache(KvType.F32, lens[s] + 1);
            int[] t = Arrays.copyOf(p, lens[s]);
            float[] logits = stories.forwardLast(c, p);
            for (int i = p.length; i < t.length; i++) {
                t[i] = Sampler.argmax(logits, 0, v);
                logits = stories.forwardLast(c, new int[] {t[i]});
            }
            sims.add(new Sim(t, p.length - s)); // the second prompt keeps its last token for generation
        }
        int[] compared = new int[mtp.count()];
        while (sims.stream().anyMatch(x -> x.n < x.tokens.length)) {
            List<Sim> live = sims.stream().filter(x -> x.n < x.tokens.length).toList();
            for (Sim x : live) {
                int k = Math.min(mtp.count(), x.tokens.length - 1 - x.n);
                x.drafts = new int[Math.max(0, k)];
            }
            for (int d = 0; d < mtp.count(); d++) {
                final int dd = d;
                List<Sim> now = live.stream().filter(x -> x.drafts.length > dd).toList();
                if (now.isEmpty()) {
                    break;
                }
                List<MtpModules.State> states = now.stream().map(x -> x.state).toList();
                List<int[]> toks = now.stream().map(x -> x.tokens).toList();
                List<int[]> drafts = now.stream().map(x -> x.drafts).toList();
                int[] totals = now.stream().mapToInt(x -> x.n).toArray();
                float[][] got = mtp.step(d, states, toks, totals, drafts);
                for (int i = 0; i < now.size(); i++) {
                    Sim x = now.get(i);
                    boolean inputsTrue = true;
                    for (int j = 0; j < d; j++) {
                        inputsTrue &= x.drafts[j] == x.tokens[x.n + j];
                    }
                    if (inputsTrue) {
                        double[] want = x.want[d][x.n - 2];
                        for (int t = 0; t < v; t++) {
                            assertEquals(
                                    want[t],
                                    got[i][t],
                                    2e-3 * (1 + Math.abs(want[t])),
                                    "module " + d + " at position " + (x.n - 2) + ", token " + t);
                        }
                        compared[d]++;
                    }
                    // Draft the true token 60% of the time, else a wrong one (a rejected draft).
                    int truth = x.tokens[x.n + d];
                    x.drafts[d] = rnd.nextDouble() < 0.6 ? truth : (truth + 1 + rnd.nextInt(v - 1)) % v;
                }
            }
            // Verification: the leading true drafts are accepted, then the target's own token.
            for (Sim x : live) {
                int a = 0;
                while (a < x.drafts.length && x.drafts[a] == x.tokens[x.n + a]) {
                    a++;
                }
                x.state.commit(x.h0, x.n - 1, a + 1);
                x.n += a + 1;
            }
        }
        for (int d = 0; d < mtp.count(); d++) {
            assertTrue(compared[d] >= 3, "module " + d + " compared " + compared[d] + " times");
        }
    }
}
