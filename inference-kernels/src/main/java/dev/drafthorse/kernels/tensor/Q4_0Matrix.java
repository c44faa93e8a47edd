package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q4_0 weights (ggml): blocks of 32 values, each an F16 scale d followed by 16 bytes; byte j holds
 * value j in its low nibble and value j+16 in its high nibble, value d·(nibble − 8).
 */
public final class Q4_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 18;

    public Q4_0Matrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.Q4_0);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    int kind() {
        return 4;
    }

    @Override
    public float dotScalar(int row, float[] x, int xOff) {
        int base = row * rowBytes;
        float s = 0f;
        for (int b = 0; b < cols / BLOCK; b++) {
            int p = base + b * BLOCK_BYTES;
            float d = Float16.toFloat(i16(p));
            int xb = xOff + b * BLOCK;
            float block = 0f;
            for (int j = 0; j < 16; j++) {
                int q = data[p + 2 + j] & 0xff;
                block += ((q & 0x0f) - 8) * x[xb + j];
                block += ((q >>> 4) - 8) * x[xb + j + 16];
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
            for (int j = 0; j < 16; j++) {
                int v = data[p + 2 + j] & 0xff;
                q[b * BLOCK + j] = (v & 0x0f) - 8;
                q[b * BLOCK + j + 16] = (v >>> 4) - 8;
            }
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        int base = row * rowBytes;
        for (int b = 0; b < cols / BLOCK; b++) {
            int p = base + b * BLOCK_BYTES;
            float d = Float16.toFloat(i16(p));
            for (int j = 0; j < 16; j++) {
                int q = data[p + 2 + j] & 0xff;
                dst[off + b * BLOCK + j] = ((q & 0x0f) - 8) * d;
                dst[off + b * BLOCK + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }
}
