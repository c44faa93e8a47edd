package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/** Q8_0 for the native kernels ({@link NativeMatrix}): per block 8 chunks, chunk c = values 4c..4c+3, signed quants. */
final class Q8_0NativeMatrix extends NativeMatrix {
    private static final int BLOCK_BYTES = 34;

    Q8_0NativeMatrix(ByteBuffer data, int rows, int cols) {
        super(rows, cols, BLOCK);
        ByteBuffer b = checked(data, rows, cols, GgmlType.Q8_0);
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < nb; k++) {
                int p = (r * nb + k) * BLOCK_BYTES;
                d[scaleAt(r, k)] = Float16.toFloat(b.getShort(p));
                for (int j = 0; j < BLOCK; j++) {
                    q[byteAt(r, k, j)] = b.get(p + 2 + j);
                }
            }
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    int quant(int r, int i) {
        return q[byteAt(r, i / BLOCK, i % BLOCK)];
    }

    @Override
    void multiplyNative(int r0, int r1, Q8Input a, int t, float[] out, int outStride) {
        NativeKernels.multiplyQ8_0(q, d, cols, r0, r1, a.q, a.d, a.s, t, out, outStride);
    }
}
