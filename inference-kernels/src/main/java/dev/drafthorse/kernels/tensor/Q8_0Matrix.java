package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q8_0 weights (ggml): blocks of 32 values, each an F16 scale d followed by 32 signed bytes q, value
 * d·q. The dot product sums q·x per block in F32 and then scales by d.
 */
public final class Q8_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;

    public Q8_0Matrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q8_0);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    int kind() {
        return 3;
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        int base = row * rowBytes;
        float s = 0f;
        for (int b = 0; b < cols / BLOCK; b++) {
            int p = base + b * BLOCK_BYTES;
            float d = Float16.toFloat(i16(p));
            float block = 0f;
            for (int j = 0; j < BLOCK; j++) {
                block += data[p + 2 + j] * x[xOff + b * BLOCK + j];
            }
            s += block * d;
        }
        return s;
    }


    @Override
    void widen(int row, float[] q, float[] d) {
        int base = row * rowBytes;
        for (int b = 0; b < cols / BLOCK; b++) {
            int p = base + b * BLOCK_BYTES;
            d[b] = Float16.toFloat(i16(p));
            for (int j = 0; j < BLOCK; j++) {
                q[b * BLOCK + j] = data[p + 2 + j];
            }
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        int base = row * rowBytes;
        for (int b = 0; b < cols / BLOCK; b++) {
            int p = base + b * BLOCK_BYTES;
            float d = Float16.toFloat(i16(p));
            for (int j = 0; j < BLOCK; j++) {
                dst[off + b * BLOCK + j] = data[p + 2 + j] * d;
            }
        }
    }
}
