package dev.drafthorse.kernels.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.KQuantFiles;
import dev.drafthorse.kernels.tensor.WeightMatrix;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code convert} reads the K-quants and legacy types (writing them is not offered). */
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

    @Test
    void writingAKQuantIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GgufConverter.convert(dir.resolve("in.gguf"), dir.resolve("out.gguf"), GgmlType.Q4_K));
        assertTrue(e.getMessage().contains("Q4_K"), e.getMessage());
        assertTrue(GgmlType.Q4_K.supported() && !GgmlType.Q4_K.writable());
    }
}
