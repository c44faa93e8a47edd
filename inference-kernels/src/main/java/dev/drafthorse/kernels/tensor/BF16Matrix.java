package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/** BF16 weights: the upper 16 bits of an F32, two to an int (see {@link HalfMatrix}), widened by a shift. */
public final class BF16Matrix extends HalfMatrix {
    public BF16Matrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.BF16);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    float toFloat(short h) {
        return Float16.bf16ToFloat(h);
    }
}
