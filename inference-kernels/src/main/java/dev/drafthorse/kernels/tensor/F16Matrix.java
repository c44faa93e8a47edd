package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;

/** F16 weights: IEEE halves, two to an int (see {@link HalfMatrix}), widened to F32 inside the kernels. */
public final class F16Matrix extends HalfMatrix {
    private final float unscale; // 2^-shift: a stored half back to the file's value

    public F16Matrix(ByteBuffer data, int rows, int cols) {
        super(data, rows, cols, GgmlType.F16);
        unscale = Math.scalb(1f, -shift);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    float toFloat(short h) {
        return Float16.toFloat(h) * unscale;
    }
}
