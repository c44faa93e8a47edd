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
    public float dotScalar(int row, float[] x, int xOff) {
        int base = rowOffset(row);
        float s = 0f;
        for (int i = 0; i < cols; i++) {
            s += data.getFloat(base + 4 * i) * x[xOff + i];
        }
        return s;
    }

    @Override
    protected float dotVector(int row, float[] x, int xOff) {
        return VectorKernels.dotF32(data, rowOffset(row), x, xOff, cols);
    }

    @Override
    public void row(int row, float[] dst, int off) {
        int base = rowOffset(row);
        for (int i = 0; i < cols; i++) {
            dst[off + i] = data.getFloat(base + 4 * i);
        }
    }
}
