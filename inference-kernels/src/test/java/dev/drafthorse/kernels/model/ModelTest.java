package dev.drafthorse.kernels.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.GgufWriter;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random-weight models written by the GGUF writer in every tensor type: the forward pass equals the
 * double-precision {@link ReferenceTransformer}, KV-cached decoding equals recomputation, and a
 * sequence gets the same bits alone, in a batch and under any thread count.
 */
class ModelTest {
    @TempDir
    static Path dir;

    static Parallel par;

    @BeforeAll
    static void pool() {
        par = new Parallel(2);
    }

    @AfterAll
    static void close() {
        par.close();
    }

    static Model randomModel(String arch, GgmlType type, boolean tied, Parallel p) throws IOException {
        RandomModel spec = new RandomModel(arch, 64, 2, 4, 2, 96, 300, 128, type, tied, 7);
        Path path = dir.resolve(arch + "-" + type + "-" + tied + ".gguf");
        if (!path.toFile().exists()) {
            spec.write(path);
        }
        return Model.load(path, p);
    }

    private static int[] tokens(int n, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) {
            t[i] = 3 + r.nextInt(297);
        }
        return t;
    }

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void llamaMatchesReference(GgmlType type) throws IOException {
        checkAgainstReference(randomModel("llama", type, false, par));
    }

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"F32", "Q8_0"})
    void qwen2WithBiasesAndTiedOutputMatchesReference(GgmlType type) throws IOException {
        Model m = randomModel("qwen2", type, true, par);
        assertTrue(m.config().ropeNeox());
        assertTrue(m.weights().layers[0].bq != null);
        checkAgainstReference(m);
    }

    private void checkAgainstReference(Model m) {
        int[] toks = tokens(37, 3);
        double[][] ref = new ReferenceTransformer(m).logits(toks);
        KvCache cache = m.newCache(KvType.F32, 64);
        float[] got = m.forward(List.of(Step.causal(cache, toks, Step.Logits.ALL)))[0];
        int v = m.config().vocab();
        for (int i = 0; i < toks.length; i++) {
            double scale = 0;
            for (int j = 0; j < v; j++) {
                scale = Math.max(scale, Math.abs(ref[i][j]));
            }
            for (int j = 0; j < v; j++) {
                assertEquals(ref[i][j], got[i * v + j], 1e-4 * scale + 1e-5, "position " + i + " logit " + j);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void hiddenStatesMatchReferenceAndFingerprintTiesToTensors() throws IOException {
        Model m = randomModel("llama", GgmlType.F32, false, par);
        int[] toks = tokens(21, 9);
        double[][] ref = new ReferenceTransformer(m).hidden(toks);
        float[][] hidden = new float[1][];
        KvCache cache = m.newCache(KvType.F32, 32);
        float[] logits = m.forward(List.of(Step.causal(cache, toks, Step.Logits.ALL)), hidden)[0];
        int d = m.config().dim();
        assertEquals(toks.length * d, hidden[0].length);
        assertEquals(toks.length * m.config().vocab(), logits.length);
        for (int i = 0; i < toks.length; i++) {
            for (int e = 0; e < d; e++) {
                assertEquals(ref[i][e], hidden[0][i * d + e], 1e-4, "position " + i + " dim " + e);
            }
        }
        float[][] last = new float[1][];
        m.forward(List.of(Step.causal(m.newCache(KvType.F32, 32), toks, Step.Logits.LAST)), last);
        for (int e = 0; e < d; e++) {
            assertEquals(ref[toks.length - 1][e], last[0][e], 1e-4, "last position dim " + e);
        }

        String fp = m.fingerprint();
        assertEquals(64, fp.length());
        assertEquals(fp, Model.load(m.file().path(), par).fingerprint(), "same file, same fingerprint");
        assertNotEquals(fp, randomModel("llama", GgmlType.Q8_0, false, par).fingerprint());
        assertNotEquals(fp, randomModel("qwen2", GgmlType.F32, true, par).fingerprint());
    }

    @ParameterizedTest
    @EnumSource(
            value = GgmlType.class,
            names = {"F32", "Q4_0"})
    void cachedDecodeEqualsRecomputation(GgmlType type) throws IOException {
        Model m = randomModel("llama", type, false, par);
        int[] toks = tokens(40, 5);
        KvCache full = m.newCache(KvType.F32, 64);
        float[] all = m.forward(List.of(Step.causal(full, toks, Step.Logits.ALL)))[0];
        KvCache inc = m.newCache(KvType.F32, 64);
        int v = m.config().vocab();
        // prefill 10, then one token at a time, then a chunk of 5
        float[] first = m.forward(List.of(Step.causal(inc, java.util.Arrays.copyOf(toks, 10), Step.Logits.ALL)))[0];
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(slice(all, i, v), slice(first, i, v), "prefill row " + i);
        }
        for (int i = 10; i < 35; i++) {
            float[] l = m.forwardLast(inc, new int[] {toks[i]});
            assertArrayEquals(slice(all, i, v), l, "decode position " + i);
        }
        float[] chunk =
                m.forward(List.of(Step.causal(inc, java.util.Arrays.copyOfRange(toks, 35, 40), Step.Logits.ALL)))[0];
        for (int i = 35; i < 40; i++) {
            assertArrayEquals(slice(all, i, v), slice(chunk, i - 35, v), "chunk position " + i);
        }
        assertEquals(40, inc.length());
    }

    @Test
    void batchAndThreadCountNeverChangeABit() throws IOException {
        Model m1;
        List<float[]> alone = new ArrayList<>();
        int[][] seqs = {tokens(12, 1), tokens(3, 2), tokens(25, 3)};
        try (Parallel one = new Parallel(1)) {
            m1 = randomModel("llama", GgmlType.Q8_0, false, one);
            for (int[] s : seqs) {
                KvCache c = m1.newCache(KvType.F32, 64);
                alone.add(m1.forward(List.of(Step.causal(c, s, Step.Logits.ALL)))[0]);
            }
        }
        try (Parallel three = new Parallel(3)) {
            Model m3 = randomModel("llama", GgmlType.Q8_0, false, three);
            List<Step> steps = new ArrayList<>();
            for (int[] s : seqs) {
                steps.add(Step.causal(m3.newCache(KvType.F32, 64), s, Step.Logits.ALL));
            }
            float[][] batched = m3.forward(steps);
            for (int i = 0; i < seqs.length; i++) {
                assertArrayEquals(alone.get(i), batched[i], "sequence " + i);
            }
        }
    }

    @Test
    void f16KvCacheErrorIsSmall() throws IOException {
        Model m = randomModel("llama", GgmlType.F32, false, par);
        int[] toks = tokens(60, 9);
        float[] f32 = m.forward(List.of(Step.causal(m.newCache(KvType.F32, 64), toks, Step.Logits.ALL)))[0];
        float[] f16 = m.forward(List.of(Step.causal(m.newCache(KvType.F16, 64), toks, Step.Logits.ALL)))[0];
        double maxAbs = 0;
        double maxErr = 0;
        for (int i = 0; i < f32.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(f32[i]));
            maxErr = Math.max(maxErr, Math.abs(f32[i] - f16[i]));
        }
        assertTrue(maxErr > 0, "F16 KV should round something");
        assertTrue(maxErr < 5e-3 * maxAbs, "F16 KV error " + maxErr + " vs logit scale " + maxAbs);
    }

    @Test
    void unknownArchitectureAndBadShapesAreRefusedByName() throws IOException {
        Path p = dir.resolve("gpt.gguf");
        new GgufWriter().putString("general.architecture", "gptj").write(p);
        GgufException e = assertThrows(GgufException.class, () -> Model.load(p, par));
        assertTrue(e.getMessage().contains("gptj") && e.getMessage().contains("general.architecture"), e.getMessage());

        // A model whose q matrix disagrees with its metadata.
        GgufFile ok = GgufFile.open(
                dir.resolve("llama-F32-false.gguf").toFile().exists()
                        ? dir.resolve("llama-F32-false.gguf")
                        : writeAndGet());
        GgufWriter w = new GgufWriter().putAll(ok.metadata());
        w.putUint32("llama.feed_forward_length", 80);
        for (var t : ok.tensors().values()) {
            byte[] b = new byte[(int) t.bytes()];
            ok.data(t.name()).get(b);
            w.tensor(t.name(), t.type(), t.shape(), b);
        }
        Path bad = dir.resolve("bad-shape.gguf");
        w.write(bad);
        e = assertThrows(GgufException.class, () -> Model.load(bad, par));
        assertTrue(
                e.getMessage().contains("blk.0.ffn_gate.weight")
                        && e.getMessage().contains("shape"),
                e.getMessage());
    }

    private static Path writeAndGet() throws IOException {
        randomModel("llama", GgmlType.F32, false, par);
        return dir.resolve("llama-F32-false.gguf");
    }

    private static float[] slice(float[] a, int row, int v) {
        return java.util.Arrays.copyOfRange(a, row * v, (row + 1) * v);
    }
}
