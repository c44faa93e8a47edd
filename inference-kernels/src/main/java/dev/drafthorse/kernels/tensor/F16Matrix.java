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
    public float dotScalar(int row, float[] x, int xOff) {
        int base = rowOffset(row);
        float s = 0f;
        for (int i = 0; i < cols; i++) {
            s += Float16.toFloat(data.getShort(base + 2 * i)) * x[xOff + i];
        }
        return s;
    }

    @Override
    protected float dotVector(int row, float[] x, int xOff) {
        return VectorKernels.dotF16(data, rowOffset(row), x, xOff, cols);
    }

    @Override
    public void row(int row, float[] dst, int off) {
        int base = rowOffset(row);
        for (int i = 0; i < cols; i++) {
            dst[off + i] = Float16.toFloat(data.getShort(base + 2 * i));
        }
    }
}
