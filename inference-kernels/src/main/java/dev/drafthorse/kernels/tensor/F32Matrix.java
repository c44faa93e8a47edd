package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/** F32 weights: 4-byte little-endian IEEE floats. */
public final class F32Matrix extends WeightMatrix {
    public F32Matrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.F32);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    int kind() {
        return 0;
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        int base = row * rowBytes;
        float s = 0f;
        for (int i = 0; i < cols; i++) {
            s += f32(base + 4 * i) * x[xOff + i];
        }
        return s;
    }


    @Override
    public void row(int row, float[] dst, int off) {
        int base = row * rowBytes;
        for (int i = 0; i < cols; i++) {
            dst[off + i] = f32(base + 4 * i);
        }
    }
}
