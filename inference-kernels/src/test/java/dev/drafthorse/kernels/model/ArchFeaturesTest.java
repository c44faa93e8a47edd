package dev.drafthorse.kernels.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.GgufWriter;
import dev.drafthorse.kernels.gguf.MetadataValue;
import dev.drafthorse.kernels.gguf.TensorInfo;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The new architectures at shapes no oracle file has (odd head counts, MQA, sliding windows crossed by
 * short prompts, a gemma3 with a global layer in the middle, partial RoPE on phi3): written by
 * {@link RandomModel}, checked against the double-precision {@link ReferenceTransformer}; the
 * determinism contract under sliding windows and soft-capping (same bits in a prefill, a decode step, a
 * batch, with any thread count); and the loader's refusals, each naming the key or tensor.
 */
class ArchFeaturesTest {
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

    static Path write(String arch, int dim, int layers, int heads, int kvHeads, int ffn, GgmlType type)
            throws IOException {
        Path p = dir.resolve(arch + "-" + dim + "x" + layers + "-" + heads + "-" + kvHeads + "-" + type + ".gguf");
        if (!p.toFile().exists()) {
            new RandomModel(arch, dim, layers, heads, kvHeads, ffn, 300, 256, type, !arch.equals("phi3"), 17).write(p);
        }
        return p;
    }

