package dev.drafthorse.kernels.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.drafthorse.kernels.KQuantFiles;
import dev.drafthorse.kernels.LlamaTools;
import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's own dequantization as the oracle of {@link WeightMatrix#row}: {@code llama-quantize
 * --allow-requantize IN OUT F32} widens every quantized tensor with ggml's dequantize_row_* (its type
 * traits' to_float), and every row of every matrix in the real tinystories-23m quantizations must equal it
 * bit for bit.
 */
class LlamaDequantizeTest {
    private static final Set<GgmlType> TYPES = EnumSet.of(
            GgmlType.Q2_K,
            GgmlType.Q3_K,
            GgmlType.Q4_K,
            GgmlType.Q5_K,
            GgmlType.Q6_K,
            GgmlType.Q4_1,
            GgmlType.Q5_0,
            GgmlType.Q5_1,
            GgmlType.Q4_0,
            GgmlType.Q8_0);

    @ParameterizedTest
    @ValueSource(strings = {"Q4_K_M", "Q5_K_M", "Q2_K", "Q3_K_M", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q6_K"})
    void rowsEqualLlamaCppDequantization(String type) throws Exception {
        Path quantized = KQuantFiles.model(type);
        Assumptions.assumeTrue(
                LlamaTools.available("llama-quantize"),
                "skipped: " + LlamaTools.bin().resolve("llama-quantize") + " is missing");
        Files.createDirectories(Path.of("target/kquant"));
        Path widened = Files.createTempFile(Path.of("target/kquant").toAbsolutePath(), type + "-", "-F32.gguf");
        try {
            LlamaTools.run("llama-quantize", "--allow-requantize", quantized.toString(), widened.toString(), "F32");
            GgufFile q = GgufFile.open(quantized);
            GgufFile f = GgufFile.open(widened);
            TreeMap<GgmlType, Integer> checked = new TreeMap<>();
            for (TensorInfo t : q.tensors().values()) {
                if (t.shape().length != 2 || !TYPES.contains(t.type())) {
                    continue;
                }
                int rows = (int) t.rows();
                int cols = (int) t.cols();
                assertEquals(GgmlType.F32, f.tensor(t.name()).type(), t.name() + " in the widened file");
                WeightMatrix w = WeightMatrix.of(t.type(), q.data(t.name()), rows, cols);
                WeightMatrix oracle = WeightMatrix.of(GgmlType.F32, f.data(t.name()), rows, cols);
                float[] got = new float[cols];
                float[] want = new float[cols];
                for (int r = 0; r < rows; r++) {
                    w.row(r, got, 0);
                    oracle.row(r, want, 0);
                    assertArrayEquals(want, got, type + " file, " + t.type() + " tensor " + t.name() + " row " + r);
                }
                checked.merge(t.type(), 1, Integer::sum);
            }
            assertFalse(checked.isEmpty(), "no quantized matrices in " + quantized);
            System.err.println(type + " file: rows equal llama.cpp's dequantization in " + checked);
        } finally {
            Files.deleteIfExists(widened);
        }
    }
}
