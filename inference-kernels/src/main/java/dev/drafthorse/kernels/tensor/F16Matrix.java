package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/** F16 weights: 2-byte IEEE halves, widened to F32 inside the dot product. */
public final class F16Matrix extends WeightMatrix {
    public F16Matrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.F16);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    int kind() {
        return 1;
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        int base = row * rowBytes;
        float s = 0f;
        for (int i = 0; i < cols; i++) {
            s += Float16.toFloat(i16(base + 2 * i)) * x[xOff + i];
        }
        return s;
    }


    @Override
    public void row(int row, float[] dst, int off) {
        int base = row * rowBytes;
        for (int i = 0; i < cols; i++) {
            dst[off + i] = Float16.toFloat(i16(base + 2 * i));
        }
    }
}
