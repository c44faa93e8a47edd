package dev.drafthorse.kernels.gguf;

/**
 * ggml tensor element types with their block layouts. Only the types Drafthorse computes with (and can
 * write: convert, random models) are {@link #supported()}; the rest are named so an error can say which
 * type a file uses.
 */
public enum GgmlType {
    /** 4-byte IEEE floats. */
    F32(0, 1, 4, true),
    /** 2-byte IEEE halves. */
    F16(1, 1, 2, true),
    /** Blocks of 32: an F16 scale d, then 16 bytes of 4-bit quants q (low nibbles first); x = d·(q − 8). */
    Q4_0(2, 32, 18, true),
    /** Blocks of 32: F16 d, F16 m, 16 bytes of 4-bit quants q (low nibbles first); x = d·q + m. */
    Q4_1(3, 32, 20, true),
    /** Blocks of 32: F16 d, 32 fifth bits, 16 bytes of low nibbles; x = d·(q − 16). */
    Q5_0(6, 32, 22, true),
    /** Blocks of 32: F16 d, F16 m, 32 fifth bits, 16 bytes of low nibbles; x = d·q + m. */
    Q5_1(7, 32, 24, true),
    /** Blocks of 32: an F16 scale d, then 32 signed bytes q; x = d·q. */
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    /** Super-blocks of 256 in 16 sub-blocks with 4-bit scales and mins, 2-bit quants. */
    Q2_K(10, 256, 84, true),
    /** Super-blocks of 256 in 16 sub-blocks with 6-bit scales, 3-bit quants. */
    Q3_K(11, 256, 110, true),
    /** Super-blocks of 256 in 8 sub-blocks with 6-bit scales and mins, 4-bit quants. */
    Q4_K(12, 256, 144, true),
    /** Super-blocks of 256 in 8 sub-blocks with 6-bit scales and mins, 5-bit quants. */
    Q5_K(13, 256, 176, true),
    /** Super-blocks of 256 in 16 sub-blocks with 8-bit scales, 6-bit quants. */
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    /** 2-byte bfloat16: the upper half of an F32. */
    BF16(30, 1, 2, true);

    private final int id;
    private final int blockSize;
    private final int blockBytes;
    private final boolean supported;

    GgmlType(int id, int blockSize, int blockBytes, boolean supported) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.supported = supported;
    }

    /** The id stored in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain floats). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Whether Drafthorse can compute with this type. */
    public boolean supported() {
        return supported;
    }

    /** The names of the supported types, for error messages ("F32, F16, …"). */
    public static String supportedNames() {
        StringBuilder sb = new StringBuilder();
        for (GgmlType t : values()) {
            if (t.supported) {
                sb.append(sb.length() == 0 ? "" : ", ").append(t);
            }
        }
        return sb.toString();
    }

    /** Bytes needed for {@code elements} values (elements must be a multiple of the block size). */
    /** @throws ArithmeticException when the size does not fit in a long */
    public long bytesFor(long elements) {
        // Exact: a wrapped size (2^62 F32 elements is 0 bytes modulo 2^64) would pass every bounds check.
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** The type with this id, or null when the id is unknown. */
    public static GgmlType byId(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
