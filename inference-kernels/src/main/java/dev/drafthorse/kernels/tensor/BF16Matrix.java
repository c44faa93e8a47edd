package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/** BF16 weights: the upper 16 bits of an F32, widened by a shift inside the dot product. */
public final class BF16Matrix extends WeightMatrix {
    public BF16Matrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.BF16);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    int kind() {
        return 2;
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        int base = row * rowBytes;
        float s = 0f;
        for (int i = 0; i < cols; i++) {
            s += Float16.bf16ToFloat(i16(base + 2 * i)) * x[xOff + i];
        }
        return s;
    }


    @Override
    public void row(int row, float[] dst, int off) {
        int base = row * rowBytes;
        for (int i = 0; i < cols; i++) {
            dst[off + i] = Float16.bf16ToFloat(i16(base + 2 * i));
        }
    }
}
