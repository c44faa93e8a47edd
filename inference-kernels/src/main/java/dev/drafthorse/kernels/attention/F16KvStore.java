package dev.drafthorse.kernels.attention;

import dev.drafthorse.kernels.tensor.Float16;

/**
 * A {@link KvStore} in IEEE half precision: one {@code short[]} of F16 bit patterns for keys and one for
 * values, each laid out {@code [kvHead][capacity][headDim]}. Half the memory of {@link F32KvStore};
 * {@link #put} rounds to nearest even and tile reads widen exactly, so what attention sees is the
 * F16-rounded input.
 */
public final class F16KvStore implements KvStore {
    /** Positions converted per step when copying from a store of another type. */
    private static final int CONVERT_BLOCK = 64;

    private final int kvHeads;
    private final int headDim;
    private int capacity;
    private short[] keys; // (kvHeads, capacity, headDim) F16 bits
    private short[] values; // (kvHeads, capacity, headDim) F16 bits

    /**
     * @param kvHeads key/value heads, at least 1
     * @param headDim values per head, at least 1
     * @param capacity initial positions, at least 0 (grow with {@link #ensureCapacity})
     */
    public F16KvStore(int kvHeads, int headDim, int capacity) {
        KvChecks.shape(kvHeads, headDim, capacity);
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        this.keys = new short[kvHeads * capacity * headDim];
        this.values = new short[kvHeads * capacity * headDim];
    }

    @Override
    public int kvHeads() {
        return kvHeads;
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void ensureCapacity(int positions) {
        if (positions < 0) {
            throw new IllegalArgumentException("positions must be >= 0, got " + positions);
        }
        if (positions <= capacity) {
            return;
        }
        int grown = KvChecks.grownCapacity(kvHeads, headDim, capacity, positions);
        keys = regrow(keys, grown);
        values = regrow(values, grown);
        capacity = grown;
    }

    /** Copies each head's block to its place in the larger layout (the head stride changes). */
    private short[] regrow(short[] old, int grown) {
        short[] next = new short[kvHeads * grown * headDim]; // (kvHeads, grown, headDim)
        for (int h = 0; h < kvHeads; h++) {
            System.arraycopy(old, h * capacity * headDim, next, h * grown * headDim, capacity * headDim);
        }
        return next;
    }

    private int base(int kvHead, int pos) {
        return (kvHead * capacity + pos) * headDim;
    }

    @Override
    public void put(int pos, float[] k, int kOff, float[] v, int vOff) {
        KvChecks.position("pos", pos, capacity);
        KvChecks.array("k", k, kOff, (long) kvHeads * headDim);
        KvChecks.array("v", v, vOff, (long) kvHeads * headDim);
        for (int h = 0; h < kvHeads; h++) {
            encode(k, kOff + h * headDim, keys, base(h, pos), headDim);
            encode(v, vOff + h * headDim, values, base(h, pos), headDim);
        }
    }

    private static void encode(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float16.fromFloat(src[srcOff + i]);
        }
    }

    @Override
    public void readKeys(int kvHead, int pos0, int n, float[] dst, int dstOff) {
        read(keys, kvHead, pos0, n, dst, dstOff);
    }

    @Override
    public void readValues(int kvHead, int pos0, int n, float[] dst, int dstOff) {
        read(values, kvHead, pos0, n, dst, dstOff);
    }

    private void read(short[] src, int kvHead, int pos0, int n, float[] dst, int dstOff) {
        KvChecks.head(kvHead, kvHeads);
        KvChecks.range("pos0", pos0, n, capacity);
        KvChecks.array("dst", dst, dstOff, (long) n * headDim);
        int s = base(kvHead, pos0);
        int len = n * headDim;
        for (int i = 0; i < len; i++) {
            dst[dstOff + i] = Float16.toFloat(src[s + i]);
        }
    }

    @Override
    public void copyFrom(KvStore src, int srcPos, int dstPos, int n) {
        KvChecks.compatible(this, src);
        KvChecks.range("srcPos", srcPos, n, src.capacity());
        KvChecks.range("dstPos", dstPos, n, capacity);
        if (src instanceof F16KvStore) {
            F16KvStore s = (F16KvStore) src;
            for (int h = 0; h < kvHeads; h++) {
                // arraycopy is overlap-safe, which compaction within one store relies on.
                System.arraycopy(s.keys, s.base(h, srcPos), keys, base(h, dstPos), n * headDim);
                System.arraycopy(s.values, s.base(h, srcPos), values, base(h, dstPos), n * headDim);
            }
            return;
        }
        // Another representation: convert through a small float tile, rounding like put().
        float[] tile = new float[Math.min(n, CONVERT_BLOCK) * headDim]; // (CONVERT_BLOCK, headDim)
        for (int h = 0; h < kvHeads; h++) {
            for (int p = 0; p < n; p += CONVERT_BLOCK) {
                int m = Math.min(CONVERT_BLOCK, n - p);
                src.readKeys(h, srcPos + p, m, tile, 0);
                encode(tile, 0, keys, base(h, dstPos + p), m * headDim);
                src.readValues(h, srcPos + p, m, tile, 0);
                encode(tile, 0, values, base(h, dstPos + p), m * headDim);
            }
        }
    }

    @Override
    public long bytesPerPosition() {
        return 2L * kvHeads * headDim * Short.BYTES;
    }
}
