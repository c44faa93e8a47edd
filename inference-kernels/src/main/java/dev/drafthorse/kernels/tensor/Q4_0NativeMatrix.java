package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/**
 * Q4_0 for the native kernels ({@link NativeMatrix}): per block 4 chunks of ggml's own bytes, byte j of chunk c
 * being the block's byte 4c + j (low nibble value 4c + j, high nibble value 16 + 4c + j); quant = nibble − 8.
 */
final class Q4_0NativeMatrix extends NativeMatrix {
    private static final int BLOCK_BYTES = 18;

    Q4_0NativeMatrix(ByteBuffer data, int rows, int cols) {
        super(rows, cols, BLOCK / 2);
        ByteBuffer b = checked(data, rows, cols, GgmlType.Q4_0);
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < nb; k++) {
                int p = (r * nb + k) * BLOCK_BYTES;
                d[scaleAt(r, k)] = Float16.toFloat(b.getShort(p));
                for (int j = 0; j < BLOCK / 2; j++) {
                    q[byteAt(r, k, j)] = b.get(p + 2 + j);
                }
            }
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    int quant(int r, int i) {
        int j = i % BLOCK;
        int packed = q[byteAt(r, i / BLOCK, j % 16)] & 0xff;
        return (j < 16 ? packed & 0x0f : packed >>> 4) - 8;
    }

    @Override
    void multiplyNative(int r0, int r1, Q8Input a, int t, float[] out, int outStride) {
        NativeKernels.multiplyQ4_0(q, d, cols, r0, r1, a.q, a.d, a.s, t, out, outStride);
    }
}
