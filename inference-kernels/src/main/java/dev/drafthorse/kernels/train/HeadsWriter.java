package dev.drafthorse.kernels.train;

import dev.drafthorse.kernels.gguf.GgmlType;
import dev.drafthorse.kernels.gguf.GgufWriter;
import dev.drafthorse.kernels.tensor.Float16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Writes trained heads as a GGUF file of their own, in the format the inference side reads:
 * {@code general.architecture} = {@code drafthorse.medusa} or {@code drafthorse.mtp}; the base named by
 * {@code drafthorse.base.architecture}, {@code .vocab_size}, {@code .embedding_length} and
 * {@code .fingerprint}; {@code drafthorse.heads.count} and {@code .precision}. Matrices are written in the
 * training precision (F32, F16 or BF16), norm vectors and biases in F32; a (rows, cols) matrix has ggml
 * shape [cols, rows].
 */
public final class HeadsWriter {
    private HeadsWriter() {}

    /**
     * @param fingerprint the base's {@code Model.fingerprint()}
     */
    public static void write(Heads heads, Precision precision, String fingerprint, Path path) throws IOException {
        Base b = heads.base();
        Precision p = precision == Precision.F64 ? Precision.F32 : precision;
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "drafthorse." + heads.kind());
        w.putString("general.name", heads.kind() + " heads for a " + b.architecture() + " model");
        w.putString("drafthorse.base.architecture", b.architecture());
        w.putUint32("drafthorse.base.vocab_size", b.vocab());
        w.putUint32("drafthorse.base.embedding_length", b.dim());
        w.putString("drafthorse.base.fingerprint", fingerprint);
        w.putUint32("drafthorse.heads.count", heads.count());
        w.putString("drafthorse.heads.precision", p.id());
        for (Param q : heads.params()) {
            GgmlType type = q.isVector() ? GgmlType.F32 : p.fileType();
            long[] shape = q.isVector() ? new long[] {q.cols()} : new long[] {q.cols(), q.rows()};
            w.tensor(q.name(), type, shape, encode(q.master(), type));
        }
        w.write(path);
    }

    static byte[] encode(float[] v, GgmlType type) {
        int width = type == GgmlType.F32 ? 4 : 2;
        ByteBuffer buf = ByteBuffer.allocate(v.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            switch (type) {
                case F32 -> buf.putFloat(x);
                case F16 -> buf.putShort(Float16.fromFloat(x));
                case BF16 -> buf.putShort(Float16.floatToBf16(x));
                default -> throw new IllegalArgumentException("heads are written in F32, F16 or BF16, not " + type);
            }
        }
        return buf.array();
    }
}
