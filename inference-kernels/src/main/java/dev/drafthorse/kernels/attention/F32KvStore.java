package dev.drafthorse.kernels.attention;

/**
 * A {@link KvStore} in full precision: one {@code float[]} for keys and one for values, each laid out
 * {@code [kvHead][capacity][headDim]}. The attention kernels read its tiles in place; {@link #readKeys} is a
 * single {@link System#arraycopy}.
 */
public final class F32KvStore implements KvStore {
    private final int kvHeads;
    private final int headDim;
    private int capacity;
    private float[] keys; // (kvHeads, capacity, headDim)
    private float[] values; // (kvHeads, capacity, headDim)

    /**
     * @param kvHeads key/value heads, at least 1
     * @param headDim values per head, at least 1
     * @param capacity initial positions, at least 0 (grow with {@link #ensureCapacity})
     */
    public F32KvStore(int kvHeads, int headDim, int capacity) {
        KvChecks.shape(kvHeads, headDim, capacity);
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        this.keys = new float[kvHeads * capacity * headDim];
        this.values = new float[kvHeads * capacity * headDim];
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
    private float[] regrow(float[] old, int grown) {
        float[] next = new float[kvHeads * grown * headDim]; // (kvHeads, grown, headDim)
        for (int h = 0; h < kvHeads; h++) {
            System.arraycopy(old, h * capacity * headDim, next, h * grown * headDim, capacity * headDim);
        }
        return next;
    }

    private int base(int kvHead, int pos) {
        return (kvHead * capacity + pos) * headDim;
    }

    @Override
    public float[] keysInPlace() {
        return keys;
    }

    @Override
    public float[] valuesInPlace() {
        return values;
    }

    @Override
    public int offset(int kvHead, int pos) {
        KvChecks.head(kvHead, kvHeads);
        KvChecks.position("pos", pos, capacity);
        return base(kvHead, pos);
    }

    @Override
    public void put(int pos, float[] k, int kOff, float[] v, int vOff) {
        KvChecks.position("pos", pos, capacity);
        KvChecks.array("k", k, kOff, (long) kvHeads * headDim);
        KvChecks.array("v", v, vOff, (long) kvHeads * headDim);
        for (int h = 0; h < kvHeads; h++) {
            System.arraycopy(k, kOff + h * headDim, keys, base(h, pos), headDim);
            System.arraycopy(v, vOff + h * headDim, values, base(h, pos), headDim);
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

    private void read(float[] src, int kvHead, int pos0, int n, float[] dst, int dstOff) {
        KvChecks.head(kvHead, kvHeads);
        KvChecks.range("pos0", pos0, n, capacity);
        KvChecks.array("dst", dst, dstOff, (long) n * headDim);
        System.arraycopy(src, base(kvHead, pos0), dst, dstOff, n * headDim);
    }

    @Override
    public void copyFrom(KvStore src, int srcPos, int dstPos, int n) {
        KvChecks.compatible(this, src);
        KvChecks.range("srcPos", srcPos, n, src.capacity());
        KvChecks.range("dstPos", dstPos, n, capacity);
        if (src instanceof F32KvStore) {
            F32KvStore s = (F32KvStore) src;
            for (int h = 0; h < kvHeads; h++) {
                // arraycopy is overlap-safe, which compaction within one store relies on.
                System.arraycopy(s.keys, s.base(h, srcPos), keys, base(h, dstPos), n * headDim);
                System.arraycopy(s.values, s.base(h, srcPos), values, base(h, dstPos), n * headDim);
            }
            return;
        }
        // Another representation: its tile reads convert to float straight into our storage.
        for (int h = 0; h < kvHeads; h++) {
            src.readKeys(h, srcPos, n, keys, base(h, dstPos));
            src.readValues(h, srcPos, n, values, base(h, dstPos));
        }
    }

    @Override
    public long bytesPerPosition() {
        return 2L * kvHeads * headDim * Float.BYTES;
    }
}
