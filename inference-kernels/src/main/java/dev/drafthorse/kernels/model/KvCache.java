package dev.drafthorse.kernels.model;

import dev.drafthorse.kernels.attention.F16KvStore;
import dev.drafthorse.kernels.attention.F32KvStore;
import dev.drafthorse.kernels.attention.KvStore;

/**
 * The keys and values of one sequence, one {@link KvStore} per layer. {@link #length()} positions are
 * committed; a forward pass appends after them, and {@link #truncate} rolls back (rejected drafts).
 */
public final class KvCache {
    private final KvStore[] layers;
    private final int maxPositions;
    private final KvType type;
    private int length;

    /**
     * @param config the model's shape
     * @param maxPositions the most positions this sequence may hold (at most the context length)
     * @param initialCapacity positions allocated up front; the stores grow on demand up to maxPositions
     */
    public KvCache(ModelConfig config, KvType type, int maxPositions, int initialCapacity) {
        if (maxPositions < 1) {
            throw new IllegalArgumentException("maxPositions must be >= 1, got " + maxPositions);
        }
        this.maxPositions = maxPositions;
        this.type = type;
        int cap = Math.max(1, Math.min(initialCapacity, maxPositions));
        layers = new KvStore[config.layers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = type == KvType.F16
                    ? new F16KvStore(config.kvHeads(), config.headDim(), cap)
                    : new F32KvStore(config.kvHeads(), config.headDim(), cap);
        }
    }

    public KvStore layer(int i) {
        return layers[i];
    }

    public int length() {
        return length;
    }

    public int maxPositions() {
        return maxPositions;
    }

    public KvType type() {
        return type;
    }

    /** Makes room for {@code n} more positions after the committed ones. */
    void reserve(int n) {
        int need = length + n;
        if (need > maxPositions) {
            throw new IllegalStateException(
                    "sequence of " + need + " positions exceeds the KV cache limit of " + maxPositions);
        }
        for (KvStore s : layers) {
            if (s.capacity() < need) {
                s.ensureCapacity(Math.min(maxPositions, Math.max(need, s.capacity() * 2)));
            }
        }
    }

    void advance(int n) {
        length += n;
    }

    /** Drops positions at and after {@code newLength}. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("newLength must be in [0, " + length + "], got " + newLength);
        }
        length = newLength;
    }

    /**
     * Keeps, of the positions from {@code base} on, those at {@code base + keep[j]}, moved down to
     * {@code base + j}, and drops the rest: how the accepted path of a verified token tree stays in the
     * cache while its rejected branches go. Runs of consecutive kept positions move in one copy per layer.
     *
     * @param keep offsets from {@code base}, strictly increasing, all below {@code length() - base}
     */
    public void compact(int base, int[] keep) {
        if (base < 0 || base > length) {
            throw new IllegalArgumentException("base must be in [0, " + length + "], got " + base);
        }
        for (int j = 0; j < keep.length; j++) {
            if (keep[j] < 0 || (j > 0 && keep[j] <= keep[j - 1]) || base + keep[j] >= length) {
                throw new IllegalArgumentException("keep[" + j + "] = " + keep[j]
                        + ": offsets must increase strictly and stay below " + (length - base));
            }
        }
        int j = 0;
        while (j < keep.length) {
            int run = 1;
            while (j + run < keep.length && keep[j + run] == keep[j] + run) {
                run++;
            }
            if (keep[j] != j) {
                // keep[j] > j, so the source lies above the destination: copying upward never reads a moved slot.
                for (KvStore s : layers) {
                    s.copyFrom(s, base + keep[j], base + j, run);
                }
            }
            j += run;
        }
        length = base + keep.length;
    }

    /**
     * Appends {@code n} positions of {@code src} (from {@code srcPos}) after this cache's committed ones:
     * how a cached prefix is reused.
     */
    public void append(KvCache src, int srcPos, int n) {
        if (src.type != type || src.layers.length != layers.length) {
            throw new IllegalArgumentException("KV caches of different models or types");
        }
        if (srcPos < 0 || srcPos + n > src.length) {
            throw new IllegalArgumentException(
                    "positions [" + srcPos + ", " + (srcPos + n) + ") beyond the source's " + src.length);
        }
        reserve(n);
        for (int i = 0; i < layers.length; i++) {
            layers[i].copyFrom(src.layers[i], srcPos, length, n);
        }
        length += n;
    }

    /** Bytes held by the stores. */
    public long bytes() {
        long b = 0;
        for (KvStore s : layers) {
            b += (long) s.capacity() * s.bytesPerPosition();
        }
        return b;
    }
}
