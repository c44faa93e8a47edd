package dev.drafthorse.kernels.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufException;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.GgufWriter;
import dev.drafthorse.kernels.gguf.TensorInfo;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.model.RandomModel;
import dev.drafthorse.kernels.tensor.Parallel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The heads file: round trip, the Medusa head against a plain double-precision oracle, and every refusal. */
class HeadsFileTest {
    @TempDir
    static Path dir;

    static Parallel par;
    static Model stories;
    static Model twin; // stories260K's shape, other weights

    @BeforeAll
    static void load() throws IOException {
        par = new Parallel(2);
        stories = Model.load(SharedFiles.model("stories260K.gguf"), par);
        var c = stories.config();
        new RandomModel(
                        "llama",
                        c.dim(),
                        c.layers(),
                        c.heads(),
                        c.kvHeads(),
                        c.ffn(),
                        c.vocab(),
                        c.contextLength(),
                        GgmlType.F32,
                        false,
                        5)
                .write(dir.resolve("twin.gguf"));
        twin = Model.load(dir.resolve("twin.gguf"), par);
    }

    @AfterAll
    static void close() {
        par.close();
    }

    @Test
    void medusaHeadMatchesAPlainDoubleOracle() throws IOException {
        int d = stories.config().dim();
        int v = stories.config().vocab();
        Random r = new Random(3);
        float[][] w = new float[2][d * d];
        float[][] b = new float[2][d];
        float[] own = new float[v * d];
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < d * d; i++) {
                w[k][i] = (float) r.nextGaussian() / 8f;
            }
            for (int i = 0; i < d; i++) {
                b[k][i] = (float) r.nextGaussian() / 10f;
            }
        }
        for (int i = 0; i < own.length; i++) {
            own[i] = (float) r.nextGaussian() / 8f;
        }
        HeadsFile.Writer wr = HeadsFile.writer(HeadsFile.Kind.MEDUSA, stories, 2, "f32");
        for (int k = 0; k < 2; k++) {
            wr.matrix(HeadsFile.medusaWeight(k), GgmlType.F32, w[k]).vector(HeadsFile.medusaBias(k), b[k]);
        }
        wr.matrix(HeadsFile.medusaOutput(1), GgmlType.F32, own);
        Path p = dir.resolve("m2.gguf");
        wr.write(p);

        MedusaHeads heads = HeadsFile.loadMedusa(p, stories);
        assertEquals(2, heads.count());
        assertEquals("f32", heads.header().precision());
        assertFalse(heads.ownOutput(0));
        assertTrue(heads.ownOutput(1));
        float[] h = new float[3 * d];
        for (int i = 0; i < h.length; i++) {
            h[i] = (float) r.nextGaussian();
        }
        float[][] all = heads.logitsAll(h, 3);
        float[] base = new float[v * d];
        for (int t = 0; t < v; t++) {
            stories.weights().output.row(t, base, t * d);
        }
        for (int k = 0; k < 2; k++) {
            float[] out = k == 0 ? base : own;
            for (int row = 0; row < 3; row++) {
                double[] hp = new double[d];
                for (int i = 0; i < d; i++) {
                    double u = b[k][i];
                    for (int j = 0; j < d; j++) {
                        u += (double) w[k][i * d + j] * h[row * d + j];
                    }
                    hp[i] = h[row * d + i] + u / (1 + Math.exp(-u));
                }
                for (int t = 0; t < v; t++) {
                    double z = 0;
                    for (int i = 0; i < d; i++) {
                        z += out[t * d + i] * hp[i];
                    }
                    assertEquals(
                            z,
                            all[k][row * v + t],
                            1e-3 * (1 + Math.abs(z)),
                            "head " + k + " row " + row + " token " + t);
                }
            }
            float[] single = heads.logits(k, h, 3);
            assertEquals(0, java.util.Arrays.compare(single, all[k]), "logits(k) and logitsAll agree bit for bit");
        }
    }

    @Test
    void randomHeadsOfEveryKindAndTypeLoad() throws IOException {
        for (HeadsFile.Kind kind : HeadsFile.Kind.values()) {
            for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
                Path p = dir.resolve(kind + "-" + t + ".gguf");
                RandomHeads.write(stories, kind, 3, t, false, 1, p);
                Heads h = HeadsFile.load(p, stories);
                assertEquals(3, h.count());
                assertEquals(kind, h.header().kind());
                assertEquals(kind == HeadsFile.Kind.MEDUSA, h instanceof MedusaHeads);
                assertEquals(stories.fingerprint(), h.header().base().fingerprint());
            }
        }
    }

    @Test
    void headsForAnotherModelAreRefusedNamingFieldAndBothValues() throws IOException {
        Path p = dir.resolve("stories-medusa.gguf");
        RandomHeads.write(stories, HeadsFile.Kind.MEDUSA, 2, GgmlType.F32, false, 1, p);
        GgufException e = assertThrows(GgufException.class, () -> HeadsFile.load(p, twin));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(HeadsFile.KEY_BASE_FINGERPRINT), e.getMessage());
        assertTrue(
                e.getMessage().contains(stories.fingerprint()) && e.getMessage().contains(twin.fingerprint()),
                e.getMessage());

        Model other = Model.load(SharedFiles.model("tinystories-1m.gguf"), par); // same vocabulary, width 128
        e = assertThrows(GgufException.class, () -> HeadsFile.load(p, other));
        assertTrue(
                e.getMessage().contains(HeadsFile.KEY_BASE_DIM)
                        && e.getMessage().contains("64")
                        && e.getMessage().contains("128"),
                e.getMessage());
    }

    @Test
    void wrongArchitectureAndWrongKindAreRefused() throws IOException {
        GgufException e =
                assertThrows(GgufException.class, () -> HeadsFile.load(SharedFiles.model("stories260K.gguf"), stories));
        assertTrue(
                e.getMessage().contains("general.architecture")
                        && e.getMessage().contains("'llama'"),
                e.getMessage());
        Path p = dir.resolve("mtp1.gguf");
        RandomHeads.write(stories, HeadsFile.Kind.MTP, 1, GgmlType.F32, false, 1, p);
        e = assertThrows(GgufException.class, () -> HeadsFile.loadMedusa(p, stories));
        assertTrue(
                e.getMessage().contains("drafthorse.medusa") && e.getMessage().contains("drafthorse.mtp"),
                e.getMessage());
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        Path p = dir.resolve("full.gguf");
        RandomHeads.write(stories, HeadsFile.Kind.MTP, 2, GgmlType.F16, false, 1, p);
        byte[] all = Files.readAllBytes(p);
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 100));
        GgufException e = assertThrows(GgufException.class, () -> HeadsFile.load(cut, stories));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void missingUnknownMisshapenAndMistypedTensorsAreRefusedByName() throws IOException {
        Path p = dir.resolve("src.gguf");
        RandomHeads.write(stories, HeadsFile.Kind.MTP, 2, GgmlType.F32, false, 1, p);
        GgufFile f = GgufFile.open(p);

        Path missing = rewrite(f, "missing.gguf", "mtp.1.ffn_up.weight", null);
        GgufException e = assertThrows(GgufException.class, () -> HeadsFile.load(missing, stories));
        assertTrue(
                e.getMessage().contains("'mtp.1.ffn_up.weight'")
                        && e.getMessage().contains("missing"),
                e.getMessage());

        Path unknown = rewrite(f, "unknown.gguf", null, "mtp.2.norm.weight");
        e = assertThrows(GgufException.class, () -> HeadsFile.load(unknown, stories));
        assertTrue(
                e.getMessage().contains("'mtp.2.norm.weight'") && e.getMessage().contains("unknown"), e.getMessage());

        Path shape = rewrite(f, "shape.gguf", "mtp.0.proj.weight", "mtp.0.proj.weight:64x64");
        e = assertThrows(GgufException.class, () -> HeadsFile.load(shape, stories));
        assertTrue(
                e.getMessage().contains("'mtp.0.proj.weight' shape")
                        && e.getMessage().contains("[128, 64]"),
                e.getMessage());

        Path type = rewrite(f, "type.gguf", "mtp.0.norm.weight", "mtp.0.norm.weight:f16");
        e = assertThrows(GgufException.class, () -> HeadsFile.load(type, stories));
        assertTrue(e.getMessage().contains("'mtp.0.norm.weight' type"), e.getMessage());
    }

    @Test
    void writerRefusesIncompleteOrMisshapenInput() {
        HeadsFile.Writer w = HeadsFile.writer(HeadsFile.Kind.MEDUSA, stories, 1, "bf16");
        assertThrows(
                IllegalArgumentException.class, () -> w.matrix(HeadsFile.medusaWeight(0), GgmlType.F32, new float[10]));
        assertThrows(
                IllegalArgumentException.class,
                () -> w.matrix(HeadsFile.medusaWeight(1), GgmlType.F32, new float[64 * 64]));
        assertThrows(
                IllegalArgumentException.class,
                () -> w.matrix(HeadsFile.medusaWeight(0), GgmlType.Q8_0, new float[64 * 64]));
        w.matrix(HeadsFile.medusaWeight(0), GgmlType.F32, new float[64 * 64]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.write(dir.resolve("never.gguf")));
        assertTrue(e.getMessage().contains("medusa.0.bias"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HeadsFile.writer(HeadsFile.Kind.MTP, stories, 1, "fp8"));
        assertThrows(IllegalArgumentException.class, () -> HeadsFile.writer(HeadsFile.Kind.MTP, stories, 0, "f32"));
    }

    /**
     * Copies a file's metadata and tensors, dropping {@code drop} and adding {@code add}: "name" (an F32
     * vector of the model width), "name:RxC" (an F32 matrix of R rows, C cols) or "name:f16" (an F16 vector).
     */
    private static Path rewrite(GgufFile f, String out, String drop, String add) throws IOException {
        GgufWriter w = new GgufWriter();
        w.putAll(f.metadata());
        for (TensorInfo t : f.tensors().values()) {
            if (t.name().equals(drop)) {
                continue;
            }
            ByteBuffer b = f.data(t.name());
            byte[] data = new byte[b.remaining()];
            b.get(data);
            w.tensor(t.name(), t.type(), t.shape(), data);
        }
        if (add != null) {
            String[] parts = add.split(":");
            if (parts.length == 1) {
                w.tensor(parts[0], GgmlType.F32, new long[] {64}, new byte[64 * 4]);
            } else if (parts[1].equals("f16")) {
                w.tensor(parts[0], GgmlType.F16, new long[] {64}, new byte[64 * 2]);
            } else {
                String[] rc = parts[1].split("x");
                int rows = Integer.parseInt(rc[0]);
                int cols = Integer.parseInt(rc[1]);
                w.tensor(parts[0], GgmlType.F32, new long[] {cols, rows}, new byte[rows * cols * 4]);
            }
        }
        Path p = dir.resolve(out);
        w.write(p);
        return p;
    }
}
