package dev.drafthorse.kernels.attention;

/**
 * The keys and values of one transformer layer for one sequence.
 *
 * <p>Storage is laid out {@code [kvHead][capacity][headDim]}: all positions of one head are contiguous,
 * so the tile an attention kernel needs (n consecutive positions of one head) is a single contiguous
 * copy (or conversion, for reduced-precision stores). Positions are absolute token positions in the
 * sequence; a store does not track which positions have been written, the caller (the model) knows how
 * many tokens it has put.
 *
 * <p>Implementations are not thread-safe for writes; concurrent reads of positions nobody is writing are
 * safe, which is what the attention kernels do.
 */
public interface KvStore {
    /** Number of key/value heads. */
    int kvHeads();

    /** Values per head and position. */
    int headDim();

    /** Number of positions that can be stored without growing. */
    int capacity();

    /**
     * Grows the store so that positions [0, positions) are addressable, keeping the contents of the
     * existing positions. Does nothing when the capacity is already large enough.
     *
     * @throws IllegalArgumentException if {@code positions} is negative or the store would exceed the
     *     largest Java array
     */
    void ensureCapacity(int positions);

    /**
     * Writes the key and value of position {@code pos} for every head. Both inputs are head-major:
     * head h occupies {@code [off + h*headDim, off + (h+1)*headDim)}.
     *
     * @param k keys, {@code (kvHeads*headDim)} floats from {@code kOff}
     * @param v values, {@code (kvHeads*headDim)} floats from {@code vOff}
     * @throws IllegalArgumentException if {@code pos} is outside [0, capacity) or an input is too short
     */
    void put(int pos, float[] k, int kOff, float[] v, int vOff);

    /**
     * Copies the keys of positions [pos0, pos0+n) of one head into {@code dst} as a dense
     * {@code (n, headDim)} float tile starting at {@code dstOff}.
     */
    void readKeys(int kvHead, int pos0, int n, float[] dst, int dstOff);

    /** As {@link #readKeys} for the values. */
    void readValues(int kvHead, int pos0, int n, float[] dst, int dstOff);

    /**
     * The array that holds the keys as float tiles, for stores whose tiles the kernels can read in place
     * (no copy): the keys of positions [pos, pos+n) of a head are the dense {@code (n, headDim)} tile
     * from {@link #offset offset(kvHead, pos)}. Null (the default) for stores that must convert; the
     * kernels then copy through {@link #readKeys}. Valid until the store next grows.
     */
    default float[] keysInPlace() {
        return null;
    }

    /** As {@link #keysInPlace} for the values. */
    default float[] valuesInPlace() {
        return null;
    }

    /** Where position {@code pos} of head {@code kvHead} starts in the in-place arrays. */
    default int offset(int kvHead, int pos) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no in-place tiles");
    }

    /**
     * Copies keys and values of positions [srcPos, srcPos+n) of {@code src} to [dstPos, dstPos+n) of this
     * store, for every head. Used for KV compaction (dropping rejected speculative tokens) and prefix
     * sharing. {@code src} may be this store; overlapping ranges are handled like
     * {@link System#arraycopy}. Stores of the same type copy raw storage (bit-exact); other stores are
     * converted through float.
     *
     * @throws IllegalArgumentException if the head counts or head dims differ, or a range is outside
     *     the capacity of its store
     */
    void copyFrom(KvStore src, int srcPos, int dstPos, int n);

    /** Bytes of storage one position takes (keys and values, all heads). */
    long bytesPerPosition();
}
