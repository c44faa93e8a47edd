package dev.drafthorse.kernels.convert;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufFile;
import dev.drafthorse.kernels.gguf.GgufWriter;
import dev.drafthorse.kernels.gguf.MetadataValue;
import dev.drafthorse.kernels.gguf.TensorInfo;
import dev.drafthorse.kernels.tensor.Quantize;
import dev.drafthorse.kernels.tensor.WeightMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Rewrites a GGUF model with its matrices in another supported type (F32, F16, BF16, Q8_0, Q4_0, the
 * K-quants, Q4_1, Q5_0, Q5_1; the K-quants and legacy types as llama-quantize writes them): widening an
 * F16 model to F32 for memory-bound measurements, or quantizing a target into its own draft. Metadata
 * is copied unchanged; 1-D tensors (norms, biases) stay as they are; a matrix whose rows do not fit the
 * new type's blocks keeps its type.
 */
public final class GgufConverter {
    private GgufConverter() {}

    public static void convert(Path in, Path out, GgmlType type) throws IOException {
        if (!type.supported()) {
            throw new IllegalArgumentException(
                    "cannot convert to " + type + " (supported: " + GgmlType.supportedNames() + ")");
        }
        GgufFile f = GgufFile.open(in);
        GgufWriter w = new GgufWriter();
        for (Map.Entry<String, MetadataValue> e : f.metadata().entrySet()) {
            w.put(e.getKey(), e.getValue());
        }
        w.putUint32("general.file_type", fileType(type));
        for (TensorInfo t : f.tensors().values()) {
            boolean matrix = t.shape().length == 2
                    && t.cols() % type.blockSize() == 0
                    && t.type().supported();
            if (!matrix || t.type() == type) {
                byte[] b = new byte[(int) t.bytes()];
                f.data(t.name()).get(b);
                w.tensor(t.name(), t.type(), t.shape(), b);
                continue;
            }
            int rows = (int) t.rows();
            int cols = (int) t.cols();
            WeightMatrix m = WeightMatrix.of(t.type(), f.data(t.name()), rows, cols);
            float[] values = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                m.row(r, values, r * cols);
            }
            w.tensor(t.name(), type, t.shape(), Quantize.encode(type, values, cols));
        }
        w.write(out);
    }

    /** llama.cpp's {@code general.file_type} for a model whose matrices are all of one type. */
    static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q4_1 -> 3;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q2_K -> 10;
            case Q3_K -> 11; // Q3_K_S: every matrix Q3_K
            case Q4_K -> 14; // Q4_K_S
            case Q5_K -> 16; // Q5_K_S
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }
}
