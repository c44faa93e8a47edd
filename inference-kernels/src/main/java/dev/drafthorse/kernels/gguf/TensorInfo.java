package dev.drafthorse.kernels.gguf;

import java.util.Arrays;

/**
 * A tensor's name, shape, type and place in the data section.
 *
 * @param name the tensor's name, e.g. {@code blk.0.attn_q.weight}
 * @param shape ggml order: {@code shape[0]} is the row length (contiguous), {@code shape[1]} the rows
 * @param type the element type
 * @param offset byte offset relative to the start of the data section
 */
public record TensorInfo(String name, long[] shape, GgmlType type, long offset) {

    /** Total number of elements. */
    public long elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Size of the data in bytes. */
    public long bytes() {
        return type.bytesFor(elements());
    }

    /** Row length (shape[0]). */
    public long cols() {
        return shape[0];
    }

    /** Number of rows (the product of all dimensions after the first). */
    public long rows() {
        return elements() / shape[0];
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
