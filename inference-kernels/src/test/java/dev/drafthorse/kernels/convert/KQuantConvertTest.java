package dev.drafthorse.kernels.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.KQuantFiles;
import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.TensorInfo;
import dev.drafthorse.kernels.tensor.WeightMatrix;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code convert} reads the K-quants and legacy types exactly, and writes them as llama-quantize does. */
class KQuantConvertTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"Q4_K_M", "Q5_K_M"})
    void convertWidensEveryQuantizedMatrixExactly(String type) throws Exception {
        Path in = KQuantFiles.model(type);
        Path out = dir.resolve(type + "-f32.gguf");
        GgufConverter.convert(in, out, GgmlType.F32);
        GgufFile q = GgufFile.open(in);
        GgufFile f = GgufFile.open(out);
        int matrices = 0;
        for (TensorInfo t : q.tensors().values()) {
            if (t.shape().length != 2) {
                assertEquals(t.type(), f.tensor(t.name()).type(), t.name() + " keeps its type");
                continue;
            }
            assertEquals(GgmlType.F32, f.tensor(t.name()).type(), t.name());
            int rows = (int) t.rows();
            int cols = (int) t.cols();
            WeightMatrix a = WeightMatrix.of(t.type(), q.data(t.name()), rows, cols);
            WeightMatrix b = WeightMatrix.of(GgmlType.F32, f.data(t.name()), rows, cols);
            float[] x = new float[cols];
            float[] y = new float[cols];
            for (int r = 0; r < rows; r++) {
                a.row(r, x, 0);
                b.row(r, y, 0);
                assertArrayEquals(x, y, t.name() + " (" + t.type() + ") row " + r);
            }
            matrices++;
        }
        assertTrue(matrices > 50, "matrices converted: " + matrices);
    }

    /**
     * F16 → Q6_K by convert gives llama-quantize's Q6_K bytes for every matrix both made Q6_K (llama-quantize
     * falls back to Q8_0 for the rows of 1,376 that convert leaves in F16), and its file type.
     */
    @Test
    void convertToQ6KWritesLlamaQuantizesBytes() throws Exception {
        Path out = dir.resolve("q6k.gguf");
        GgufConverter.convert(SharedFiles.model("tinystories-23m-f16.gguf"), out, GgmlType.Q6_K);
        GgufFile ours = GgufFile.open(out);
        GgufFile theirs = GgufFile.open(KQuantFiles.model("Q6_K"));
        assertEquals(theirs.getLong("general.file_type"), ours.getLong("general.file_type"));
        int same = 0;
        for (TensorInfo t : theirs.tensors().values()) {
            if (t.type() != GgmlType.Q6_K) {
                continue;
            }
            assertEquals(GgmlType.Q6_K, ours.tensor(t.name()).type(), t.name());
            byte[] a = new byte[(int) t.bytes()];
            byte[] b = new byte[(int) t.bytes()];
            theirs.data(t.name()).get(a);
            ours.data(t.name()).get(b);
            assertArrayEquals(a, b, t.name());
            same++;
        }
        assertTrue(same >= 50, "Q6_K matrices compared: " + same);
    }

    /** general.file_type as llama.cpp numbers it (llama_ftype), checked against llama-quantize's files. */
    @Test
    void fileTypesAreLlamaCpps() throws Exception {
        for (String type : new String[] {"Q2_K", "Q4_1", "Q5_0", "Q5_1", "Q6_K"}) {
            GgufFile f = GgufFile.open(KQuantFiles.model(type));
            assertEquals(f.getLong("general.file_type"), GgufConverter.fileType(GgmlType.valueOf(type)), type);
        }
        // the _S variants (every matrix one K-type) precede _M in llama_ftype: Q3_K_S = Q3_K_M − 1, and so on
        assertEquals(
                GgufFile.open(KQuantFiles.model("Q3_K_M")).getLong("general.file_type") - 1,
                GgufConverter.fileType(GgmlType.Q3_K));
        assertEquals(
                GgufFile.open(KQuantFiles.model("Q4_K_M")).getLong("general.file_type") - 1,
                GgufConverter.fileType(GgmlType.Q4_K));
        assertEquals(
                GgufFile.open(KQuantFiles.model("Q5_K_M")).getLong("general.file_type") - 1,
                GgufConverter.fileType(GgmlType.Q5_K));
    }
}