    static int[] tokens(int n, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) {
            t[i] = 3 + r.nextInt(297);
        }
        return t;
    }

    @ParameterizedTest
    @CsvSource({
        "qwen3, 96, 2, 3, 1, 80",
        "gemma2, 80, 3, 5, 1, 96",
        "gemma3, 64, 7, 2, 1, 64",
        "phi3, 96, 2, 3, 1, 80",
        "phi3, 64, 2, 4, 4, 64",
    })
    void matchesTheReference(String arch, int dim, int layers, int heads, int kvHeads, int ffn) throws IOException {
        Model m = Model.load(write(arch, dim, layers, heads, kvHeads, ffn, GgmlType.F32), par);
        int[] toks = tokens(23, 3);
        double[][] ref = new ReferenceTransformer(m).logits(toks);
        float[] got = m.forward(List.of(Step.causal(m.newCache(KvType.F32, 64), toks, Step.Logits.ALL)))[0];
        int v = m.config().vocab();
        for (int i = 0; i < toks.length; i++) {
            double scale = 0;
            for (int j = 0; j < v; j++) {
                scale = Math.max(scale, Math.abs(ref[i][j]));
            }
            for (int j = 0; j < v; j++) {
                assertEquals(ref[i][j], got[i * v + j], 1e-4 * scale + 1e-5, arch + " position " + i + " logit " + j);
            }
        }
    }

    @Test
    void featuresComeFromTheMetadata() throws IOException {
        ModelConfig g2 =
                Model.load(write("gemma2", 80, 3, 5, 1, 96, GgmlType.F32), par).config();
        assertEquals((float) Math.sqrt(80), g2.embedScale());
        assertEquals(Activation.GELU_TANH, g2.activation());
        assertTrue(g2.postNorms() && !g2.qkNorm());
        assertEquals(2f, g2.attnSoftcap());
        assertEquals(30f, g2.finalSoftcap());
        assertEquals(5, g2.slidingWindow());
        assertTrue(g2.slides(0) && !g2.slides(1) && g2.slides(2), "every other layer slides");

        ModelConfig g3 =
                Model.load(write("gemma3", 64, 7, 2, 1, 64, GgmlType.F32), par).config();
        assertTrue(g3.qkNorm() && g3.postNorms());
        assertEquals(0f, g3.attnSoftcap());
        assertEquals(0f, g3.finalSoftcap());
        for (int l = 0; l < 7; l++) {
            assertEquals(l != 5, g3.slides(l), "gemma3 layer " + l);
        }
        assertEquals(1e6f, g3.ropeBase());
        assertEquals(4f, g3.ropeLinearFactor());
        assertEquals(1e4f, g3.ropeBaseSwa());
        assertEquals(1f, g3.ropeLinearFactorSwa(), "RoPE scaling on the global layers only");
        assertEquals((float) (1 / Math.sqrt(32)), g3.attnScale());

        Model phi = Model.load(write("phi3", 96, 2, 3, 1, 64, GgmlType.Q8_0), par); // fused Q8_0 tensors split by rows
        assertEquals(24, phi.config().ropeDims(), "partial RoPE: 3/4 of the 32-wide heads");
        assertTrue(phi.config().ropeNeox());
        assertEquals(96, phi.weights().layers[0].wq.rows());
        assertEquals(32, phi.weights().layers[0].wk.rows());
        assertEquals(64, phi.weights().layers[0].up.rows());
        assertEquals(64, phi.weights().layers[0].gate.rows());
        assertTrue(phi.config().llamaBlock());
        assertFalse(g2.llamaBlock());
        assertNull(phi.weights().layers[0].qNorm);
        assertNotNull(
                Model.load(write("qwen3", 96, 2, 3, 1, 80, GgmlType.F32), par).weights().layers[1].kNorm);
    }

    /** llama.cpp's GELU: the F16 table inside (−10, 10), 0 and identity outside, within F16 precision of the formula. */
    @Test
    void geluIsLlamaCppsTable() {
        assertEquals(0f, Activation.gelu(-10f));
        assertEquals(0f, Activation.gelu(-50f));
        assertEquals(10f, Activation.gelu(10f));
        assertEquals(123.5f, Activation.gelu(123.5f));
        assertEquals(0f, Activation.gelu(0f));
        for (float x = -9.99f; x < 10f; x += 0.0137f) {
            double exact = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            // Two F16 roundings (input and output): a few parts in a thousand of the slope-scaled magnitude.
            assertEquals(exact, Activation.gelu(x), 2e-3 * (Math.abs(x) + 1), "gelu(" + x + ")");
            float h = dev.drafthorse.kernels.tensor.Float16.toFloat(dev.drafthorse.kernels.tensor.Float16.fromFloat(x));
            assertEquals(Activation.gelu(h), Activation.gelu(x), "inputs with the same F16 share a table entry: " + x);
        }
    }

    /** Sliding windows (5 here) and soft-capping keep the contract: one token's bits whatever else runs. */
    @ParameterizedTest
    @ValueSource(strings = {"gemma2", "gemma3"})
    void sameBitsInPrefillDecodeBatchAndAnyThreadCount(String arch) throws IOException {
        Path path = write(arch, 64, arch.equals("gemma3") ? 7 : 3, 4, 2, 64, GgmlType.Q8_0);
        int[] toks = tokens(90, 5); // more than one 64-key tile, so the window skips whole tiles
        List<float[]> alone = new ArrayList<>();
        int[][] seqs = {toks, tokens(7, 6), tokens(70, 7)};
        int v;
        try (Parallel one = new Parallel(1)) {
            Model m = Model.load(path, one);
            v = m.config().vocab();
            for (int[] s : seqs) {
                alone.add(m.forward(List.of(Step.causal(m.newCache(KvType.F32, 128), s, Step.Logits.ALL)))[0]);
            }
        }
        try (Parallel three = new Parallel(3)) {
            Model m = Model.load(path, three);
            List<Step> steps = new ArrayList<>();
            for (int[] s : seqs) {
                steps.add(Step.causal(m.newCache(KvType.F32, 128), s, Step.Logits.ALL));
            }
            float[][] batched = m.forward(steps);
            for (int i = 0; i < seqs.length; i++) {
                assertArrayEquals(alone.get(i), batched[i], arch + " sequence " + i + " batched, 3 threads");
            }
            // Prefill 10, then one token at a time past the window and the first key tile, then a chunk.
            KvCache inc = m.newCache(KvType.F32, 128);
            float[] first = m.forward(List.of(Step.causal(inc, Arrays.copyOf(toks, 10), Step.Logits.ALL)))[0];
            assertArrayEquals(Arrays.copyOf(alone.get(0), 10 * v), first, arch + " prefill of 10");
            for (int i = 10; i < 80; i++) {
                float[] l = m.forwardLast(inc, new int[] {toks[i]});
                assertArrayEquals(
                        Arrays.copyOfRange(alone.get(0), i * v, (i + 1) * v), l, arch + " decode position " + i);
            }
            float[] chunk = m.forward(List.of(Step.causal(inc, Arrays.copyOfRange(toks, 80, 90), Step.Logits.ALL)))[0];
            assertArrayEquals(Arrays.copyOfRange(alone.get(0), 80 * v, 90 * v), chunk, arch + " chunk 80..90");
        }
    }

    // ---------------------------------------------------------------- refusals, by name

    /** A copy of {@code src} with metadata edited and tensors dropped or added. */
    static Path edit(Path src, String name, Consumer<GgufWriter> metadata, List<String> drop, String addTensor)
            throws IOException {
        GgufFile f = GgufFile.open(src);
        GgufWriter w = new GgufWriter();
        for (Map.Entry<String, MetadataValue> e : f.metadata().entrySet()) {
            w.put(e.getKey(), e.getValue());
        }
        metadata.accept(w);
        for (Map.Entry<String, TensorInfo> e : f.tensors().entrySet()) {
            if (drop.contains(e.getKey())) {
                continue;
            }
            ByteBuffer b = f.data(e.getKey());
            byte[] bytes =
                    new byte[(int) e.getValue().type().bytesFor(e.getValue().elements())];
            b.get(bytes);
            w.tensor(e.getKey(), e.getValue().type(), e.getValue().shape(), bytes);
        }
        if (addTensor != null) {
            w.tensor(addTensor, GgmlType.F32, new long[] {4}, new byte[16]);
        }
        Path out = dir.resolve(name + ".gguf");
        w.write(out);
        return out;
    }

    static void refused(Path p, String... words) {
        GgufException e = assertThrows(GgufException.class, () -> Model.load(p, par));
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + w + "' in: " + e.getMessage());
        }
    }

    @Test
    void mathTheEngineWouldSkipIsRefusedByName() throws IOException {
        Path llama = write("llama", 64, 1, 4, 2, 64, GgmlType.F32);
        Path gemma3 = write("gemma3", 64, 7, 2, 1, 64, GgmlType.F32);
        Path phi3 = write("phi3", 64, 2, 4, 4, 64, GgmlType.F32);
        Path qwen3 = write("qwen3", 96, 2, 3, 1, 80, GgmlType.F32);
        refused(edit(llama, "moe", w -> w.putUint32("llama.expert_count", 8), List.of(), null), "llama.expert_count");
        refused(
                edit(llama, "yarn", w -> w.putString("llama.rope.scaling.type", "yarn"), List.of(), null),
                "llama.rope.scaling.type",
                "yarn");
        refused(
                edit(llama, "attnfactor", w -> w.putFloat32("llama.rope.scaling.attn_factor", 1.2f), List.of(), null),
                "llama.rope.scaling.attn_factor");
        refused(
                edit(llama, "partial", w -> w.putUint32("llama.rope.dimension_count", 8), List.of(), null),
                "llama.rope.dimension_count");
        refused(
                edit(gemma3, "g3cap", w -> w.putFloat32("gemma3.final_logit_softcapping", 30f), List.of(), null),
                "gemma3.final_logit_softcapping");
        refused(
                edit(phi3, "longrope", w -> {}, List.of(), "rope_factors_long.weight"),
                "rope_factors_long.weight",
                "LongRoPE");
        refused(
                edit(llama, "extra", w -> {}, List.of(), "blk.0.attn_q_norm.weight"),
                "blk.0.attn_q_norm.weight",
                "does not use");
        refused(
                edit(qwen3, "nonorm", w -> {}, List.of("blk.1.attn_k_norm.weight"), null),
                "blk.1.attn_k_norm.weight",
                "missing");
        refused(edit(phi3, "badheads", w -> w.putUint32("phi3.attention.key_length", 8), List.of(), null), "phi3");
    }
}
