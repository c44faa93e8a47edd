package dev.drafthorse.kernels.tensor;

import dev.drafthorse.kernels.gguf.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A read-only weight matrix (rows, cols) kept in its file type, usually a view of a memory-mapped GGUF
 * tensor. Values are dequantized on the fly inside the dot products; accumulation is always F32.
 *
 * <p>One final subclass per format. Each has a scalar reference {@link #dotScalar} and a vector
 * {@link #dotVector}; {@link #dot} picks one through {@link Simd#ENABLED}. The vector dot of a row with
 * one activation vector is the same sequence of operations whatever else is computed alongside it, so
 * a matrix-matrix product gives bit-identical results to the matrix-vector product of each column.
 */
public abstract sealed class WeightMatrix permits F32Matrix, F16Matrix, BF16Matrix, Q8_0Matrix, Q4_0Matrix {
    protected final ByteBuffer data;
    protected final int rows;
    protected final int cols;
    protected final long rowBytes;

    protected WeightMatrix(ByteBuffer data, int rows, int cols, GgmlType type) {
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException("cols " + cols + " is not a multiple of the " + type + " block size");
        }
        this.data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = type.bytesFor(cols);
        if (data.capacity() < rowBytes * rows) {
            throw new IllegalArgumentException(type + " matrix (" + rows + ", " + cols + ") needs " + rowBytes * rows
                    + " bytes, buffer has " + data.capacity());
        }
    }

    /** Wraps {@code data} (the tensor's bytes) as a matrix of the given type. */
    public static WeightMatrix of(GgmlType type, ByteBuffer data, int rows, int cols) {
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case BF16 -> new BF16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
            default -> throw new IllegalArgumentException("unsupported weight type " + type);
        };
    }

    public abstract GgmlType type();

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Bytes of weight data read by one pass over the matrix. */
    public long bytes() {
        return rowBytes * rows;
    }

    /** Row {@code row} · x[xOff, xOff + cols). */
    public final float dot(int row, float[] x, int xOff) {
        return Simd.ENABLED ? dotVector(row, x, xOff) : dotScalar(row, x, xOff);
    }

    /** The scalar reference dot product: dequantize each value, multiply, accumulate in order. */
    public abstract float dotScalar(int row, float[] x, int xOff);

    /** The vector dot product; only called when {@link Simd#ENABLED}. */
    protected abstract float dotVector(int row, float[] x, int xOff);

    /** Dequantizes row {@code row} into dst[off, off + cols) (embedding lookup). */
    public abstract void row(int row, float[] dst, int off);

    /** The byte offset of a row in {@link #data}. */
    protected final int rowOffset(int row) {
        return (int) (row * rowBytes);
    }
}
