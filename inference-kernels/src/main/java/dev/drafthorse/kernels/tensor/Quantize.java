package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes F32 values into each weight format, following ggml's reference quantizers (so a file written
 * here reads back in llama.cpp with the same values); the K-quants and Q4_1/Q5_0/Q5_1 in {@link KQuantize}.
 */
public final class Quantize {
    private Quantize() {}

    /** Encodes {@code values} (row-major, rows of {@code cols}) in {@code type}'s layout. */
    public static byte[] encode(GgmlType type, float[] values, int cols) {
        if (values.length % cols != 0 || cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + ": " + values.length + " values in rows of " + cols);
        }
        if (type.blockSize() > 1 && type != GgmlType.Q8_0 && type != GgmlType.Q4_0) {
            byte[] out = new byte[(int) type.bytesFor(values.length)];
            KQuantize.encode(type, values, 0, values.length, out, 0);
            return out;
        }
        ByteBuffer b = ByteBuffer.allocate((int) type.bytesFor(values.length)).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (float v : values) {
                    b.putFloat(v);
                }
            }
            case F16 -> {
                for (float v : values) {
                    b.putShort(Float16.fromFloat(v));
                }
            }
            case BF16 -> {
                for (float v : values) {
                    b.putShort(Float16.floatToBf16(v));
                }
            }
            case Q8_0 -> {
                for (int blk = 0; blk < values.length; blk += 32) {
                    float amax = 0f;
                    for (int j = 0; j < 32; j++) {
                        amax = Math.max(amax, Math.abs(values[blk + j]));
                    }
                    float d = amax / 127f;
                    float id = d != 0f ? 1f / d : 0f;
                    b.putShort(Float16.fromFloat(d));
                    for (int j = 0; j < 32; j++) {
                        b.put((byte) Math.round(values[blk + j] * id));
                    }
                }
            }
            case Q4_0 -> {
                for (int blk = 0; blk < values.length; blk += 32) {
                    float amax = 0f;
                    float max = 0f;
                    for (int j = 0; j < 32; j++) {
                        float v = values[blk + j];
                        if (amax < Math.abs(v)) {
                            amax = Math.abs(v);
                            max = v;
                        }
                    }
                    float d = max / -8f;
                    float id = d != 0f ? 1f / d : 0f;
                    b.putShort(Float16.fromFloat(d));
                    for (int j = 0; j < 16; j++) {
                        int lo = Math.min(15, (int) (values[blk + j] * id + 8.5f));
                        int hi = Math.min(15, (int) (values[blk + j + 16] * id + 8.5f));
                        b.put((byte) (lo | (hi << 4)));
                    }
                }
            }
            default -> throw new IllegalArgumentException("cannot encode " + type);
        }
        return b.array();
    }
}
