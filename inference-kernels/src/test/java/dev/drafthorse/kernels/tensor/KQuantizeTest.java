package dev.drafthorse.kernels.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.drafthorse.kernels.KQuantFiles;
import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.TensorInfo;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reference quantizers write llama-quantize's bytes: every K-quant and legacy Q4_1/Q5_0/Q5_1 tensor of
 * the tinystories-23m quantizations (llama-quantize without an importance matrix uses ggml's
 * quantize_row_*_ref) equals {@link Quantize#encode} of the same tensor of tinystories-23m-f16.gguf.
 */
class KQuantizeTest {
    private static final Set<GgmlType> TYPES = EnumSet.of(
            GgmlType.Q2_K,
            GgmlType.Q3_K,
            GgmlType.Q4_K,
            GgmlType.Q5_K,
            GgmlType.Q6_K,
            GgmlType.Q4_1,
            GgmlType.Q5_0,
            GgmlType.Q5_1);

    @ParameterizedTest
    @ValueSource(strings = {"Q4_K_M", "Q5_K_M", "Q2_K", "Q3_K_M", "Q4_1", "Q5_0", "Q5_1", "Q6_K"})
    void encodeWritesLlamaQuantizesBytes(String type) throws Exception {
        GgufFile q = GgufFile.open(KQuantFiles.model(type));
        GgufFile src = GgufFile.open(SharedFiles.model("tinystories-23m-f16.gguf"));
        TreeMap<GgmlType, Integer> checked = new TreeMap<>();
        for (TensorInfo t : q.tensors().values()) {
            if (!TYPES.contains(t.type())) {
                continue;
            }
            TensorInfo s = src.tensor(t.name());
            int rows = (int) t.rows();
            int cols = (int) t.cols();
            WeightMatrix f = WeightMatrix.of(s.type(), src.data(t.name()), rows, cols);
            float[] values = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                f.row(r, values, r * cols);
            }
            byte[] want = new byte[(int) t.bytes()];
            q.data(t.name()).get(want);
            byte[] got = Quantize.encode(t.type(), values, cols);
            assertEquals(want.length, got.length, t.name());
            int rowBytes = (int) t.type().bytesFor(cols);
            for (int r = 0; r < rows; r++) {
                int from = r * rowBytes;
                assertArrayEquals(
                        java.util.Arrays.copyOfRange(want, from, from + rowBytes),
                        java.util.Arrays.copyOfRange(got, from, from + rowBytes),
                        type + " file, " + t.type() + " tensor " + t.name() + " row " + r);
            }
            checked.merge(t.type(), 1, Integer::sum);
        }
        assertFalse(checked.isEmpty());
        System.err.println(type + " file: Quantize.encode writes llama-quantize's bytes for " + checked);
    }
}
